import type { EventLog } from '../events/log';
import { inRooms, type Conn } from './hub';
import type { RealtimeMetrics } from './metrics';

export const RESYNC_JSON = '{"type":"resync"}';
const BATCH = 500;

/**
 * Parses a client's lastEventId (query or Last-Event-ID header). undefined: not given (live
 * only); null: given but not an id we could ever have issued (the client gets resync).
 */
export function parseLastEventId(raw: unknown): number | null | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) return null;
  return Number(raw);
}

/**
 * Replays every logged event after `lastEventId` that belongs to the connection's rooms, in
 * order, then hands the connection to live delivery. Live events arriving meanwhile are skipped
 * by the hub (`replaying`); the switch to live happens in the same synchronous step as a log
 * read that reached the head, so nothing falls between the two and nothing comes twice (the hub
 * skips ids up to `conn.lastId`). Between batches it waits for the client to drain, so a large
 * replay never piles up in server memory. A too-old or unknown id gets `resync` and goes live.
 */
export async function resume(
  conn: Conn,
  lastEventId: number | null,
  log: EventLog,
  metrics: RealtimeMetrics,
  lowWater: number,
): Promise<void> {
  if (lastEventId === null || !log.canResumeFrom(lastEventId)) {
    metrics.resyncs++;
    conn.sendControl(RESYNC_JSON);
    conn.replaying = false;
    return;
  }
  metrics.resumes++;
  conn.replaying = true;
  let cursor = lastEventId;
  for (;;) {
    if (conn.closed) return;
    const batch = log.after(cursor, BATCH);
    const mine = batch.filter((ev) => inRooms(conn.rooms, ev.rooms));
    if (mine.length > 0) {
      conn.sendReplay(mine);
      metrics.replayed += mine.length;
    }
    cursor = batch.at(-1)?.id ?? cursor;
    if (batch.length < BATCH) {
      // Reached the head of the log in this very tick: from here on, live delivery continues.
      if (cursor > conn.lastId) conn.lastId = cursor;
      conn.replaying = false;
      return;
    }
    if (!(await drained(conn, lowWater)) && !conn.closed) {
      conn.closeSlow();
      return;
    }
  }
}

/** Waits (bounded, 30 s) until the connection's unsent data is below `lowWater`; false: it never drained. */
async function drained(conn: Conn, lowWater: number): Promise<boolean> {
  if (conn.buffered() <= lowWater) {
    await new Promise<void>((r) => setImmediate(r));
    return true;
  }
  for (let i = 0; i < 6000 && !conn.closed && conn.buffered() > lowWater; i++) {
    await new Promise<void>((r) => setTimeout(r, 5));
  }
  return conn.buffered() <= lowWater;
}
