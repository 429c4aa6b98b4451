import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AvailabilityResponse, ErrorBody, IdParams, Menu, MenuQuery, ProductAvailabilityBody } from '@ordercast/shared/schemas';
import { assertCity } from '../../auth/scope';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/**
 * The stop-list: which dishes a city cannot sell right now. A manager works only in their cities (403 elsewhere); admin and ceo in any.
 * The change and its `menu-updated` commit in one transaction (menu/service.ts).
 */
const adminMenuRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/menu', { schema: { querystring: MenuQuery, response: { 200: Menu, ...errors } } }, async (req, reply) => {
    assertCity(req.principal, req.query.cityId);
    reply.header('Cache-Control', 'no-store');
    return app.menu.menu(req.query.cityId);
  });

  app.post(
    '/products/:id/availability',
    { schema: { params: IdParams, body: ProductAvailabilityBody, response: { 200: AvailabilityResponse, ...errors } } },
    async (req) => {
      const { cityId, available } = req.body;
      assertCity(req.principal, cityId);
      return app.tx(() => app.menu.setAvailability(req.params.id, cityId, available));
    },
  );
};

export default adminMenuRoutes;
