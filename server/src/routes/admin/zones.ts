import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CreateZoneBody, ErrorBody, IdParams, UpdateZoneBody, ZoneList, ZoneResponse, ZonesQuery } from '@ordercast/shared/schemas';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };

/** Delivery zones: staff edit them in their cities (managers in theirs, admin/ceo everywhere). */
const zoneAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/zones', { schema: { querystring: ZonesQuery, response: { 200: ZoneList, ...errors } } }, async (req) => ({
    items: await app.zones.list(req.principal, req.query.cityId),
  }));
  app.post('/zones', { schema: { body: CreateZoneBody, response: { 201: ZoneResponse, ...errors } } }, async (req, reply) =>
    reply.code(201).send({ zone: await app.tx(() => app.zones.create(req.principal, req.body)) }),
  );
  app.patch('/zones/:id', { schema: { params: IdParams, body: UpdateZoneBody, response: { 200: ZoneResponse, ...errors } } }, async (req) => ({
    zone: await app.tx(() => app.zones.update(req.principal, req.params.id, req.body)),
  }));
  app.delete('/zones/:id', { schema: { params: IdParams, response: { 200: Type.Object({ deleted: Type.Integer({ minimum: 1 }) }), ...errors } } }, async (req, reply) => {
    await app.tx(() => app.zones.remove(req.principal, req.params.id));
    return reply.send({ deleted: req.params.id });
  });
};

export default zoneAdminRoutes;
