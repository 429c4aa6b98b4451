import fp from 'fastify-plugin';
import compress from '@fastify/compress';

/** Smaller answers are sent as they are: compressing them costs more than the bytes it saves. */
export const COMPRESS_THRESHOLD = 1024;
/** JSON and the few text files not precompressed at build time (menu pictures, HTML). */
const COMPRESSIBLE = /^(?:application\/(?:[\w.+-]+\+)?json|image\/svg\+xml|text\/(?:html|css|javascript|plain))(?:;|$)/;

/**
 * Response compression for what a phone reads: GET answers (menus, order lists) above a threshold.
 * Writes (orders, webhooks, status moves) answer small and sit on the hot path, so their routes get
 * no compression hook at all, unless a route asks with its own `compress` option (the Mini App's
 * sign-in carries the menu). The built apps are served precompressed and pass through untouched
 * (they carry Content-Encoding); SSE streams are hijacked and WebSocket upgrades never reach onSend.
 * Request bodies are never compressed by our clients: no decompression hook either.
 */
export default fp(
  async (app) => {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const reads = methods.every((m) => m === 'GET' || m === 'HEAD');
      if (route.compress === undefined && !reads) route.compress = false;
    });
    await app.register(compress, {
      threshold: COMPRESS_THRESHOLD,
      customTypes: COMPRESSIBLE,
      encodings: ['br', 'gzip'],
      globalDecompression: false,
    });
  },
  { name: 'compression' },
);
