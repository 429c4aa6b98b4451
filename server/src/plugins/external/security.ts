import type { IncomingMessage, ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import cors from '@fastify/cors';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import { HttpError } from '../../lib/errors';

/**
 * Security headers, CORS and rate limiting. The Mini App is embedded by Telegram Web in an
 * iframe, so framing is allowed for Telegram's origins (frame-ancestors) and nobody else.
 */
export default fp(
  async (app) => {
    const { CORS_ORIGINS } = app.config;
    // helmet's headers depend on nothing in the request with this configuration (no nonces), so
    // they are computed once, at start. @fastify/helmet rebuilt the middleware (and re-parsed the
    // CSP) on every request, and even running the built middleware per request showed in the
    // request's time (server/bench/README.md). Now each reply just gets the finished set.
    const securityHeaders = headersOf(
      helmet({
        contentSecurityPolicy: {
          directives: {
            defaultSrc: ["'self'"],
            scriptSrc: ["'self'", 'https://telegram.org'],
            styleSrc: ["'self'", "'unsafe-inline'"],
            imgSrc: ["'self'", 'data:', 'blob:', 'https://t.me', 'https://*.telegram.org'],
            connectSrc: ["'self'", 'ws:', 'wss:'],
            frameAncestors: ["'self'", 'https://web.telegram.org', 'https://*.telegram.org', 'https://t.me'],
            objectSrc: ["'none'"],
            baseUri: ["'self'"],
            upgradeInsecureRequests: null,
          },
        },
        // X-Frame-Options cannot express an allow-list; CSP frame-ancestors above does the job.
        xFrameOptions: false,
        crossOriginEmbedderPolicy: false,
        crossOriginResourcePolicy: { policy: 'same-site' },
      }),
    );
    app.addHook('onRequest', (req, reply, done) => {
      // A WebSocket upgrade answers with 101 from the socket layer: no reply headers to set.
      if (!req.headers.upgrade) reply.headers(securityHeaders);
      done();
    });
    // Empty list: same origin only. Then there is no CORS layer at all (with origin: false the plugin
    // still ran its hook on every request, only to add nothing); preflights get 404 either way.
    if (CORS_ORIGINS.length) {
      await app.register(cors, {
        origin: CORS_ORIGINS,
        credentials: false,
        methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
        allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID'],
        maxAge: 600,
      });
    }
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_req, ctx) =>
        new HttpError(429, 'rate_limited', `Too many attempts; try again in ${Math.ceil(ctx.ttl / 1000)} s`),
    });
  },
  { name: 'security', dependencies: ['config'] },
);

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** The headers a (request-independent) middleware sets, captured by running it once against a stand-in response. */
function headersOf(middleware: Middleware): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let finished = false;
  middleware({ headers: {} } as IncomingMessage, res as unknown as ServerResponse, (err) => {
    if (err) throw err;
    finished = true;
  });
  if (!finished) throw new Error('security headers middleware did not finish synchronously');
  return headers;
}
