import swagger from '@fastify/swagger';
import apiReference from '@scalar/fastify-api-reference';
import fp from 'fastify-plugin';
import { SERVER_VERSION } from '../../lib/version';


const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The API documents itself: @fastify/swagger builds an OpenAPI 3 document from the TypeBox
 * schemas every route already validates with (it reads the schemas, not the validator, so the
 * custom validatorCompiler does not matter to it), and Scalar serves an interactive reference
 * of it at /docs (the document itself at /docs/openapi.json). Registered before the routes,
 * whose definitions it collects as they are added.
 */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'ordercast API',
          version: SERVER_VERSION,
          description:
            'REST API of the ordercast server. JSON everywhere; errors are `{error, message}`. ' +
            'Realtime messages (WebSocket /ws, SSE /sse) are listed in docs/events.md.',
        },
        servers: [{ url: app.config.PUBLIC_URL }],
        components: {
          securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
      },
    });
    await app.register(apiReference, {
      routePrefix: '/docs',
      logLevel: 'warn',
      // No fonts from Scalar's CDN and no AI agent (it calls Scalar's servers): the page asks no third party.
      configuration: { title: 'ordercast API', withDefaultFonts: false, agent: { disabled: true } },
      hooks: {
        // The reference page starts itself with an inline script, which the apps' policy forbids;
        // these pages (our own document, no user data) get a policy of their own.
        onRequest: (_req, reply, done) => {
          reply.header('content-security-policy', DOCS_CSP);
          done();
        },
      },
    });
  },
  { name: 'docs' },
);
