import type { FastifyPluginAsync } from 'fastify';
import { demoLaunchUrl } from '../banner';

/**
 * GET /demo (not in production): a short local address for the demo customer's Mini App link,
 * redirecting to one signed at this moment, so it never expires and is never copied from a log.
 */
const demoRoutes: FastifyPluginAsync = async (app) => {
  if (app.config.NODE_ENV === 'production') return;
  app.get('/demo', { schema: { hide: true } }, (_req, reply) =>
    reply.header('Cache-Control', 'no-store').redirect(demoLaunchUrl(app.config), 302),
  );
};

export default demoRoutes;
