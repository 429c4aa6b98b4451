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
    // The middleware is built once: @fastify/helmet rebuilt it (and re-parsed the CSP) on every
    // request, which a CPU profile showed at 30–45 µs per request.
    const headers = helmet({
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
    });
    app.addHook('onRequest', (req, reply, done) => {
      // A WebSocket upgrade answers with 101 from the socket layer: no reply headers to set.
      if (req.headers.upgrade) return done();
      headers(req.raw, reply.raw, (err?: unknown) => done(err as Error | undefined));
    });
    await app.register(cors, {
      // Empty list: same origin only (no CORS headers at all).
      origin: CORS_ORIGINS.length ? CORS_ORIGINS : false,
      credentials: false,
      methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID'],
      maxAge: 600,
    });
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_req, ctx) =>
        new HttpError(429, 'rate_limited', `Too many attempts; try again in ${Math.ceil(ctx.ttl / 1000)} s`),
    });
  },
  { name: 'security', dependencies: ['config'] },
);
