import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HealthBody } from '@ordercast/shared/schemas';
import { SERVER_VERSION } from '../lib/version';

/**
 * Can this node serve? For a load balancer's health check: 200 while the database answers and the
 * event bus is connected, 503 with the reasons otherwise, and 503 `draining` from SIGTERM until the
 * process exits (it still serves meanwhile; see SHUTDOWN_DRAIN_MS). A POS outage only degrades.
 * `node` and `version` say which node answered, and running which build, behind a balancer.
 */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const ping = app.sql.prepare<void, { one: number }>('SELECT 1 AS one');
  app.get('/health', { schema: { response: { 200: HealthBody, 503: HealthBody } } }, async (_req, reply) => {
    const reasons: string[] = [];
    let db: 'up' | 'down' = 'up';
    try {
      await ping.get();
    } catch {
      db = 'down';
      reasons.push('database unreachable');
    }
    const bus = app.events.bus.healthy() ? 'up' : 'down';
    if (bus === 'down') reasons.push('event bus disconnected');
    const pos = app.posHealth();
    if (pos === 'down') reasons.push('POS unreachable (orders are taken and synced later)');
    if (app.lifecycle.draining) reasons.unshift('draining: this node is shutting down');
    const serving = db === 'up' && bus === 'up' && !app.lifecycle.draining;
    const status = app.lifecycle.draining ? 'draining' : !serving ? 'unavailable' : pos === 'down' ? 'degraded' : 'ok';
    return reply.code(serving ? 200 : 503).send({ status, db, bus, pos, reasons, node: app.events.bus.nodeId, version: SERVER_VERSION });
  });
};

export default healthRoutes;
