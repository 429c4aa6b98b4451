import fp from 'fastify-plugin';

/** Placeholder until the realtime layer lands (issue 3). */
export default fp(async () => {}, { name: 'realtime', dependencies: ['events', 'auth'] });
