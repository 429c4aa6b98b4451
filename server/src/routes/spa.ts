import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const APP_DIRS = {
  webapp: resolve(ROOT, 'webapp/dist'),
  admin: resolve(ROOT, 'admin/dist'),
  static: resolve(ROOT, 'server/static'),
};

/**
 * Serves the built Mini App at /app/ and the admin app at /admin/, with history-mode
 * fallback to each app's index.html, plus shipped assets (menu pictures) at /static/.
 */
/** Hashed bundles (assets/name-HASH.ext) never change; everything else, index.html above all, is revalidated. */
export function cacheControlFor(path: string): string {
  return /[\\/]assets[\\/][^\\/]+-[\w-]{8,}\.\w+(?:\.(?:br|gz))?$/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/**
 * index.html names the current bundles, so it is always revalidated. (sendFile comes from the /static/
 * registration, whose 7-day max-age would otherwise replace the header.)
 */
function sendIndex(reply: FastifyReply, dir: string) {
  return reply.header('Cache-Control', 'no-cache').sendFile('index.html', dir, { cacheControl: false });
}

const spaRoutes: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, { root: APP_DIRS.static, prefix: '/static/', maxAge: '7d' });
  const apps = [
    { prefix: '/app/', dir: APP_DIRS.webapp },
    { prefix: '/admin/', dir: APP_DIRS.admin },
  ].filter((a) => app.config.SERVE_APPS && existsSync(resolve(a.dir, 'index.html')));
  for (const a of apps) {
    await app.register(fastifyStatic, {
      root: a.dir,
      prefix: a.prefix,
      decorateReply: false,
      wildcard: true,
      index: false,
      // Brotli/gzip files built next to each file by `vite build`: sent as they are, per Accept-Encoding.
      preCompressed: true,
      setHeaders: (reply, path) => reply.header('Cache-Control', cacheControlFor(path)),
    });
    app.get(a.prefix, { schema: { hide: true } }, (_req, reply) => sendIndex(reply, a.dir));
    app.get(a.prefix.slice(0, -1), { schema: { hide: true } }, (_req, reply) => reply.redirect(a.prefix));
  }
  app.setNotFoundHandler((req, reply) => {
    const spa = apps.find((a) => req.url.startsWith(a.prefix));
    if (spa && req.method === 'GET' && !/\.[a-z0-9]+$/i.test(req.url.split('?')[0]!)) {
      return sendIndex(reply, spa.dir);
    }
    return reply.code(404).send({ error: 'not_found', message: `No route ${req.method} ${req.url.split('?')[0]}` });
  });
};

export default spaRoutes;
