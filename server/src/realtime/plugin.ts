import fp from 'fastify-plugin';
import { RealtimeAuth } from './auth';
import { RealtimeContext } from './context';
import { Hub } from './hub';
import { RealtimeMetrics } from './metrics';
import { recheckAll, recheckUser } from './rights';
import { registerRoomsRoutes } from './rooms-routes';
import { answerSseCall } from './sse-calls';
import { registerSse } from './sse-route';
import { registerStatsRoutes } from './stats-routes';
import { registerTicketRoute } from './ticket-route';
import { registerRealtimeAuthRoute } from './reauth-route';
import { createTimers } from './timers';
import { registerWebSocket } from './ws-routes';

declare module 'fastify' {
  interface FastifyInstance {
    realtime: RealtimeContext;
  }
}

/**
 * The realtime layer (issue 3), in three parts:
 *  - transports (./ws, ./sse): authenticate, parse and validate, keepalive, backpressure;
 *  - the hub of rooms (./hub): room → connections, one ordered delivery per event per connection;
 *  - the producer: the event bus (memory or Redis) feeding the hub, with the durable log behind it
 *    for resume (./resume) and for gaps the bus left.
 * Rights changes arrive on the bus as notices and re-check the user's connections (./rights).
 * This file only composes: each route group and the timers live in their own file.
 * Nothing here can fail an API call: events are durable, delivery problems are logged.
 */
export default fp(
  async (app) => {
    const { config } = app;
    const metrics = new RealtimeMetrics();
    const hub = new Hub(app.events.log, config.WS_MAX_BUFFERED_BYTES, metrics, app.log);
    await hub.init();
    const cityExists = app.sql.prepare<{ id: number }, { one: number }>('SELECT 1 AS one FROM cities WHERE id = @id');
    const chatOrder = app.sql.prepare<{ id: number }, { userId: number; cityId: number }>('SELECT user_id AS "userId", city_id AS "cityId" FROM orders WHERE id = @id');
    const rt = new RealtimeContext(
      hub,
      app.events.log,
      metrics,
      app.log,
      {
        maxBuffered: config.WS_MAX_BUFFERED_BYTES,
        maxRoomsPerConnection: config.WS_MAX_ROOMS_PER_CONNECTION,
        maxConnectionsPerUser: config.WS_MAX_CONNECTIONS_PER_USER,
        messagesPerSecond: config.WS_MAX_MESSAGES_PER_S,
        resumeMaxEvents: config.RESUME_MAX_EVENTS,
        tokenNoticeMs: config.WS_TOKEN_NOTICE_MS,
        authTimeoutMs: config.WS_AUTH_TIMEOUT_MS,
        maxPendingAuth: config.WS_MAX_PENDING_AUTH,
      },
      {
        principal: (userId) => app.users.principal(userId),
        cityExists: async (cityId) => (await cityExists.get({ id: cityId })) !== undefined,
        chatOrder: async (orderId) => (await chatOrder.get({ id: orderId })) ?? null,
      },
      app.events.bus.nodeId,
    );
    const auth = new RealtimeAuth({
      sql: app.sql,
      principalFromToken: (token) => app.principalFromToken(token),
      principal: (userId) => app.users.principal(userId),
    });
    rt.identifyToken = (token) => auth.identifyToken(token);
    app.decorate('realtime', rt);

    const unsubscribeEvents = app.events.bus.subscribe((ev) => hub.onBusEvent(ev));
    // Rights changes from any process (this one included) reach this process's open connections.
    const unsubscribeNotices = app.events.bus.onNotice((notice) => {
      if (hub.closed) return;
      const done =
        notice.kind === 'principal-changed' ? recheckUser(rt, notice.userId) : notice.kind === 'principals-stale' ? recheckAll(rt) : undefined;
      // 'chat' notices are the chat plugin's (chat/realtime.ts).
      done?.catch((err: unknown) => app.log.error({ err, notice }, 'realtime rights re-check failed'));
    });
    // REST calls for this process's SSE streams that reached another process (./sse-calls).
    const stopAnswering = app.events.bus.onAsk((request) => answerSseCall(rt, request));
    const timers = createTimers(rt, config.WS_PING_INTERVAL_MS, config.SSE_HEARTBEAT_MS);
    const stop = () => {
      hub.closed = true;
      timers.stop();
      unsubscribeEvents();
      unsubscribeNotices();
      stopAnswering();
    };
    app.addHook('onReady', async () => timers.start());

    await registerWebSocket(app, rt, auth, stop);
    registerSse(app, rt, auth);
    registerTicketRoute(app, auth);
    registerRealtimeAuthRoute(app, rt);
    registerRoomsRoutes(app, rt);
    registerStatsRoutes(app, rt, config.METRICS_ACCESS);

    app.addHook('onClose', async () => stop());
  },
  { name: 'realtime', dependencies: ['events', 'auth'] },
);
