import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, eq } from 'drizzle-orm';
import { Type } from 'typebox';
import { toMajor } from '@ordercast/shared';
import { ErrorBody, IdParams, Menu, MenuQuery, MenuUpdated, ProductAvailabilityBody } from '@ordercast/shared/schemas';
import { productPrices, products } from '../../db/schema';
import { assertCity } from '../../auth/scope';
import { notFound } from '../../lib/errors';
import { isoNow } from '../../lib/time';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const AvailabilityResponse = Type.Object({ update: MenuUpdated, changed: Type.Boolean() });

/**
 * The stop-list (issue 6). A manager works only in their cities (403 elsewhere); admin and ceo in any.
 * A change is written and announced in one transaction: `menu-updated` to the city's menu room,
 * which every customer with that city's menu open has joined.
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
      const productId = req.params.id;
      assertCity(req.principal, cityId);
      return app.tx(() => {
        const row = app.db
          .select({ price: productPrices.price, available: productPrices.available, name: products.name })
          .from(productPrices)
          .innerJoin(products, eq(products.id, productPrices.productId))
          .where(and(eq(productPrices.productId, productId), eq(productPrices.cityId, cityId)))
          .get();
        if (!row) throw notFound(`Product ${productId} is not on the menu of city ${cityId}`, 'unknown_product');
        const timestamp = isoNow();
        const update = { cityId, productId, available, price: toMajor(row.price), timestamp };
        // Setting what is already set changes nothing and announces nothing.
        if (row.available === available) return { update, changed: false };
        app.db
          .update(productPrices)
          .set({ available, updatedAt: timestamp })
          .where(and(eq(productPrices.productId, productId), eq(productPrices.cityId, cityId)))
          .run();
        app.announce.menuUpdated(update);
        return { update, changed: true };
      });
    },
  );
};

export default adminMenuRoutes;
