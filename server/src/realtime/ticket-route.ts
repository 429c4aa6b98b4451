import type { FastifyInstance } from 'fastify';
import { TicketResponse } from '@ordercast/shared/schemas';
import type { RealtimeAuth } from './auth';

/** POST /api/realtime/ticket: a short-lived single-use credential for ?ticket= (keeps the JWT out of URLs). */
export function registerTicketRoute(app: FastifyInstance, auth: RealtimeAuth): void {
  app.post('/api/realtime/ticket', { onRequest: app.authenticate, schema: { response: { 200: TicketResponse } } }, async (req) => {
    const exp = (req.user as { exp?: number } | undefined)?.exp;
    return auth.issueTicket(req.principal.userId, typeof exp === 'number' ? exp * 1000 : Infinity, req.principal.tokenVersion);
  });
}
