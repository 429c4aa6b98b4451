import type Database from 'better-sqlite3';
import type { FastifyBaseLogger } from 'fastify';
import type { EventLog } from './log';
import type { EventBus } from './types';

const BATCH = 500;

/**
 * Hands committed events to the bus in id order. Each batch is claimed by advancing the shared
 * cursor in a write transaction, so with several processes on one database every event is
 * published by exactly one of them, and a restart publishes whatever a crash left unclaimed.
 * A bus failure is logged, never thrown: the event stays in the log for clients to resume from.
 */
export class EventDispatcher {
  private scheduled = false;
  private running = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly cursorStmt: Database.Statement<[], { last: number }>;
  private readonly claimStmt: Database.Statement<[number, number]>;
  private readonly claim: (after: number) => ReturnType<EventLog['after']>;

  constructor(
    sqlite: Database.Database,
    private readonly log: EventLog,
    private readonly bus: EventBus,
    private readonly logger: FastifyBaseLogger,
    private readonly pollMs = 1000,
  ) {
    sqlite.prepare('INSERT OR IGNORE INTO event_cursor (id, last_dispatched_id) VALUES (1, 0)').run();
    this.cursorStmt = sqlite.prepare('SELECT last_dispatched_id AS last FROM event_cursor WHERE id = 1');
    this.claimStmt = sqlite.prepare('UPDATE event_cursor SET last_dispatched_id = ? WHERE id = 1 AND last_dispatched_id = ?');
    const claimTx = sqlite.transaction((after: number) => {
      const current = this.cursorStmt.get()?.last ?? 0;
      const batch = this.log.after(Math.max(after, current), BATCH);
      const last = batch.at(-1);
      if (last) this.claimStmt.run(last.id, current);
      return batch;
    });
    this.claim = (after) => claimTx.immediate(after);
  }

  start(): void {
    this.stopped = false;
    // The poll picks up events committed by other processes, or left unclaimed by a crash.
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Schedules a dispatch pass; call after every commit that appended events. Cheap and idempotent. */
  kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) {
      this.kick();
      return;
    }
    this.running = true;
    try {
      for (;;) {
        const batch = this.claim(0);
        if (batch.length === 0) break;
        for (const event of batch) {
          try {
            await this.bus.publish(event);
          } catch (err) {
            this.logger.error({ err, eventId: event.id }, 'event bus publish failed; clients will get it on resume');
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

  /** Publishes what is left, then stops (graceful shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.running) await new Promise((r) => setImmediate(r));
    await this.drain();
    this.stopped = true;
  }
}
