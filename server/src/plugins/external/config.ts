import fp from 'fastify-plugin';
import type { Config } from '../../config/config';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    app.decorate('config', config);
    for (const w of config.warnings) app.log.warn(w);
  },
  { name: 'config' },
);
