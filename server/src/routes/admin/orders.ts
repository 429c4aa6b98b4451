import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AdminOrdersQuery, ErrorBody, EtaChangeBody, IdParams, MarkRefundedBody, OrderDetailResponse, OrderList, OrderResponse, StatusChangeBody } from '@ordercast/shared/schemas';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };

/** Staff order board: reading and moving orders, scoped to the manager's cities. */
const adminOrderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/orders', { schema: { querystring: AdminOrdersQuery, response: { 200: OrderList, ...errors } } }, async (req) =>
    await app.orders.listForStaff(req.principal, req.query),
  );

  app.get('/orders/:id', { schema: { params: IdParams, response: { 200: OrderDetailResponse, ...errors } } }, async (req) => ({
    order: await app.orders.getForStaff(req.principal, req.params.id),
  }));

  app.post(
    '/orders/:id/status',
    { schema: { params: IdParams, body: StatusChangeBody, response: { 200: OrderResponse, ...errors } } },
    async (req) => ({
      order: await app.txGrouped(() =>
        app.orders.changeStatus({ source: 'staff', principal: req.principal }, req.params.id, req.body.status, req.body.reason, req.body.note),
      ),
    }),
  );

  app.post(
    '/orders/:id/eta',
    { schema: { params: IdParams, body: EtaChangeBody, response: { 200: OrderResponse, ...errors } } },
    async (req) => ({ order: await app.tx(() => app.orders.moveEta(req.principal, req.params.id, req.body)) }),
  );

  /** Staff refunded an online payment at the provider (the order was `refund_due`): announces `order-payment-updated`. */
  app.post(
    '/orders/:id/refunded',
    {
      schema: { params: IdParams, body: MarkRefundedBody, response: { 200: OrderResponse, ...errors } },
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req) => ({ order: await app.payments.markRefunded(req.principal, req.params.id, req.body.note) }),
  );
};

export default adminOrderRoutes;
