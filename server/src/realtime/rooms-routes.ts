import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SseRoomBody, SseRoomResponse } from '@ordercast/shared/schemas';
import type { RealtimeContext } from './context';
import { sseCall } from './sse-calls';

/**
 * Room changes for SSE connections (they cannot send messages upstream): the same rules as
 * join-room / leave-room, applied by the process holding the stream, whichever process the call
 * reaches (./sse-calls).
 */
export function registerRoomsRoutes(app: FastifyInstance, rt: RealtimeContext): void {
  const sseRoom = (join: boolean) => async (req: FastifyRequest) => {
    const { connectionId, roomId } = req.body as SseRoomBody;
    return sseCall(rt, app.events.bus, req.principal, { kind: 'sse-room', connectionId, userId: req.principal.userId, roomId, join });
  };
  app.post('/api/realtime/rooms/join', { onRequest: app.authenticate, schema: { body: SseRoomBody, response: { 200: SseRoomResponse } } }, sseRoom(true));
  app.post('/api/realtime/rooms/leave', { onRequest: app.authenticate, schema: { body: SseRoomBody, response: { 200: SseRoomResponse } } }, sseRoom(false));
}
