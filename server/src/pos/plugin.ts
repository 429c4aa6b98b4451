import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The external POS as last seen by the sync worker. */
    posHealth(): 'up' | 'down' | 'unknown';
  }
}

/** Placeholder until the POS sync lands (issue 4). */
export default fp(
  async (app) => {
    app.decorate('posHealth', () => 'unknown' as const);
  },
  { name: 'pos', dependencies: ['services'] },
);
