import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { City, ErrorBody, Menu, MenuQuery, RestaurantList, RestaurantsQuery } from '@ordercast/shared/schemas';

/** Public: the cities (with their live status and restaurants) and each city's menu need no sign-in. */
const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/cities', { schema: { response: { 200: Type.Array(City) } } }, async () => app.menu.cities());

  // Restaurants (pickup points) with their hours, pause and open-now, of one city or all.
  app.get('/restaurants', { schema: { querystring: RestaurantsQuery, response: { 200: RestaurantList, 400: ErrorBody } } }, async (req) => ({
    items: await app.restaurants.listPublic(req.query.cityId),
  }));

  app.get('/menu', { schema: { querystring: MenuQuery, response: { 200: Menu, 400: ErrorBody, 404: ErrorBody } } }, async (req, reply) => {
    // Short private caching: a stop-list change reaches open apps live, a new launch refetches soon.
    reply.header('Cache-Control', 'public, max-age=10');
    return app.menu.menu(req.query.cityId);
  });
};

export default catalogRoutes;
