import type { FastifyPluginAsync } from 'fastify';
import adminOrderRoutes from './orders';
import staffRoutes from './staff';

/** /api/admin: staff only (manager, admin, ceo); per-city scoping happens in the services. */
const admin: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.requireRoles('manager', 'admin', 'ceo'));
  await app.register(adminOrderRoutes);
  await app.register(staffRoutes);
};

export default admin;
