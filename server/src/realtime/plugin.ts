import type { Socket } from 'node:net';
import fp from 'fastify-plugin';
import websocket from '@fastify/websocket';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WebSocket } from 'ws';
import { CLOSE_CODES, MAX_CLIENT_FRAME_BYTES, STAFF_ROLES, canJoinRoom, type WsStats } from '@ordercast/shared';
import { SseRoomBody, SseRoomResponse, TicketResponse, WsStats as WsStatsSchema } from '@ordercast/shared/schemas';
import { metricsSchema, sseSchema } from './route-schemas';
import { HttpError, notFound, forbidden } from '../lib/errors';
import { RealtimeAuth } from './auth';
import { RealtimeContext, parseRoomsParam } from './context';
import { Hub } from './hub';
import { Keepalive } from './keepalive';
import { RealtimeMetrics } from './metrics';
import { parseLastEventId } from './resume';
import { SseConn, openSse } from './sse';
import { WsConn, acceptWebSocket, wsRefusal, type WsAccept, type WsRefuse } from './ws';

declare module 'fastify' {
  interface FastifyInstance {
    realtime: RealtimeContext;
  }
}

/** How often token expiry and the bus catch-up are checked. */
const SECOND_TICK_MS = 1000;
/** Undoes decide's cork, once: a second call finds the socket already uncorked. */
const uncorkOnce = (socket: Socket) => {
  if (socket.writableCorked > 0) socket.uncork();
};

/** On shutdown, how long sockets get to finish the closing handshake before they are cut. */
const SHUTDOWN_GRACE_MS = 1000;

/**
 * The realtime layer (issue 3), in three parts:
 *  - transports (./ws, ./sse): authenticate, parse and validate, keepalive, backpressure;
 *  - the hub of rooms (./hub): room → connections, one ordered delivery per event per connection;
 *  - the producer: the event bus (memory or Redis) feeding the hub, with the durable log behind it
 *    for resume (./resume) and for gaps the bus left.
 * Nothing here can fail an API call: events are durable, delivery problems are logged.
 */
