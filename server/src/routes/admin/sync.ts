import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, IdParams, SyncOverview, SyncRetryResponse } from '@ordercast/shared/schemas';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/**
 * Staff's POS sync view (a manager sees only their cities):
 *   GET  /api/admin/sync            → open problems, recent successes, queue size, menu import state, POS health
 *   POST /api/admin/sync/:id/retry  → `:id` is the ORDER id (sync-error's entityId): reset the backoff and
 *                                     attempts, send now; 202 {job}. 404 unknown, 403 other city,
 *                                     409 already synced / being sent / cancelled.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/sync', { schema: { response: { 200: SyncOverview, ...errors } } }, async (req) => app.pos.admin.overview(req.principal));

  app.post('/sync/:id/retry', { schema: { params: IdParams, response: { 202: SyncRetryResponse, ...errors } } }, async (req, reply) =>
    reply.code(202).send({ job: await app.pos.admin.retry(req.principal, req.params.id) }),
  );
};

export default routes;
