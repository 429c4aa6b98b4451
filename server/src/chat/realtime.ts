import type { FastifyBaseLogger } from 'fastify';
import { CHAT_PAGE_DEFAULT, CHAT_TYPING_TTL_MS, orderChatRoom, type ChatAuthor, type ChatPresence } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import type { BusNotice, EventBus } from '../events/types';
import type { Conn } from '../realtime/conn';
import type { ChatHooks, RealtimeContext } from '../realtime/context';
import type { PresenceStore } from './presence';
import type { ChatService } from './service';

export interface ChatRealtimeOptions {
  /** A presence entry lives this long unless its process renews it (a dead process's people leave after it). */
  presenceTtlMs: number;
}

/**
 * The ephemeral side of order chats: `chat-state` on joining a chat room, `typing`, and presence
 * (`chat-presence`). Nothing here is in the event log. Typing and presence changes travel as bus
 * notices (in-process, or Redis or PostgreSQL between processes) to the room's connections on
 * every process.
 *
 * Presence: this process keeps who of its own connections is in which chat room, writes them to
 * the shared PresenceStore (renewed every third of the TTL) and announces arrivals and departures.
 * Every process also re-reads the rooms its connections are in every few seconds and tells its own
 * connections about whatever changed without an announcement: the people of a process that died,
 * whose entries expired.
 */
