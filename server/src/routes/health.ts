import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

const Up = Type.Union([Type.Literal('up'), Type.Literal('down')]);
const HealthBody = Type.Object({
  /** ok: serving; degraded: serving without the POS (orders are still taken, synced later); unavailable / draining: send traffic elsewhere (503). */
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('unavailable'), Type.Literal('draining')]),
  db: Up,
  bus: Up,
  pos: Type.Union([Up, Type.Literal('unknown')]),
  /** Why the status is not `ok`, one short phrase each; empty when it is. */
  reasons: Type.Array(Type.String()),
});

/**
 * Can this node serve? For a load balancer's health check: 200 while the database answers and the
 * event bus is connected, 503 with the reasons otherwise, and 503 `draining` from SIGTERM until the
 * process exits (it still serves meanwhile; see SHUTDOWN_DRAIN_MS). A POS outage only degrades.
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
    return reply.code(serving ? 200 : 503).send({ status, db, bus, pos, reasons });
  });
};

export default healthRoutes;
