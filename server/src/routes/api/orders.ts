import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CancelBody, CreateOrderBody, ErrorBody, IdParams, OrderDetailResponse, OrderList, OrderResponse, OrdersQuery } from '@ordercast/shared/schemas';
import { forbidden } from '../../lib/errors';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };
/** 1–128 visible ASCII characters: a retry of the same checkout sends the same key. */
const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ pattern: '^[\\x21-\\x7e]{1,128}$' })) });

/** The customer's own orders. */
const orderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', (req, _reply, done) => {
    if (req.principal.role !== 'customer') return done(forbidden('These endpoints are for customers; staff use /api/admin', 'customers_only'));
    done();
  });

  app.post(
    '/orders',
    { schema: { body: CreateOrderBody, headers: IdempotencyHeaders, response: { 201: OrderResponse, ...errors } } },
    async (req, reply) => {
      const key = req.headers['idempotency-key'] ?? null;
      const { order, replayed } = await app.txGrouped(() => app.orders.create(req.principal, req.body, key));
      if (replayed) reply.header('Idempotent-Replayed', 'true');
      return reply.code(201).send({ order });
    },
  );

  app.get('/orders', { schema: { querystring: OrdersQuery, response: { 200: OrderList, ...errors } } }, async (req) =>
    await app.orders.listForCustomer(req.principal.userId, req.query.limit ?? 50, req.query.offset ?? 0),
  );

  app.get('/orders/:id', { schema: { params: IdParams, response: { 200: OrderDetailResponse, ...errors } } }, async (req) => ({
    order: await app.orders.getForCustomer(req.principal.userId, req.params.id),
  }));

  app.post(
    '/orders/:id/cancel',
    {
      schema: { params: IdParams, body: CancelBody, response: { 200: OrderResponse, ...errors } },
      // The reason is optional, and so is the body: a bare POST cancels.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req) => ({ order: await app.tx(() => app.orders.cancelByCustomer(req.principal, req.params.id, req.body.reason)) }),
  );
};

export default orderRoutes;
