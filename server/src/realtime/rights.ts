import { canJoinRoom, defaultRooms, parseRoom } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import { mayChat } from '../chat/access';
import type { RealtimeContext } from './context';
import type { Conn } from './conn';

/*
 * What a connection may hear, kept true while it is open. A connection holds a copy of its
 * user's rights (its principal); when they change (a `principal-changed` notice on the bus, sent by
 * every process, or a join-room that re-reads them) the connection is re-checked here:
 *  - account gone or disabled → closed (WebSocket 4401 `account_disabled`, SSE stream ended);
 *  - token version raised by a password reset → closed (4401 `token_revoked`);
 *  - otherwise the rooms follow the new rights: rooms no longer allowed are left (`room-left`),
 *    the role's default rooms not yet held are joined (`room-joined`). Rooms joined by hand that
 *    are still allowed stay.
 */

/** Whether `principal` may be in `room`; an order's chat room asks the chat's rule (chat/access.ts) about that order. */
export async function mayHold(rt: RealtimeContext, principal: Principal, room: string): Promise<boolean> {
  const parsed = parseRoom(room);
  if (parsed?.kind === 'order-chat') return mayChat(principal, await rt.directory.chatOrder(parsed.orderId));
  return canJoinRoom(principal, room);
}

/** Why `room` is refused to `principal` (a message for the client), or null when it may enter. */
export async function roomRefusal(rt: RealtimeContext, principal: Principal, room: string, roomsHeld: number): Promise<string | null> {
  if (!(await mayHold(rt, principal, room))) return `You may not join room "${room}"`;
  const parsed = parseRoom(room);
  // A city room names a city that exists: rooms for made-up cities would only cost memory.
  if ((parsed?.kind === 'city-menu' || parsed?.kind === 'city-orders') && !(await rt.directory.cityExists(parsed.cityId))) {
    return `You may not join room "${room}": no such city`;
  }
  const max = rt.limits.maxRoomsPerConnection;
  if (roomsHeld >= max) return `You may not join room "${room}": at most ${max} rooms per connection`;
  return null;
}

const roomMessage = (type: 'room-joined' | 'room-left', roomId: string) => JSON.stringify({ type, data: { roomId } });

/** Re-checks one connection against `current` (the user's rights as just read). False: it was closed. */
export async function recheck(rt: RealtimeContext, conn: Conn, current: Principal | null): Promise<boolean> {
  if (conn.closed) return false;
  if (!current) {
    rt.metrics.revokedCloses++;
    conn.revoke('account_disabled: This account no longer exists or is disabled');
    return false;
  }
  if (current.tokenVersion !== conn.tokenVersion) {
    rt.metrics.revokedCloses++;
    conn.revoke('token_revoked: The password was changed; sign in again');
    return false;
  }
  if (samePrincipal(conn.principal, current)) return true;
  // Which rooms the new rights still allow is read first: the changes below happen together.
  const rooms = [...conn.rooms];
  const allowed = await Promise.all(rooms.map((room) => mayHold(rt, current, room)));
  if (conn.closed) return false;
  rt.hub.setPrincipal(conn, current);
  for (const [i, room] of rooms.entries()) {
    if (allowed[i] || !conn.rooms.has(room)) continue;
    rt.hub.leave(conn, room);
    conn.sendControl(roomMessage('room-left', room));
  }
  for (const room of defaultRooms(current)) {
    if (conn.rooms.has(room)) continue;
    rt.hub.join(conn, room);
    conn.sendControl(roomMessage('room-joined', room));
  }
  return !conn.closed;
}

/** A user's rights changed: re-read them once and re-check each of the user's open connections here. */
export async function recheckUser(rt: RealtimeContext, userId: number): Promise<void> {
  if (rt.hub.connectionsOf(userId).size === 0) return;
  const current = await rt.directory.principal(userId);
  for (const conn of [...rt.hub.connectionsOf(userId)]) await recheck(rt, conn, current);
}

/** Notices may have been missed (the bus reconnected): re-check every open connection's user. */
export async function recheckAll(rt: RealtimeContext): Promise<void> {
  for (const userId of [...rt.hub.users()]) await recheckUser(rt, userId);
}

function samePrincipal(a: Principal, b: Principal): boolean {
  if (a.role !== b.role || a.cityId !== b.cityId || a.tokenVersion !== b.tokenVersion || a.cityIds.length !== b.cityIds.length) return false;
  for (let i = 0; i < a.cityIds.length; i++) if (a.cityIds[i] !== b.cityIds[i]) return false;
  return true;
}
