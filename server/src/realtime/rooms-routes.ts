import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SseRoomBody, SseRoomResponse } from '@ordercast/shared/schemas';
import { forbidden, notFound } from '../lib/errors';
import type { RealtimeContext } from './context';
import { recheck, roomRefusal } from './rights';

/** Room changes for SSE connections (they cannot send messages upstream): the same rules as join-room / leave-room. */
export function registerRoomsRoutes(app: FastifyInstance, rt: RealtimeContext): void {
  const { hub } = rt;
  const unknown = () => notFound('No open SSE connection with this id on this server', 'unknown_connection');
  const sseRoom = (join: boolean) => async (req: FastifyRequest) => {
    const { connectionId, roomId } = req.body as SseRoomBody;
    const conn = rt.sse.get(connectionId);
    // Someone else's connection is as unknown as a missing one.
    if (!conn || conn.closed || conn.principal.userId !== req.principal.userId) throw unknown();
    if (join) {
      // req.principal was read just now: bring the connection up to date with it first.
      if (!recheck(rt, conn, req.principal)) throw unknown();
      const refusal = conn.rooms.has(roomId) ? null : roomRefusal(rt, req.principal, roomId, conn.rooms.size);
      if (refusal) throw forbidden(refusal);
      hub.join(conn, roomId);
      conn.sendControl(JSON.stringify({ type: 'room-joined', data: { roomId } }));
    } else {
      hub.leave(conn, roomId);
      conn.sendControl(JSON.stringify({ type: 'room-left', data: { roomId } }));
    }
    return { connectionId, roomId, rooms: [...conn.rooms] };
  };
  app.post('/api/realtime/rooms/join', { onRequest: app.authenticate, schema: { body: SseRoomBody, response: { 200: SseRoomResponse } } }, sseRoom(true));
  app.post('/api/realtime/rooms/leave', { onRequest: app.authenticate, schema: { body: SseRoomBody, response: { 200: SseRoomResponse } } }, sseRoom(false));
}
