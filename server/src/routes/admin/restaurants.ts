import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CityStatusBody,
  CityStatusResponse,
  CreateRestaurantBody,
  ErrorBody,
  IdParams,
  RestaurantList,
  RestaurantResponse,
  RestaurantStatusBody,
  RestaurantsQuery,
  UpdateRestaurantBody,
} from '@ordercast/shared/schemas';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };

/**
 * Restaurants (admin/ceo create and edit them), and pausing or busy mode of a city or a
 * restaurant (managers in their cities, admin/ceo everywhere). Each change is announced as
 * `city-status-updated`.
 */
const restaurantRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/restaurants', { schema: { querystring: RestaurantsQuery, response: { 200: RestaurantList, ...errors } } }, async (req) => ({
    items: await app.restaurants.listForStaff(req.principal, req.query.cityId),
  }));

  app.post('/restaurants', { schema: { body: CreateRestaurantBody, response: { 201: RestaurantResponse, ...errors } } }, async (req, reply) =>
    reply.code(201).send({ restaurant: await app.tx(() => app.restaurants.create(req.principal, req.body)) }),
  );

  app.patch(
    '/restaurants/:id',
    { schema: { params: IdParams, body: UpdateRestaurantBody, response: { 200: RestaurantResponse, ...errors } } },
    async (req) => ({ restaurant: await app.tx(() => app.restaurants.update(req.principal, req.params.id, req.body)) }),
  );

  app.post(
    '/restaurants/:id/status',
    { schema: { params: IdParams, body: RestaurantStatusBody, response: { 200: CityStatusResponse, ...errors } } },
    async (req) => app.tx(() => app.restaurants.setRestaurantStatus(req.principal, req.params.id, req.body)),
  );

  app.post(
    '/cities/:id/status',
    { schema: { params: IdParams, body: CityStatusBody, response: { 200: CityStatusResponse, ...errors } } },
    async (req) => app.tx(() => app.restaurants.setCityStatus(req.principal, req.params.id, req.body)),
  );
};

export default restaurantRoutes;
