import type { FastifyPluginAsync } from 'fastify';
import menuRoutes from './menu';
import adminOrderRoutes from './orders';
import restaurantRoutes from './restaurants';
import settingsRoutes from './settings';
import staffRoutes from './staff';
import statsRoutes from './stats';
import syncRoutes from './sync';
import zoneAdminRoutes from './zones';

/** /api/admin: staff only (manager, admin, ceo); per-city scoping happens in the services. */
const admin: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.requireRoles('manager', 'admin', 'ceo'));
  await app.register(adminOrderRoutes);
  await app.register(staffRoutes);
  await app.register(statsRoutes);
  await app.register(settingsRoutes);
  await app.register(syncRoutes);
  await app.register(menuRoutes);
  await app.register(restaurantRoutes);
  await app.register(zoneAdminRoutes);
};

export default admin;
