import type { EventType } from '@ordercast/shared';
import type { Statement } from '../db/sql';
import type { PgSql } from '../db/sql-postgres';
import { toBusEvent, type BusEvent, type EventRow, type EventStore } from './types';

/**
 * The durable event log on PostgreSQL (the SQLite one is log.ts), written so that a reader never
 * skips an event.
 *
 * The hazard: a sequence hands out ids at INSERT, but rows become visible at COMMIT. If
 * transaction A takes id 104 and B takes 105 and B commits first, a reader that saw 105 moves its
 * position past 104, which appears later and is never delivered.
 *
 * The scheme: appends are serialised by a transaction-scoped advisory lock, taken in the same
 * statement that inserts, right before the ids are drawn, and held until the transaction ends.
 * A transaction's events are gathered while it runs and inserted in one statement at its end
 * (PgSql.beforeCommit), so the lock is held only through that statement and the COMMIT, not
 * through the transaction's other work. Why that is enough:
 *  1. Every id is drawn by a transaction holding the lock, so if id j < k belong to different
 *     transactions, k's transaction took the lock after j's released it.
 *  2. PostgreSQL releases a transaction's locks only after its commit is visible to new snapshots
 *     (xact.c, CommitTransaction: ProcArrayEndTransaction "must be done _before_ releasing locks
 *     we hold"; AbortTransaction likewise), so a waiter wakes to find the holder fully finished.
 *  3. So when any snapshot sees id k, every id below k is already committed and visible in that
 *     snapshot, or rolled back and never will be. Reading `id > position ORDER BY id` therefore
 *     never passes over an id that shows up later: delivery order is id order, commit order, and
 *     the integer id stays the wire `lastEventId` clients resume from.
 * Needs: the id sequence with CACHE 1 (the default; a per-session cache would draw ids outside the
 * lock), and no writer of `events` but this class.
 *
 * The same statement sends `pg_notify(channel, <highest id>)`, delivered at commit: the wake-up
 * for every node's bus (bus-postgres.ts), never the payload itself.
 */

export const DEFAULT_EVENTS_LOCK_KEY = 0x6f63_6576; // 'ocev'
export const DEFAULT_EVENTS_CHANNEL = 'ordercast_events';

export interface PgEventLogOptions {
  /** NOTIFY channel woken at each commit that appended (null: none). Default `ordercast_events`. */
  channel?: string | null;
  /** The advisory lock key that serialises appends; every node of one database must use the same. */
  lockKey?: number;
}


interface Pending {
  flushed: boolean;
  types: string[];
  rooms: string[];
  payloads: string[];
}

export class PgEventLog implements EventStore {
  readonly channel: string | null;
  private readonly lockKey: number;
  private readonly flushStmt: Statement<{ key: number; types: string[]; rooms: string[]; payloads: string[]; channel?: string }, { last: number }>;
  private readonly afterStmt: Statement<{ after: number; limit: number }, EventRow>;
  private readonly inRoomsStmt: Statement<{ after: number; upTo: number; rooms: string[] }, EventRow>;
  private readonly boundsStmt: Statement<void, { min: number | null; max: number | null }>;
  private readonly pruneStmt: Statement<{ cutoff: string; maxRows: number }>;