export default fp(
  async (app) => {
    const { config } = app;
    const metrics = new RealtimeMetrics();
    const hub = new Hub(app.events.log, config.WS_MAX_BUFFERED_BYTES, metrics, app.log);
    const rt = new RealtimeContext(hub, app.events.log, metrics, app.log, config.WS_MAX_BUFFERED_BYTES);
    const auth = new RealtimeAuth(app);
    app.decorate('realtime', rt);
    /** Every accepted WebSocket, including refused and closing ones, so shutdown can wait for them. */
    const sockets = new Set<WebSocket>();
    const forgetSocket = function (this: WebSocket) {
      sockets.delete(this);
    };

    const unsubscribe = app.events.bus.subscribe((ev) => hub.onBusEvent(ev));

    const keepalive = new Keepalive(
      () => hub.conns,
      config.WS_PING_INTERVAL_MS,
      (c): c is WsConn => c instanceof WsConn,
      () => metrics.keepaliveTerminations++,
    );
    let secondTimer: NodeJS.Timeout | undefined;
    let heartbeatTimer: NodeJS.Timeout | undefined;
    const stopTimers = () => {
      keepalive.stop();
      clearInterval(secondTimer);
      clearInterval(heartbeatTimer);
    };

    // Timers shared by every connection: keepalive pings, token expiry + bus catch-up, SSE heartbeats.
    app.addHook('onReady', async () => {
      keepalive.start();
      secondTimer = setInterval(() => {
        const now = Date.now();
        for (const c of hub.conns) {
          if (c.expiresAt > now) continue;
          metrics.tokenExpiredCloses++;
          if (c instanceof WsConn) c.end(CLOSE_CODES.unauthorized, 'token_expired: Token expired; sign in again');
          // SSE has no close codes: the stream ends, EventSource's retry with the old credential gets 401, the client signs in again.
          else if (c instanceof SseConn) c.end();
        }
        hub.catchUp();
      }, SECOND_TICK_MS).unref();
      heartbeatTimer = setInterval(() => {
        for (const c of rt.sse.values()) c.heartbeat();
      }, config.SSE_HEARTBEAT_MS).unref();
    });

    await app.register(websocket, {
      options: { maxPayload: MAX_CLIENT_FRAME_BYTES, perMessageDeflate: false, clientTracking: false },
      errorHandler: (err, socket) => {
        app.log.warn({ err: err.message }, 'websocket handler failed');
        socket.terminate();
      },
      // Replaces the plugin's default (close without a code): 1001 to every client, streams ended, then wait briefly.
      preClose: async () => {
        hub.closed = true;
        stopTimers();
        unsubscribe();
        for (const c of [...hub.conns]) {
          if (c instanceof WsConn) c.end(CLOSE_CODES.goingAway, 'server shutting down');
          else if (c instanceof SseConn) {
            const res = c.res;
            c.end();
            res.once('finish', () => res.destroy());
          }
        }
        for (const s of sockets) if (s.readyState === WebSocket.OPEN) s.close(CLOSE_CODES.goingAway, 'server shutting down');
        const deadline = Date.now() + SHUTDOWN_GRACE_MS;
        while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        for (const s of sockets) s.terminate();
        app.websocketServer.close();
      },
    });

    // --- WebSocket: /ws and / (seed 001), authenticated before the upgrade completes ---
    const decided = new WeakMap<object, WsAccept | WsRefuse>();
    const decide = async (req: FastifyRequest) => {
      if (!req.ws) return;
      // The 101 response and `connected` leave in one write (one syscall instead of two: about a
      // tenth of a connect's server CPU). wsHandler uncorks; the immediate covers paths that never reach it.
      const raw = req.raw.socket;
      raw.cork();
      setImmediate(uncorkOnce, raw);
      const q = req.query as Record<string, unknown>;
      try {
        const id = auth.identify(q, req.headers.authorization);
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
        socket.close(CLOSE_CODES.goingAway, 'server shutting down');
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

    // --- SSE fallback ---
    app.get('/sse', { schema: sseSchema }, async (req, reply) => {
      const q = req.query as Record<string, unknown>;
      let id;
      try {
        id = auth.identify(q, req.headers.authorization);
      } catch (err) {
        metrics.authFailures++;
        throw err;
      }
      const header = req.headers['last-event-id'];
      const lastEventId = parseLastEventId(typeof header === 'string' && header !== '' ? header : q.lastEventId);
      if (hub.closed) return reply.code(503).send({ error: 'unavailable', message: 'Server shutting down' });
      reply.hijack();
      openSse(rt, reply.raw, reply.getHeaders(), id.principal, id.expiresAt, lastEventId, parseRoomsParam(q.rooms));
    });

    // --- REST: tickets, SSE room changes, stats, metrics ---
    app.post(
      '/api/realtime/ticket',
      { onRequest: app.authenticate, schema: { response: { 200: TicketResponse } } },
      async (req) => {
        const exp = (req.user as { exp?: number } | undefined)?.exp;
        return auth.issueTicket(req.principal.userId, typeof exp === 'number' ? exp * 1000 : Infinity);
      },
    );

    const sseRoom = (join: boolean) => async (req: FastifyRequest) => {
      const { connectionId, roomId } = req.body as SseRoomBody;
      const conn = rt.sse.get(connectionId);
      // Someone else's connection is as unknown as a missing one.
      if (!conn || conn.closed || conn.principal.userId !== req.principal.userId) {
        throw notFound('No open SSE connection with this id on this server', 'unknown_connection');
      }
      if (join) {
        if (!canJoinRoom(req.principal, roomId)) throw forbidden(`You may not join room "${roomId}"`);
        hub.join(conn, roomId);
        conn.sendControl(JSON.stringify({ type: 'room-joined', data: { roomId } }));
      } else {
        hub.leave(conn, roomId);
        conn.sendControl(JSON.stringify({ type: 'room-left', data: { roomId } }));
      }
      return { connectionId, roomId, rooms: conn.rooms };
    };
    app.post('/api/realtime/rooms/join', { onRequest: app.authenticate, schema: { body: SseRoomBody, response: { 200: SseRoomResponse } } }, sseRoom(true));
    app.post('/api/realtime/rooms/leave', { onRequest: app.authenticate, schema: { body: SseRoomBody, response: { 200: SseRoomResponse } } }, sseRoom(false));

    app.get('/ws/stats', { onRequest: [app.authenticate, app.requireRoles(...STAFF_ROLES)], schema: { response: { 200: WsStatsSchema } } }, async (): Promise<WsStats> => {
      const byType: Record<string, number> = {};
      const byTransport: Record<string, number> = {};
      let total = 0;
      for (const { transport, role, count } of hub.connectionCounts()) {
        if (count === 0) continue;
        total += count;
        byType[role] = (byType[role] ?? 0) + count;
        byTransport[transport] = (byTransport[transport] ?? 0) + count;
      }
      return { total, by_type: byType, by_transport: byTransport, rooms: hub.rooms.size };
    });

    app.get('/metrics', { schema: metricsSchema }, async (_req, reply) => {
      reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').header('cache-control', 'no-store');
      return metrics.render(hub, app.events.bus.healthy());
    });

    app.addHook('onClose', async () => {
      hub.closed = true;
      stopTimers();
      unsubscribe();
    });
  },
  { name: 'realtime', dependencies: ['events', 'auth'] },
);

