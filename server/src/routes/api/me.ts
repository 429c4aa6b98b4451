import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, PatchMeBody, User } from '@ordercast/shared/schemas';
import { notFound } from '../../lib/errors';

const meRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/me', { schema: { response: { 200: User, 401: ErrorBody } } }, async (req) => {
    const row = app.users.byId(req.principal.userId);
    if (!row) throw notFound('User not found');
    return app.users.toWire(row);
  });

  app.patch('/me', { schema: { body: PatchMeBody, response: { 200: User, 400: ErrorBody, 422: ErrorBody } } }, async (req) => {
    return app.users.toWire(app.users.updateMe(req.principal.userId, req.body));
  });
};

export default meRoutes;
