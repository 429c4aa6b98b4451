import type { FastifyInstance } from 'fastify';
import { tooManyRequests } from '../lib/errors';
import type { RealtimeAuth } from './auth';
import { parseRoomsParam, type RealtimeContext } from './context';
import { parseLastEventId } from './resume';
import { openSse } from './sse';
import { sseSchema } from './route-schemas';

/** The SSE fallback: GET /sse, authenticated like the WebSocket, resumed by Last-Event-ID or ?lastEventId. */
export function registerSse(app: FastifyInstance, rt: RealtimeContext, auth: RealtimeAuth): void {
  const { hub, metrics } = rt;
  app.get('/sse', { schema: sseSchema }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    let id;
    try {
      id = await auth.identify(q, req.headers.authorization);
    } catch (err) {
      metrics.authFailures++;
      throw err;
    }
    const header = req.headers['last-event-id'];
    const lastEventId = parseLastEventId(typeof header === 'string' && header !== '' ? header : q.lastEventId);
    if (hub.closed) return reply.code(503).send({ error: 'unavailable', message: 'Server shutting down' });
    const max = rt.limits.maxConnectionsPerUser;
    if (hub.connectionsOf(id.principal.userId).size >= max) {
      metrics.connectionLimitRefusals++;
      throw tooManyRequests(`At most ${max} open connections per user`, 'too_many_connections');
    }
    reply.hijack();
    openSse(rt, reply.raw, reply.getHeaders(), id.principal, id.expiresAt, lastEventId, parseRoomsParam(q.rooms));
  });
}
