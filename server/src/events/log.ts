import type { Sql, Statement } from '../db/sql';
import type { EventType } from '@ordercast/shared';
import { toBusEvent, toWireJson, type BusEvent, type EventRow, type EventStore } from './types';


/**
 * Read side of the durable event log, with prepared statements: resume replays and the
 * dispatcher's batches go through here.
 */
export class EventLog implements EventStore {
  private readonly afterStmt: Statement<{ afterId: number; limit: number }, EventRow>;
  private readonly boundsStmt: Statement<void, { min: number | null; max: number | null }>;
  private readonly insertStmt: Statement<{ type: string; rooms: string; payload: string }, { id: number }>;
  private readonly seqStmt: Statement<void, { seq: number }>;
  private readonly atOrAfterStmt: Statement<{ id: number }, { id: number; createdAt: string }>;
  private readonly deleteBelowStmt: Statement<{ id: number }>;
  private readonly inRoomsStmt: Statement<{ afterId: number; upTo: number; rooms: string }, EventRow>;

  /**
   * One process, in-memory bus: the events this process appended, by id, until published. After
   * a commit the dispatcher takes them from here instead of reading back rows it has just written
   * (a tenth of an order's server time). A rolled-back append leaves a stale entry, but SQLite hands
   * its id to the next append, which replaces it, and ids above the committed maximum are dropped.
   * Holds only when this log is the only writer of the events table (it is: `append` goes here).
   */
  private recent: Map<number, BusEvent> | null = null;

  constructor(sql: Sql) {
    this.afterStmt = sql.prepare('SELECT id, type, rooms, payload, created_at AS "createdAt" FROM events WHERE id > @afterId ORDER BY id LIMIT @limit');
    this.boundsStmt = sql.prepare('SELECT MIN(id) AS min, MAX(id) AS max FROM events');
    this.insertStmt = sql.prepare('INSERT INTO events (type, rooms, payload) VALUES (@type, @rooms, @payload) RETURNING id');
    // The highest id ever issued, even after pruning (AUTOINCREMENT's sequence; the serial's sequence).
    this.seqStmt = sql.prepare({
      sqlite: "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
      postgres: 'SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS seq FROM events_id_seq',
    });
    this.atOrAfterStmt = sql.prepare('SELECT id, created_at AS "createdAt" FROM events WHERE id >= @id ORDER BY id LIMIT 1');
    this.deleteBelowStmt = sql.prepare('DELETE FROM events WHERE id < @id');
    // Rooms are stored as a JSON array of names that never hold a quote, so `"name"` occurs in the
    // text exactly when the event is for that room: the filter runs inside the database, and only the
    // client's events are parsed and sent.
    this.inRoomsStmt = sql.prepare({
      sqlite: `SELECT id, type, rooms, payload FROM events WHERE id > @afterId AND id <= @upTo
       AND EXISTS (SELECT 1 FROM json_each(@rooms) r WHERE instr(events.rooms, '"' || r.value || '"') > 0) ORDER BY id`,
      postgres: `SELECT id, type, rooms, payload FROM events WHERE id > @afterId AND id <= @upTo
       AND EXISTS (SELECT 1 FROM json_array_elements_text(@rooms::json) r(value) WHERE strpos(events.rooms, '"' || r.value || '"') > 0) ORDER BY id`,
    });
  }

  /** Appends inside the caller's transaction; returns the new event id. */
  async insert(type: EventType, rooms: readonly string[], payloadJson: string): Promise<number> {
    const { id } = (await this.insertStmt.get({ type, rooms: JSON.stringify(rooms), payload: payloadJson }))!;
    this.recent?.set(id, { id, type, rooms: [...rooms], json: toWireJson(id, type, payloadJson), appendedAt: Date.now() });
    return id;
  }

  /** Local dispatch mode: remember appended events for `committedAfter`. */
  rememberAppends(): void {
    this.recent ??= new Map();
  }

  /**
   * Committed events with id > afterId, oldest first, at most `limit`: from memory when every one
   * of them is there, else from the database. Call outside write transactions only (after commit).
   */
  async committedAfter(afterId: number, limit: number): Promise<BusEvent[]> {
    const recent = this.recent;
    if (!recent) return this.after(afterId, limit);
    const high = await this.highestId();
    const upTo = Math.min(high, afterId + limit);
    const out: BusEvent[] = [];
    for (let id = afterId + 1; id <= upTo; id++) {
      const ev = recent.get(id);
      if (!ev) {
        out.length = 0;
        break;
      }
      out.push(ev);
    }
    const result = out.length > 0 || upTo <= afterId ? out : await this.after(afterId, limit);
    // What is handed out is published; what lies above the committed maximum was rolled back.
    const last = result.at(-1)?.id ?? afterId;
    for (const id of recent.keys()) if (id <= last || id > high) recent.delete(id);
    return result;
  }

  /** Events with id > afterId, oldest first. */
  async after(afterId: number, limit = 1000): Promise<BusEvent[]> {
    return (await this.afterStmt.all({ afterId, limit })).map(toBusEvent);
  }

  /** Events with afterId < id <= upTo that belong to at least one of `rooms`, oldest first (a resume replay). */
  async inRooms(afterId: number, upTo: number, rooms: readonly string[]): Promise<BusEvent[]> {
    if (rooms.length === 0 || upTo <= afterId) return [];
    return (await this.inRoomsStmt.all({ afterId, upTo, rooms: JSON.stringify(rooms) })).map(toBusEvent);
  }

  /** Lowest and highest retained ids (null when the log is empty). */
  async bounds(): Promise<{ min: number | null; max: number | null }> {
    return (await this.boundsStmt.get()) ?? { min: null, max: null };
  }

  /**
   * Whether a client that last saw `lastEventId` can resume without a gap: true when nothing
   * after it has been pruned. A pruned log answers false, and the client must resync over REST.
   */
  async canResumeFrom(lastEventId: number): Promise<boolean> {
    // AUTOINCREMENT's sequence remembers the highest id ever issued, even after pruning.
    const highest = await this.highestId();
    if (lastEventId > highest) return false; // an id this log never issued (reset database): resync
    const { min } = await this.bounds();
    if (min === null) return lastEventId === highest; // everything pruned: only an up-to-date client is whole
    return lastEventId >= min - 1;
  }

  async highestId(): Promise<number> {
    return (await this.seqStmt.get())?.seq ?? 0;
  }

  /** Removes events older than maxAgeHours and beyond the newest maxRows. Returns rows removed. */
  async prune(maxAgeHours: number, maxRows: number): Promise<number> {
    const { min, max } = await this.bounds();
    if (min === null || max === null) return 0;
    const cutoff = new Date(Date.now() - maxAgeHours * 3_600_000).toISOString();
    // Both limits are a lowest id to keep: one range delete by rowid covers them.
    return (await this.deleteBelowStmt.run({ id: Math.max(await this.firstIdSince(cutoff, min, max), max - maxRows + 1) })).changes;
  }

  /**
   * The lowest id in [min, max] created at or after `iso` (max + 1 when none is). created_at grows
   * with the id (appends are serialised by the write lock and stamped at insert), so a binary search
   * over ids finds it in ~20 seeks by rowid: no index on created_at to write with every event.
   */
  private async firstIdSince(iso: string, min: number, max: number): Promise<number> {
    let lo = min;
    let hi = max + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = await this.atOrAfterStmt.get({ id: mid });
      if (!row || row.createdAt >= iso) hi = mid;
      else lo = row.id + 1;
    }
    return lo;
  }
}
