import type { Sql, Statement } from '../db/sql';
import type { FastifyBaseLogger } from 'fastify';
import { EventLog } from './log';
import type { BusEvent, EventBus, EventStore } from './types';

const BATCH = 500;

/**
 * Hands committed events to the bus in id order, and a restart publishes whatever a crash left
 * behind (the cursor row remembers how far publishing got). A bus failure is logged, never
 * thrown: the event stays in the log for clients to resume from.
 *
 * Two modes. One process (in-memory bus): right after each commit it publishes what is new in the
 * same turn (from the log's memory of its own appends, see EventLog.committedAfter), and saves the
 * cursor about once a second — a crash may publish up to a second of events again at start, which
 * clients drop by id. Several processes (Redis):
 * each batch is claimed by advancing the shared cursor in a write transaction, so every event is
 * published by exactly one process.
 */
export class EventDispatcher {
  private scheduled = false;
  private running = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly shared: boolean;
  /** Local mode: the last id handed to the bus, and the last one saved in the cursor row. */
  private published: number;
  private saved: number;
  private readonly saveStmt: Statement<{ id: number }>;
  private readonly initStmt: Statement;
  private readonly cursorStmt: Statement<void, { last: number }>;
  private readonly claim: () => Promise<BusEvent[]>;

  constructor(
    private readonly sql: Sql,
    private readonly log: EventStore,
    private readonly bus: EventBus,
    private readonly logger: FastifyBaseLogger,
    private readonly pollMs = 1000,
  ) {
    this.initStmt = sql.prepare('INSERT INTO event_cursor (id, last_dispatched_id) VALUES (1, 0) ON CONFLICT (id) DO NOTHING');
    const cursorStmt = sql.prepare<void, { last: number }>('SELECT last_dispatched_id AS last FROM event_cursor WHERE id = 1');
    this.cursorStmt = cursorStmt;
    const claimStmt = sql.prepare<{ id: number; current: number }>('UPDATE event_cursor SET last_dispatched_id = @id WHERE id = 1 AND last_dispatched_id = @current');
    this.saveStmt = sql.prepare('UPDATE event_cursor SET last_dispatched_id = @id WHERE id = 1 AND last_dispatched_id < @id');
    this.shared = bus.kind !== 'memory';
    if (!this.shared) {
      // One process on the in-memory bus is SQLite's mode (PostgreSQL always runs with a shared bus).
      if (!(log instanceof EventLog)) throw new Error('the in-memory bus needs the SQLite event log');
      log.rememberAppends();
    }
    this.published = this.saved = 0;
    this.claim = async () => {
      // Nothing new since the cursor: no write transaction (whose commit would kick another pass).
      const seen = (await cursorStmt.get())?.last ?? 0;
      if ((await this.log.highestId()) <= seen) return [];
      return this.sql.tx(async () => {
        const current = (await cursorStmt.get())?.last ?? 0;
        const batch = await this.log.after(current, BATCH);
        const last = batch.at(-1);
        if (last) await claimStmt.run({ id: last.id, current });
        return batch;
      });
    };
  }

  /** Makes sure the cursor row exists and reads it (before `start`). */
  async init(): Promise<void> {
    await this.initStmt.run();
    this.published = this.saved = (await this.cursorStmt.get())?.last ?? 0;
  }

  async start(): Promise<void> {
    await this.init();
    this.stopped = false;
    // The poll picks up events committed by other processes or left behind by a crash, and saves the cursor.
    this.timer = setInterval(() => {
      this.kick();
      void this.save();
    }, this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Call after every commit that appended events. Cheap and idempotent. */
  kick(): void {
    if (this.stopped) return;
    if (!this.shared) {
      void this.publishLocal();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drainShared();
    });
  }

  private async publishLocal(): Promise<void> {
    // A bus handler that commits (and so kicks) must not publish out of order: loop instead of nesting.
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        for (;;) {
          const batch = await (this.log as EventLog).committedAfter(this.published, BATCH);
          for (const event of batch) {
            this.publishOne(event);
            this.published = event.id;
          }
          if (batch.length < BATCH) break;
        }
      } while (this.again);
    } catch (err) {
      this.logger.error({ err }, 'event dispatch pass failed; will retry');
    } finally {
      this.running = false;
    }
  }

  private publishOne(event: BusEvent): void {
    try {
      this.bus.publish(event).catch((err: unknown) => this.publishFailed(err, event));
    } catch (err) {
      this.publishFailed(err, event);
    }
  }

  private publishFailed(err: unknown, event: BusEvent): void {
    this.logger.error({ err, eventId: event.id }, 'event bus publish failed; clients will get it on resume');
  }

  private async save(): Promise<void> {
    if (this.shared || this.published <= this.saved) return;
    const id = this.published;
    try {
      await this.saveStmt.run({ id });
      this.saved = id;
    } catch (err) {
      this.logger.warn({ err }, 'event cursor not saved; will retry');
    }
  }

  private async drainShared(): Promise<void> {
    if (this.running) {
      this.kick();
      return;
    }
    this.running = true;
    try {
      for (;;) {
        const batch = await this.claim();
        if (batch.length === 0) break;
        for (const event of batch) {
          try {
            await this.bus.publish(event);
          } catch (err) {
            this.publishFailed(err, event);
          }
        }
        if (batch.length < BATCH) break;
      }
    } catch (err) {
      this.logger.error({ err }, 'event dispatch pass failed; will retry');
    } finally {
      this.running = false;
    }
  }

  /** Publishes what is left and saves the cursor, then stops (graceful shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.shared) {
      while (this.running) await new Promise((r) => setImmediate(r));
      await this.drainShared();
    } else {
      while (this.running) await new Promise((r) => setImmediate(r));
      await this.publishLocal();
      await this.save();
    }
    this.stopped = true;
  }
}
