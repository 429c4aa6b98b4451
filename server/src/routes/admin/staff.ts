import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CreateStaffBody, ErrorBody, IdParams, PatchStaffBody, StaffMember } from '@ordercast/shared/schemas';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };

/** Staff management: admin and ceo create managers, assign their cities, reset passwords. */
const staffRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRoles('admin', 'ceo'));

  app.get('/staff', { schema: { response: { 200: Type.Array(StaffMember), ...errors } } }, async () => app.users.listStaff());

  app.post('/staff', { schema: { body: CreateStaffBody, response: { 201: StaffMember, ...errors } } }, async (req, reply) =>
    reply.code(201).send(await app.users.createStaff(req.body)),
  );

  app.patch('/staff/:id', { schema: { params: IdParams, body: PatchStaffBody, response: { 200: StaffMember, ...errors } } }, async (req) =>
    await app.users.patchStaff(req.principal, req.params.id, req.body),
  );
};

export default staffRoutes;
