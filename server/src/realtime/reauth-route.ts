import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SseAuthBody, SseAuthResponse } from '@ordercast/shared/schemas';
import { notFound } from '../lib/errors';
import type { RealtimeContext } from './context';
import { refreshConnection } from './reauth';

/**
 * POST /api/realtime/auth {connectionId}: the SSE side of a refresh (SSE has no upstream). The
 * fresh token is the bearer; the stream named by connectionId goes on with it (./reauth). Like the
 * room endpoints, the call must reach the process holding the stream; a client that gets 404
 * simply lets the stream end at expiry and reconnects with lastEventId (nothing is lost either way).
 */
export function registerRealtimeAuthRoute(app: FastifyInstance, rt: RealtimeContext): void {
  const unknown = () => notFound('No open SSE connection with this id on this server', 'unknown_connection');
  app.post(
    '/api/realtime/auth',
    { onRequest: app.authenticate, schema: { body: SseAuthBody, response: { 200: SseAuthResponse } } },
    async (req: FastifyRequest) => {
      const { connectionId } = req.body as SseAuthBody;
      const conn = rt.sse.get(connectionId);
      // Someone else's connection is as unknown as a missing one.
      if (!conn || conn.closed || conn.principal.userId !== req.principal.userId) throw unknown();
      const exp = (req.user as { exp?: unknown } | undefined)?.exp;
      const expiresAt = typeof exp === 'number' ? exp * 1000 : Infinity;
      if (refreshConnection(rt, conn, { principal: req.principal, expiresAt }) !== 'ok') throw unknown();
      return { connectionId, expiresAt: Number.isFinite(conn.expiresAt) ? new Date(conn.expiresAt).toISOString() : null };
    },
  );
}
