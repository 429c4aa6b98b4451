import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

const Up = Type.Union([Type.Literal('up'), Type.Literal('down')]);
const HealthBody = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  db: Up,
  bus: Up,
  pos: Type.Union([Up, Type.Literal('unknown')]),
});

/** Liveness and dependencies: the database and bus decide "ok"; a POS outage only degrades (orders are still taken). */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', { schema: { response: { 200: HealthBody, 503: HealthBody } } }, async (_req, reply) => {
    let db: 'up' | 'down' = 'up';
    try {
      app.db.$client.prepare('SELECT 1').get();
    } catch {
      db = 'down';
    }
    const bus = app.events.bus.healthy() ? 'up' : 'down';
    const pos = app.posHealth();
    const status = db === 'up' && bus === 'up' && pos !== 'down' ? 'ok' : 'degraded';
    return reply.code(db === 'up' ? 200 : 503).send({ status, db, bus, pos });
  });
};

export default healthRoutes;
