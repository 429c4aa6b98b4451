import type { EventStore } from '../events/types';
import type { Conn } from './conn';
import type { RealtimeMetrics } from './metrics';

export const RESYNC_JSON = '{"type":"resync"}';
/** Ids of the log covered by one read of a replay (only the client's events among them are read out). */
const SPAN = 2000;

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
 * replay never piles up in server memory. SQLite picks the client's rooms out of each span of ids
 * (EventLog.inRooms), and a resume further back than `maxEvents` is not replayed at all: like a
 * pruned or unknown id it gets `resync` (refetch over REST) and goes live. So one reconnecting
 * client costs at most `maxEvents` rows scanned inside SQLite.
 */
export async function resume(
  conn: Conn,
  lastEventId: number | null,
  log: EventStore,
  metrics: RealtimeMetrics,
  lowWater: number,
  maxEvents: number,
  /** The highest id the hub has delivered live (events skipped for this connection while it replays lie at or below it). */
  liveHigh: () => number = () => 0,
): Promise<void> {
  if (lastEventId === null || !(await log.canResumeFrom(lastEventId)) || (await log.highestId()) - lastEventId > maxEvents) {
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
    const head = await log.highestId();
    const upTo = Math.min(head, cursor + SPAN);
    // The rooms as they are now: a join-room during the replay counts from the next span on.
    const mine = await log.inRooms(cursor, upTo, [...conn.rooms]);
    if (conn.closed) return;
    if (mine.length > 0) {
      conn.sendReplay(mine);
      metrics.replayed += mine.length;
    }
    cursor = upTo;
    // Reached the head of the log, and nothing newer was delivered live meanwhile (the reads above
    // wait their turn on the database): from here on, in this same tick, live delivery continues.
    if (upTo >= head && liveHigh() <= cursor) {
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
