import type { FastifyInstance } from 'fastify';
import { STAFF_ROLES, type WsStats } from '@ordercast/shared';
import type { RealtimeContext } from './context';
import { metricsAccess } from './metrics-access';
import { WsStats as WsStatsSchema } from '@ordercast/shared/schemas';
import { metricsSchema } from './route-schemas';

/** GET /ws/stats (staff) and GET /metrics (Prometheus, as METRICS_ACCESS allows). */
export function registerStatsRoutes(app: FastifyInstance, rt: RealtimeContext, metricsAccessSetting: string): void {
  const { hub, metrics } = rt;
  app.get('/ws/stats', { onRequest: [app.authenticate, app.requireRoles(...STAFF_ROLES)], schema: { response: { 200: WsStatsSchema } } }, async (): Promise<WsStats> => {
    const byType: Record<string, number> = {};
    const byTransport: Record<string, number> = {};
    let total = 0;
    for (const { transport, role, count } of hub.connectionCounts()) {
      if (count === 0) continue;
      total += count;
      byType[role] = (byType[role] ?? 0) + count;
      byTransport[transport] = (byTransport[transport] ?? 0) + count;
    }
    return { total, by_type: byType, by_transport: byTransport, rooms: hub.rooms.size };
  });

  metrics.expose(hub, () => app.events.bus.healthy());
  app.get('/metrics', { onRequest: metricsAccess(metricsAccessSetting), schema: metricsSchema }, async (_req, reply) => {
    reply.header('content-type', metrics.contentType).header('cache-control', 'no-store');
    return metrics.render();
  });
}
