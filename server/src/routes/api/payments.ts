import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, IdParams, InvoiceResponse, PaymentOptions } from '@ordercast/shared/schemas';
import { forbidden } from '../../lib/errors';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 503: ErrorBody };

/** Paying (issue 17): the ways to pay this server offers, and an online order's Telegram invoice. */
const paymentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/payments', { schema: { response: { 200: PaymentOptions, 401: ErrorBody } } }, async () => app.payments.options());

  /** The customer's own unpaid online order → Telegram's invoice link, for WebApp.openInvoice. */
  app.post('/orders/:id/invoice', { schema: { params: IdParams, response: { 200: InvoiceResponse, ...errors } } }, async (req) => {
    if (req.principal.role !== 'customer') throw forbidden('Only the customer pays their order', 'customers_only');
    return app.payments.invoiceFor(req.principal, req.params.id);
  });
};

export default paymentRoutes;
