import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SseAuthBody, SseAuthResponse } from '@ordercast/shared/schemas';
import type { RealtimeContext } from './context';
import { sseCall } from './sse-calls';

/**
 * POST /api/realtime/auth {connectionId}: the SSE side of a refresh (SSE has no upstream). The
 * fresh token is the bearer; the stream named by connectionId goes on with it (./reauth), applied
 * by the process holding the stream, whichever process the call reaches (./sse-calls). Another
 * user's stream or one that has ended → 404; the client then lets it end at expiry and reconnects
 * with lastEventId (nothing is lost either way).
 */
export function registerRealtimeAuthRoute(app: FastifyInstance, rt: RealtimeContext): void {
  app.post(
    '/api/realtime/auth',
    { onRequest: app.authenticate, schema: { body: SseAuthBody, response: { 200: SseAuthResponse } } },
    async (req: FastifyRequest) => {
      const { connectionId } = req.body as SseAuthBody;
      const exp = (req.user as { exp?: unknown } | undefined)?.exp;
      const expiresAt = typeof exp === 'number' ? exp * 1000 : null;
      return sseCall(rt, app.events.bus, req.principal, { kind: 'sse-auth', connectionId, userId: req.principal.userId, expiresAt });
    },
  );
}