export class ChatRealtime implements ChatHooks {
  /** room → user → (how they appear, their connections in the room in this process). */
  private readonly local = new Map<string, Map<number, { who: Promise<ChatAuthor>; conns: number }>>();
  /** room → who this process last told its connections is present (rooms with local connections only). */
  private readonly known = new Map<string, Map<number, ChatAuthor>>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly rt: RealtimeContext,
    private readonly service: ChatService,
    private readonly store: PresenceStore,
    private readonly bus: EventBus,
    private readonly opts: ChatRealtimeOptions,
    private readonly logger: FastifyBaseLogger,
  ) {
    this.unsubscribe = bus.onNotice((n) => this.onNotice(n));
  }

  /** This process's presence entry for a user (one per process and user, whatever the number of tabs). */
  private member(userId: number): string {
    return `${this.rt.bootId}:${userId}`;
  }

  start(): void {
    const every = Math.max(200, Math.min(2000, Math.floor(this.opts.presenceTtlMs / 3)));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  /** Stops, and takes this process's people out of the store so the others see them leave at their next sweep. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe();
    const gone: Promise<void>[] = [];
    for (const [room, users] of this.local) for (const uid of users.keys()) gone.push(this.store.remove(room, this.member(uid)));
    await Promise.allSettled(gone);
  }

  roomChanged(conn: Conn, orderId: number, joined: boolean): void {
    if (this.stopped) return;
    const room = orderChatRoom(orderId);
    const uid = conn.principal.userId;
    let users = this.local.get(room);
    if (joined) {
      if (!users) this.local.set(room, (users = new Map()));
      const mine = users.get(uid);
      if (mine) mine.conns++;
      else {
        // The name is read from the database: the entry holds its promise, so a leave right after waits for it.
        const who = this.service.author(conn.principal);
        users.set(uid, { who, conns: 1 });
        void who.then(
          (w) => this.arrived(room, orderId, w),
          (err: unknown) => this.logger.warn({ err, room }, 'chat presence: arrival not recorded'),
        );
      }
      // After the transport's own answer (`connected` or `room-joined`), which follows this call.
      setImmediate(() => void this.sendState(conn, orderId));
      return;
    }
    const mine = users?.get(uid);
    if (!users || !mine) return;
    if (--mine.conns > 0) return;
    users.delete(uid);
    if (users.size === 0) {
      this.local.delete(room);
      this.known.delete(room);
    }
    void mine.who.then(
      (w) => this.departed(room, orderId, w),
      (err: unknown) => this.logger.warn({ err, room }, 'chat presence: departure not recorded'),
    );
  }

  typing(conn: Conn, orderId: number, typing: boolean): void {
    this.typingOf(conn.principal, orderId, typing).catch((err: unknown) => this.logger.warn({ err, orderId }, 'chat typing not sent'));
  }

  /** A participant typing (or stopped, or sent a message): to the others in the chat, on every process. */
  async typingOf(p: Principal, orderId: number, typing: boolean): Promise<void> {
    if (this.stopped) return;
    const room = orderChatRoom(orderId);
    const who = await (this.local.get(room)?.get(p.userId)?.who ?? this.service.author(p));
    const json = JSON.stringify({ type: 'typing', data: { orderId, author: who, typing, ttlMs: CHAT_TYPING_TTL_MS } });
    this.bus.notify({ kind: 'chat', room, json, except: p.userId });
  }

  private async arrived(room: string, orderId: number, who: ChatAuthor): Promise<void> {
    try {
      await this.store.put([[room, this.member(who.userId), who, Date.now() + this.opts.presenceTtlMs]]);
      const present = (await this.store.list([room])).get(room) ?? [who];
      this.announce({ orderId, change: 'join', participant: who, present }, room);
    } catch (err) {
      this.logger.warn({ err, room }, 'chat presence: arrival not recorded');
    }
  }

  private async departed(room: string, orderId: number, who: ChatAuthor): Promise<void> {
    try {
      await this.store.remove(room, this.member(who.userId));
      // Still here through another process (another device): no departure.
      if (this.local.get(room)?.has(who.userId)) return;
      const present = (await this.store.list([room])).get(room) ?? [];
      if (present.some((a) => a.userId === who.userId)) return;
      this.announce({ orderId, change: 'leave', participant: who, present }, room);
    } catch (err) {
      this.logger.warn({ err, room }, 'chat presence: departure not recorded');
    }
  }

  private announce(data: ChatPresence, room: string): void {
    if (this.stopped) return;
    this.bus.notify({ kind: 'chat', room, json: JSON.stringify({ type: 'chat-presence', data }), except: 0, presence: true });
  }

  private onNotice(n: BusNotice): void {
    if (n.kind !== 'chat' || this.stopped) return;
    const conns = this.rt.hub.rooms.get(n.room);
    if (!conns) return;
    if (n.presence) {
      try {
        const { present } = (JSON.parse(n.json) as { data: ChatPresence }).data;
        this.known.set(n.room, new Map(present.map((a) => [a.userId, a])));
      } catch {
        return;
      }
    }
    for (const c of conns) if (c.principal.userId !== n.except && !c.closed) c.sendControl(n.json);
  }

  /** `chat-state` for a connection that just joined: the newest page, read state and who is here. */
  private async sendState(conn: Conn, orderId: number): Promise<void> {
    const room = orderChatRoom(orderId);
    if (conn.closed || !conn.rooms.has(room)) return;
    try {
      const { messages, hasMore } = await this.service.history(orderId, undefined, CHAT_PAGE_DEFAULT);
      const read = await this.service.readState(orderId);
      let present: ChatAuthor[];
      try {
        present = (await this.store.list([room])).get(room) ?? [];
      } catch {
        present = [...(this.known.get(room)?.values() ?? [])];
      }
      if (conn.closed || !conn.rooms.has(room)) return;
      conn.sendControl(JSON.stringify({ type: 'chat-state', data: { orderId, messages, hasMore, read, present } }));
    } catch (err) {
      this.logger.error({ err, orderId }, 'chat state not sent');
    }
  }

  /** Renews this process's entries and tells its connections about changes nobody announced (expired entries). */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      const until = Date.now() + this.opts.presenceTtlMs;
      const entries: [string, string, ChatAuthor, number][] = [];
      for (const [room, users] of this.local) for (const [uid, e] of users) entries.push([room, this.member(uid), await e.who, until]);
      await this.store.put(entries);
      const rooms = [...this.local.keys()];
      const lists = await this.store.list(rooms);
      for (const room of rooms) {
        const present = lists.get(room);
        if (!present || !this.local.has(room)) continue;
        const before = this.known.get(room);
        const now = new Map(present.map((a) => [a.userId, a]));
        this.known.set(room, now);
        // A room new to this process: its connections got the list in `chat-state`; nothing changed for them.
        if (!before) continue;
        const orderId = Number(room.slice(6, -5));
        for (const [uid, who] of before) if (!now.has(uid)) this.tellLocal(room, { orderId, change: 'leave', participant: who, present });
        for (const [uid, who] of now) if (!before.has(uid)) this.tellLocal(room, { orderId, change: 'join', participant: who, present });
      }
    } catch (err) {
      this.logger.debug({ err }, 'chat presence sweep skipped');
    } finally {
      this.sweeping = false;
    }
  }

  private tellLocal(room: string, data: ChatPresence): void {
    const json = JSON.stringify({ type: 'chat-presence', data });
    for (const c of this.rt.hub.rooms.get(room) ?? []) if (!c.closed) c.sendControl(json);
  }
}
