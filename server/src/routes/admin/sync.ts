import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** Placeholder: filled by its issue. */
const routes: FastifyPluginAsyncTypebox = async () => {};

export default routes;