  constructor(
    private readonly sql: PgSql,
    opts: PgEventLogOptions = {},
  ) {
    this.channel = opts.channel === undefined ? DEFAULT_EVENTS_CHANNEL : opts.channel;
    this.lockKey = opts.lockKey ?? DEFAULT_EVENTS_LOCK_KEY;
    // The lock is a MATERIALIZED CTE joined to every row: no row reaches the INSERT, and so no id
    // is drawn, before the lock is held. WITH ORDINALITY keeps the transaction's own order.
    const insert = `WITH lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(@key) AS held),
      ins AS (
        INSERT INTO events (type, rooms, payload)
        SELECT e.type, e.rooms, e.payload
        FROM lock CROSS JOIN unnest(@types::text[], @rooms::text[], @payloads::text[]) WITH ORDINALITY AS e(type, rooms, payload, ord)
        ORDER BY e.ord
        RETURNING id)`;
    this.flushStmt = sql.prepare(
      this.channel === null
        ? `${insert} SELECT max(id) AS last FROM ins`
        : `${insert} SELECT max(id) AS last, pg_notify(@channel, max(id)::text) FROM ins`,
    );
    this.afterStmt = sql.prepare('SELECT id, type, rooms, payload, created_at AS "createdAt" FROM events WHERE id > @after ORDER BY id LIMIT @limit');
    // Rooms are a JSON array of names without quotes: `"name"` occurs in the text exactly when the event is for that room.
    this.inRoomsStmt = sql.prepare(
      `SELECT id, type, rooms, payload FROM events WHERE id > @after AND id <= @upTo
       AND EXISTS (SELECT 1 FROM unnest(@rooms::text[]) r WHERE strpos(events.rooms, '"' || r || '"') > 0) ORDER BY id`,
    );
    this.boundsStmt = sql.prepare('SELECT MIN(id) AS min, MAX(id) AS max FROM events');
    // Both limits are a lowest id to keep; the newest row always stays, so MAX(id) keeps answering
    // "the highest id ever committed" (canResumeFrom) without reading the sequence, which also
    // counts ids drawn by transactions still running.
    this.pruneStmt = sql.prepare(
      `WITH b AS (SELECT MAX(id) AS max FROM events),
        keep AS (SELECT LEAST(b.max, GREATEST(
          COALESCE((SELECT id FROM events WHERE created_at >= @cutoff ORDER BY id LIMIT 1), b.max + 1),
          b.max - @maxRows::bigint + 1)) AS lowest FROM b)
       DELETE FROM events WHERE id < (SELECT lowest FROM keep)`,
    );
  }

  /**
   * Appends inside the caller's transaction. The row is inserted when the transaction commits
   * (with every other event it appended, in order), so its id is not known here: nothing needs it
   * (the wire id is assigned in delivery order). A savepoint that rolls back drops its events.
   */
  insert(type: EventType, rooms: readonly string[], payloadJson: string): void {
    if (!this.sql.inTx()) throw new Error(`event ${type} appended outside a transaction`);
    const roomsJson = JSON.stringify(rooms);
    this.sql.beforeCommit((bag) => {
      let batch = bag.get(this) as Pending | undefined;
      // (An event appended by a later commit hook, after the flush, starts a second batch.)
      if (!batch || batch.flushed) {
        batch = { flushed: false, types: [], rooms: [], payloads: [] };
        bag.set(this, batch);
        const gathered = batch;
        // Registered now, it runs after every event hook already queued: one insert for all.
        this.sql.beforeCommit(() => this.flush(gathered));
      }
      batch.types.push(type);
      batch.rooms.push(roomsJson);
      batch.payloads.push(payloadJson);
    });
  }

  private async flush(batch: Pending): Promise<void> {
    batch.flushed = true;
    const params = { key: this.lockKey, types: batch.types, rooms: batch.rooms, payloads: batch.payloads };
    await this.flushStmt.get(this.channel === null ? params : { ...params, channel: this.channel });
  }

  /** Committed events with id > afterId, oldest first, at most `limit`. */
  async after(afterId: number, limit = 1000): Promise<BusEvent[]> {
    return (await this.afterStmt.all({ after: afterId, limit })).map(toBusEvent);
  }

  /** Events with afterId < id <= upTo that belong to at least one of `rooms`, oldest first (a resume replay). */
  async inRooms(afterId: number, upTo: number, rooms: readonly string[]): Promise<BusEvent[]> {
    if (rooms.length === 0 || upTo <= afterId) return [];
    return (await this.inRoomsStmt.all({ after: afterId, upTo, rooms: [...rooms] })).map(toBusEvent);
  }

  /** Lowest and highest retained (committed) ids; null when the log is empty. */
  async bounds(): Promise<{ min: number | null; max: number | null }> {
    return (await this.boundsStmt.get()) ?? { min: null, max: null };
  }

  /** The highest committed id (0 for an empty log): pruning always keeps the newest row. */
  async highestId(): Promise<number> {
    return (await this.bounds()).max ?? 0;
  }

  /** Whether a client that last saw `lastEventId` can resume without a gap (nothing after it pruned). */
  async canResumeFrom(lastEventId: number): Promise<boolean> {
    const { min, max } = await this.bounds();
    if (max === null || min === null) return lastEventId === 0;
    if (lastEventId > max) return false; // an id this log never issued (reset database): resync
    return lastEventId >= min - 1;
  }

  /** Removes events older than maxAgeHours and beyond the newest maxRows (never the newest). Returns rows removed. */
  async prune(maxAgeHours: number, maxRows: number): Promise<number> {
    const cutoff = new Date(Date.now() - maxAgeHours * 3_600_000).toISOString();
    return (await this.pruneStmt.run({ cutoff, maxRows })).changes;
  }
}
