import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** Placeholder: POS → server kitchen callbacks (issue 4). Public route, authenticated by X-POS-Signature. */
const routes: FastifyPluginAsyncTypebox = async () => {};

export default routes;
