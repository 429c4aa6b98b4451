import type { Socket } from 'node:net';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WebSocket } from 'ws';
import { CLOSE_CODES, MAX_CLIENT_FRAME_BYTES } from '@ordercast/shared';
import { HttpError } from '../lib/errors';
import { carriesCredential, type RealtimeAuth } from './auth';
import { parseRoomsParam, type RealtimeContext } from './context';
import { parseLastEventId } from './resume';
import { SseConn } from './sse';
import { WsConn, acceptWebSocket, wsRefusal, type WsAccept, type WsPending, type WsRefuse } from './ws';

/** On shutdown, how long sockets get to finish the closing handshake before they are cut. */
const SHUTDOWN_GRACE_MS = 1000;

/** Undoes decide's cork, once: a second call finds the socket already uncorked. */
const uncorkOnce = (socket: Socket) => {
  if (socket.writableCorked > 0) socket.uncork();
};

/**
 * WebSocket on /ws and / (seed 001): the credential is checked before the upgrade completes, the
 * socket is handed to ./ws, and shutdown says 1001 to everyone (`stop` ends the shared timers and
 * the bus subscription first).
 */
export async function registerWebSocket(app: FastifyInstance, rt: RealtimeContext, auth: RealtimeAuth, stop: () => void): Promise<void> {
  const { hub, metrics } = rt;
  /** Every accepted WebSocket, including refused and closing ones, so shutdown can wait for them. */
  const sockets = new Set<WebSocket>();
  const forgetSocket = function (this: WebSocket) {
    sockets.delete(this);
  };

  await app.register(websocket, {
    options: { maxPayload: MAX_CLIENT_FRAME_BYTES, perMessageDeflate: false, clientTracking: false },
    errorHandler: (err, socket) => {
      app.log.warn({ err: err.message }, 'websocket handler failed');
      socket.terminate();
    },
    // Replaces the plugin's default (close without a code): every client is told to reconnect (to
    // any node: 1012 after a SIGTERM, which is how nodes of a cluster restart, else 1001), streams
    // end with the same as a `reconnect` message and a retry hint, then wait briefly.
    preClose: async () => {
      hub.closed = true;
      stop();
      const [code, reason] = app.lifecycle.draining
        ? [CLOSE_CODES.serviceRestart, 'service_restart: this node is restarting; reconnect and resume']
        : [CLOSE_CODES.goingAway, 'server shutting down'];
      for (const c of [...hub.conns]) {
        if (c instanceof WsConn) c.end(code, reason);
        else if (c instanceof SseConn) {
          const res = c.res;
          c.goingAway(code, reason);
          res.once('finish', () => res.destroy());
        }
      }
      for (const s of sockets) if (s.readyState === WebSocket.OPEN) s.close(code, reason);
      const deadline = Date.now() + SHUTDOWN_GRACE_MS;
      while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      for (const s of sockets) s.terminate();
      app.websocketServer.close();
    },
  });

  const decided = new WeakMap<object, WsAccept | WsRefuse | WsPending>();
  const decide = async (req: FastifyRequest) => {
    if (!req.ws) return;
    // The 101 response and `connected` leave in one write (one syscall instead of two). wsHandler
    // uncorks; the immediate covers paths that never reach it.
    const raw = req.raw.socket;
    raw.cork();
    setImmediate(uncorkOnce, raw);
    const q = req.query as Record<string, unknown>;
    if (!carriesCredential(q, req.headers.authorization)) {
      // Seed 002: sign in with the first message instead (./ws-auth).
      decided.set(req.raw, { ok: 'pending', lastEventId: parseLastEventId(q.lastEventId), requestedRooms: parseRoomsParam(q.rooms) });
      return;
    }
    try {
      const id = await auth.identify(q, req.headers.authorization);
      decided.set(req.raw, { ok: true, ...id, lastEventId: parseLastEventId(q.lastEventId), requestedRooms: parseRoomsParam(q.rooms) });
    } catch (err) {
      metrics.authFailures++;
      if (err instanceof HttpError) decided.set(req.raw, wsRefusal(err.code, err.message));
      else {
        app.log.error({ err }, 'realtime authentication failed');
        decided.set(req.raw, wsRefusal('unauthorized', 'Could not check the credential; try again'));
      }
    }
  };
  const wsHandler = (socket: WebSocket, req: FastifyRequest) => {
    const verdict = decided.get(req.raw) ?? wsRefusal('unauthorized', 'A token or ticket is required');
    decided.delete(req.raw);
    sockets.add(socket);
    socket.on('close', forgetSocket);
    if (hub.closed) {
      socket.close(app.lifecycle.draining ? CLOSE_CODES.serviceRestart : CLOSE_CODES.goingAway, 'server shutting down');
      uncorkOnce(req.raw.socket);
      return;
    }
    acceptWebSocket(rt, socket, verdict, req.raw.socket);
    uncorkOnce(req.raw.socket);
  };
  // An upgrade to any other route: refuse it here, before @fastify/websocket's fallback logs the raw URL (and its ?token=).
  app.addHook('onRequest', (req, reply, done) => {
    if (req.ws && req.routeOptions.url !== '/ws' && req.routeOptions.url !== '/') {
      reply.code(404).send({ error: 'not_found', message: 'WebSocket endpoints are /ws and /' });
      return;
    }
    done();
  });
  app.route({ method: 'GET', url: '/ws', preHandler: decide, websocket: true, handler: wsHandler as never });
  app.route({
    method: 'GET',
    url: '/',
    // The bare URL: a redirect for browsers, the /ws feed for upgrades; documented as /ws.
    schema: { hide: true },
    preHandler: decide,
    // A browser opening the bare URL gets the Mini App; a WebSocket upgrade gets the realtime feed.
    handler: (_req: FastifyRequest, reply: FastifyReply) => reply.redirect('/app/'),
    wsHandler,
  });
}
