import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { validatorCompiler } from './lib/validator';
import type { Config } from './config/config';
import { HttpError } from './lib/errors';
import { isDatabaseUnavailable } from './db/portable';
import { loggerOptions } from './lib/logger';
import { RequestLog } from './lib/request-log';
import { closeConnectionsAfterResponses } from './lib/close-connections';
import configPlugin from './plugins/external/config';
import security from './plugins/external/security';
import docs from './plugins/external/docs';
import compression from './plugins/external/compression';
import authPlugin from './plugins/app/auth';
import dbPlugin from './plugins/app/db';
import lifecyclePlugin from './plugins/app/lifecycle';
import eventsPlugin from './plugins/app/events';
import servicesPlugin from './plugins/app/services';
import zonesPlugin from './zones/plugin';
import type { Geocoder } from './zones/geocoder';
import posPlugin from './pos/plugin';
import botPlugin from './bot/plugin';
import chatPlugin from './chat/plugin';
import realtimePlugin from './realtime/plugin';
import adminRoutes from './routes/admin/index';
import apiRoutes from './routes/api/index';
import demoRoutes from './routes/demo';
import healthRoutes from './routes/health';
import spaRoutes from './routes/spa';

export interface BuildOptions {
  /** Fastify logger options; defaults to config.LOG_LEVEL with credentials redacted from URLs. */
  logger?: FastifyServerOptions['logger'];
  /** Where the default logger writes (tests capture it); stdout otherwise. */
  logStream?: NodeJS.WritableStream;
  /** Sees every route as it is added (a test checks that each one declares its schema). */
  onRoute?: (route: RouteOptions) => void;
  /** Turns typed addresses into points for delivery zones; none by default (zones/geocoder.ts). */
  geocoder?: Geocoder;
}

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Builds the whole server: what `server.ts` starts and what every test builds. Plugins go external → app → routes. */
export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? loggerOptions(config, { stream: opts.logStream }),
    logController: new RequestLog(),
    bodyLimit: 64 * 1024,
    // X-Forwarded-For is believed only from the proxies TRUST_PROXY names: from anyone else it
    // would let a client pick its own address, and with it its rate-limit key.
    trustProxy: config.TRUST_PROXY,
    ajv: { customOptions: { removeAdditional: false } },
    return503OnClosing: true,
    // Start-up may wait for the database: PostgreSQL migrations run one node at a time (an
    // advisory lock), so a node started beside another waits for its migrations and seed.
    pluginTimeout: 120_000,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();
  closeConnectionsAfterResponses(app);
  app.setValidatorCompiler(validatorCompiler);
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);

  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ error: err.code, message: err.message, ...err.extra });
    if ('validation' in err && err.validation) {
      return reply.code(400).send({ error: 'validation_failed', message: err.message });
    }
    if (isDatabaseUnavailable(err)) {
      req.log.warn({ err }, 'database unavailable');
      return reply.code(503).header('retry-after', '1').send({ error: 'unavailable', message: 'The database is busy or unreachable; retry shortly' });
    }
    const status = err.statusCode ?? 500;
    if (status < 500) {
      return reply.code(status).send({ error: STATUS_CODES[status] ?? 'bad_request', message: err.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'Internal server error' });
  });

  // Every response names the node that answered (`x-ordercast-node`: the event bus's node id, as in
  // /health's `node`), so behind a balancer a failed request in a browser's network panel, a bug
  // report or a balancer's log points at the node whose log to read, without a /health round trip
  // that may land elsewhere. Kept in production: the id is random per start and says nothing about
  // the host, its address or the build (every SSE client gets it already, as its connection id's
  // prefix); about 30 bytes a response. The version stays in /health alone. Set on request, before
  // any route or plugin can answer, so errors and 404s carry it too; read when the request comes
  // (the bus exists by then).
  app.addHook('onRequest', (_req, reply, done) => {
    reply.header('x-ordercast-node', app.events.bus.nodeId);
    done();
  });

  // External: settings, security headers, CORS, rate limits, API documentation (before the routes it documents).
  await app.register(configPlugin, { config });
  await app.register(security);
  await app.register(docs);
  await app.register(compression);
  // App services.
  await app.register(lifecyclePlugin);
  await app.register(dbPlugin);
  await app.register(eventsPlugin);
  await app.register(authPlugin);
  await app.register(zonesPlugin, { geocoder: opts.geocoder });
  await app.register(servicesPlugin);
  await app.register(posPlugin);
  await app.register(botPlugin);
  await app.register(realtimePlugin);
  await app.register(chatPlugin);
  // Routes.
  await app.register(healthRoutes);
  await app.register(demoRoutes);
  await app.register(apiRoutes, { prefix: '/api' });
  await app.register(adminRoutes, { prefix: '/api/admin' });
  await app.register(spaRoutes);
  return app;
}
