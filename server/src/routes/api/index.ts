import type { FastifyPluginAsync } from 'fastify';
import authRoutes from './auth';
import bonusRoutes from './bonuses';
import catalogRoutes from './catalog';
import chatRoutes from './chat';
import meRoutes from './me';
import orderRoutes from './orders';
import paymentRoutes from './payments';
import posWebhookRoutes from './pos-webhook';
import telegramWebhookRoutes from './telegram-webhook';
import zoneRoutes from './zones';

/** /api: public routes first, then a scope where every route needs a signed-in user. */
const api: FastifyPluginAsync = async (app) => {
  await app.register(authRoutes);
  await app.register(catalogRoutes);
  await app.register(posWebhookRoutes);
  await app.register(telegramWebhookRoutes);
  await app.register(async (signedIn) => {
    signedIn.addHook('onRequest', app.authenticate);
    await signedIn.register(meRoutes);
    await signedIn.register(bonusRoutes);
    await signedIn.register(orderRoutes);
    await signedIn.register(paymentRoutes);
    await signedIn.register(zoneRoutes);
    await signedIn.register(chatRoutes);
  });
};

export default api;
