import fp from 'fastify-plugin';
import { MemoryPresence, RedisPresence, SqlPresence, type PresenceStore } from './presence';
import { ChatRealtime } from './realtime';
import { ChatService } from './service';

declare module 'fastify' {
  interface FastifyInstance {
    /** Order chats (issue 18): messages, read marks, unread counts. */
    chat: ChatService;
    /** The chat's ephemeral side: typing and presence. */
    chatRealtime: ChatRealtime;
  }
}

/**
 * Order chat: the service (stored messages, each an `order-message` event), and its live side
 * hooked into the realtime layer (chat room joins and leaves, typing). Presence is shared where the
 * nodes meet: in Redis when the bus is Redis, in the PostgreSQL database when the bus is
 * PostgreSQL's (no Redis), in this process otherwise.
 */
export default fp(
  async (app) => {
    const { config } = app;
    const chat = new ChatService({
      sql: app.sql,
      announce: app.announce,
      tx: (fn) => app.txGrouped(fn),
      maxPerMinute: config.CHAT_MAX_MESSAGES_PER_MIN,
      // With the bot on, a staff message also queues the customer's chat message (same transaction).
      ...(app.botOutbox && { onStaffMessage: (order, message) => app.botOutbox!.staffMessage(order, message) }),
    });
    app.decorate('chat', chat);

    const { kind } = app.events.bus;
    const store: PresenceStore =
      kind === 'redis' && config.REDIS_URL
        ? RedisPresence.create(config.REDIS_URL, `${config.REDIS_CHANNEL}:presence:`, config.CHAT_PRESENCE_TTL_MS)
        : kind === 'postgres'
          ? new SqlPresence(app.sql)
          : new MemoryPresence();
    const live = new ChatRealtime(app.realtime, chat, store, app.events.bus, { presenceTtlMs: config.CHAT_PRESENCE_TTL_MS }, app.log);
    app.decorate('chatRealtime', live);
    app.realtime.chat = live;
    app.realtime.hub.onChatRoom = (conn, orderId, joined) => live.roomChanged(conn, orderId, joined);

    app.addHook('onReady', async () => live.start());
    app.addHook('onClose', async () => {
      app.realtime.hub.onChatRoom = null;
      app.realtime.chat = null;
      await live.stop();
      await store.close();
    });
  },
  { name: 'chat', dependencies: ['db', 'events', 'services', 'realtime'] },
);
