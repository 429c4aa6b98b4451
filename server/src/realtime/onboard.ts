import { defaultRooms } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import { noticeTime, type Conn } from './conn';
import { socketError, type RealtimeContext } from './context';
import { resume } from './resume';
import { roomRefusal } from './rights';

/** The rooms a connection starts in: its role's rooms plus the requested ones it may enter (same rule as join-room). */
export async function initialRooms(
  rt: RealtimeContext,
  principal: Principal,
  requested: readonly string[],
): Promise<{ rooms: string[]; refused: { room: string; why: string }[] }> {
  const rooms = defaultRooms(principal);
  const refused: { room: string; why: string }[] = [];
  for (const r of requested) {
    if (rooms.includes(r)) continue;
    const why = await roomRefusal(rt, principal, r, rooms.length);
    if (why) refused.push({ room: r, why });
    else rooms.push(r);
  }
  return { rooms, refused };
}

/**
 * What every new connection goes through, whatever carries it, in this order: its rooms, then
 * `connected`, then refusals of requested rooms, then the resume replay (before live events).
 * `onResumeFailed` ends the connection the transport's way; the client reconnects and resumes.
 */
export async function onboard(
  rt: RealtimeContext,
  conn: Conn,
  connectionId: string,
  requestedRooms: readonly string[],
  lastEventId: number | null | undefined,
  onResumeFailed: () => void,
): Promise<void> {
  const { principal } = conn;
  const { rooms, refused } = await initialRooms(rt, principal, requestedRooms);
  // Gone while its rooms were read: never added, so nothing to remove.
  if (conn.closed) return;
  conn.replaying = lastEventId !== undefined;
  conn.noticeAt = noticeTime(Date.now(), conn.expiresAt, rt.limits.tokenNoticeMs);
  rt.hub.add(conn, rooms);
  conn.sendControl(
    JSON.stringify({
      type: 'connected',
      data: {
        userId: principal.userId,
        role: principal.role,
        rooms,
        connectionId,
        transport: conn.transport,
        // Every event after this id reaches this connection: a fresh client's resume point.
        lastEventId: rt.hub.lastId,
      },
    }),
  );
  for (const r of refused) conn.sendControl(socketError('forbidden', r.why));
  if (lastEventId !== undefined) {
    resume(conn, lastEventId, rt.log, rt.metrics, rt.lowWater, rt.limits.resumeMaxEvents, () => rt.hub.lastId).catch((err: unknown) => {
      rt.logger.error({ err }, 'realtime resume failed');
      onResumeFailed();
    });
  }
}
