import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * Makes close() end every keep-alive connection once its last response is out.
 *
 * `forceCloseConnections: 'idle'` (Node's server.close()) closes the connections idle when close
 * begins and lets running requests finish; but a connection whose response goes out after that is
 * left open and idle until its keep-alive timeout (72 s, and undici clients such as the simulators'
 * webhook deliveries keep it that long), and close() waits for it. So from the moment close begins,
 * a response not yet started says `Connection: close` (Node ends the connection after it), and a
 * connection whose response had started (a stream) is closed once that response is done.
 * Requests arriving after close began get `Connection: close` from Fastify already.
 */
export function closeConnectionsAfterResponses(app: FastifyInstance): void {
  const running = new Set<ServerResponse>();
  let closing = false;
  app.server.on('request', (_req, res: ServerResponse) => {
    running.add(res);
    // 'close' comes after Node has detached the socket from a finished response: it counts as idle.
    res.once('close', () => {
      running.delete(res);
      if (closing) app.server.closeIdleConnections();
    });
  });
  app.addHook('preClose', async () => {
    closing = true;
    for (const res of running) if (!res.headersSent) res.shouldKeepAlive = false;
  });
}
