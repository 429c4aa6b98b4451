import type { Principal } from '../auth/principal';
import type { EventBus, NodeAnswer, NodeRequest } from '../events/types';
import { HttpError, forbidden, notFound } from '../lib/errors';
import type { RealtimeContext } from './context';
import { refreshConnection } from './reauth';
import { recheck, roomRefusal } from './rights';

/*
 * The REST calls of an SSE stream (room changes, token refresh), wherever they land. A stream lives
 * in one process; behind a balancer without sticky sessions its REST calls reach any process. The
 * one that receives the call authenticates it as usual; if the stream is not its own, it asks the
 * process named by the connection id's prefix (the bus's node id) over the event bus, and that
 * process applies the call with the same rules, re-reading the user's rights from the shared
 * database itself. A process that is gone answers nothing: 404, as for any stream that has ended
 * (the client reconnects and resumes anyway).
 */

/** How long a call waits for the process holding the stream. */
const ASK_TIMEOUT_MS = 3000;

const unknown = () => notFound('No open SSE connection with this id', 'unknown_connection');

/** The node id in a connection id (`<nodeId>-<seq>`, see RealtimeContext.connectionId). */
export const nodeOf = (connectionId: string): string => connectionId.slice(0, Math.max(0, connectionId.indexOf('-')));

/** A room change on a stream of this process. Throws HttpError as the route answers. */
export async function applySseRoom(rt: RealtimeContext, principal: Principal, connectionId: string, roomId: string, join: boolean) {
  const conn = rt.sse.get(connectionId);
  // Someone else's connection is as unknown as a missing one.
  if (!conn || conn.closed || conn.principal.userId !== principal.userId) throw unknown();
  if (join) {
    // The principal was read just now: bring the connection up to date with it first.
    if (!(await recheck(rt, conn, principal))) throw unknown();
    const refusal = conn.rooms.has(roomId) ? null : await roomRefusal(rt, principal, roomId, conn.rooms.size);
    if (refusal) throw forbidden(refusal);
    if (conn.closed) throw unknown();
    rt.hub.join(conn, roomId);
    conn.sendControl(JSON.stringify({ type: 'room-joined', data: { roomId } }));
  } else {
    rt.hub.leave(conn, roomId);
    conn.sendControl(JSON.stringify({ type: 'room-left', data: { roomId } }));
  }
  return { connectionId, roomId, rooms: [...conn.rooms] };
}

/** A fresh credential for a stream of this process (see ./reauth). */
export async function applySseAuth(rt: RealtimeContext, principal: Principal, connectionId: string, expiresAt: number) {
  const conn = rt.sse.get(connectionId);
  if (!conn || conn.closed || conn.principal.userId !== principal.userId) throw unknown();
  if ((await refreshConnection(rt, conn, { principal, expiresAt })) !== 'ok') throw unknown();
  return { connectionId, expiresAt: Number.isFinite(conn.expiresAt) ? new Date(conn.expiresAt).toISOString() : null };
}

/** Runs `request` on the process holding its stream: here, or there over the bus. */
export async function sseCall(rt: RealtimeContext, bus: EventBus, principal: Principal, request: NodeRequest): Promise<unknown> {
  if (rt.sse.has(request.connectionId)) return applyHere(rt, principal, request);
  const node = nodeOf(request.connectionId);
  if (!node || node === rt.bootId) throw unknown();
  const answer = await bus.ask(node, request, ASK_TIMEOUT_MS);
  if (!answer) throw unknown();
  if (!answer.ok) throw new HttpError(answer.status, answer.code, answer.message);
  return answer.body;
}

function applyHere(rt: RealtimeContext, principal: Principal, request: NodeRequest): Promise<unknown> {
  return request.kind === 'sse-room'
    ? applySseRoom(rt, principal, request.connectionId, request.roomId, request.join)
    : applySseAuth(rt, principal, request.connectionId, request.expiresAt ?? Infinity);
}

/** The bus handler: a call another process received for one of this process's streams. */
export async function answerSseCall(rt: RealtimeContext, request: NodeRequest): Promise<NodeAnswer> {
  // The asker authenticated the caller as request.userId; the rights are read here, fresh.
  try {
    const principal = await rt.directory.principal(request.userId);
    if (!principal) throw unknown();
    return { ok: true, body: await applyHere(rt, principal, request) };
  } catch (err) {
    if (err instanceof HttpError) return { ok: false, status: err.statusCode, code: err.code, message: err.message };
    throw err;
  }
}
