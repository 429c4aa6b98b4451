import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, PatchMeBody, User, WriteAccessBody } from '@ordercast/shared/schemas';
import { forbidden } from '../../lib/errors';
import { notFound } from '../../lib/errors';

const meRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/me', { schema: { response: { 200: User, 401: ErrorBody } } }, async (req) => {
    const row = await app.users.byId(req.principal.userId);
    if (!row) throw notFound('User not found');
    return app.users.toWire(row);
  });

  app.patch('/me', { schema: { body: PatchMeBody, response: { 200: User, 400: ErrorBody, 422: ErrorBody } } }, async (req) => {
    return app.users.toWire(await app.users.updateMe(req.principal.userId, req.body));
  });

  /**
   * The customer's answer to the Mini App's requestWriteAccess (asked once, after the first order):
   * remembered, so it is not asked again, and `true` lets the bot send order updates (bot/outbox.ts).
   */
  app.post('/me/write-access', { schema: { body: WriteAccessBody, response: { 200: User, 400: ErrorBody, 403: ErrorBody } } }, async (req) => {
    if (req.principal.role !== 'customer') throw forbidden('Only customers answer the bot access question', 'customers_only');
    await app.tx(() => app.users.setWriteAccess(req.principal.userId, req.body.allowed));
    const row = await app.users.byId(req.principal.userId);
    if (!row) throw notFound('User not found');
    return app.users.toWire(row);
  });
};

export default meRoutes;
