import type { FastifyBaseLogger } from 'fastify';
import type { Role } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import type { BusEvent, EventStore } from '../events/types';
import { PreparedEvent, type Conn, type Transport } from './conn';
import type { RealtimeMetrics } from './metrics';

const GAP_BATCH = 1000;

/**
 * Rooms → connections, and the ordered fan-out of bus events. Events reach the hub from the bus
 * (possibly out of order when several processes publish adjacent ids over Redis, or with holes
 * when Redis was down); the hub delivers them strictly in id order, filling gaps from the shared
 * durable log, so every connection sees each event once and in order.
 */
export class Hub {
  readonly rooms = new Map<string, Set<Conn>>();
  readonly conns = new Set<Conn>();
  /** Open connections by user id: rights changes and the per-user connection cap find them here. */
  private readonly byUser = new Map<number, Set<Conn>>();
  /** Highest event id the hub has delivered (or skipped as older than its start). */
  lastId = 0;
  closed = false;
  /** Highest id in the log at the previous catch-up tick: anything up to it should have arrived by now. */
  private seenHigh = 0;
  private readonly counts = new Map<string, number>();
  /** Hears a connection entering or leaving an order chat room (chat presence); set by the chat plugin. */
  onChatRoom: ((conn: Conn, orderId: number, joined: boolean) => void) | null = null;

  constructor(
    private readonly log: EventStore,
    private readonly maxBuffered: number,
    private readonly metrics: RealtimeMetrics,
    private readonly logger: FastifyBaseLogger,
  ) {
  }

  /** Starts from the log's head: what is already there is history (resume), not live. */
  async init(): Promise<void> {
    this.lastId = Math.max(this.lastId, await this.log.highestId());
    this.seenHigh = Math.max(this.seenHigh, this.lastId);
  }

  add(conn: Conn, rooms: readonly string[]): void {
    this.conns.add(conn);
    for (const r of rooms) this.join(conn, r);
    this.count(conn, 1);
    const userId = conn.principal.userId;
    let mine = this.byUser.get(userId);
    if (!mine) this.byUser.set(userId, (mine = new Set()));
    mine.add(conn);
  }

  remove(conn: Conn): void {
    if (!this.conns.delete(conn)) return;
    for (const r of conn.rooms) {
      const set = this.rooms.get(r);
      if (set) {
        set.delete(conn);
        if (set.size === 0) this.rooms.delete(r);
      }
      this.chatRoom(conn, r, false);
    }
    this.count(conn, -1);
    const mine = this.byUser.get(conn.principal.userId);
    if (mine) {
      mine.delete(conn);
      if (mine.size === 0) this.byUser.delete(conn.principal.userId);
    }
  }

  /** The open connections of one user (empty when none). */
  connectionsOf(userId: number): ReadonlySet<Conn> {
    return this.byUser.get(userId) ?? EMPTY;
  }

  /** Users with at least one open connection. */
  users(): IterableIterator<number> {
    return this.byUser.keys();
  }

  /** Swaps a connection's principal (same user, new rights), keeping the counts by role right. */
  setPrincipal(conn: Conn, principal: Principal): void {
    const counted = this.conns.has(conn);
    if (counted) this.count(conn, -1);
    conn.principal = principal;
    if (counted) this.count(conn, 1);
  }

  join(conn: Conn, room: string): void {
    if (conn.rooms.has(room)) return;
    conn.rooms.add(room);
    let set = this.rooms.get(room);
    if (!set) this.rooms.set(room, (set = new Set()));
    set.add(conn);
    this.chatRoom(conn, room, true);
  }

  leave(conn: Conn, room: string): void {
    if (!conn.rooms.delete(room)) return;
    const set = this.rooms.get(room);
    if (set) {
      set.delete(conn);
      if (set.size === 0) this.rooms.delete(room);
    }
    this.chatRoom(conn, room, false);
  }

  /** `order-{id}-chat` rooms only (a cheap test first: most rooms are not). */
  private chatRoom(conn: Conn, room: string, joined: boolean): void {
    if (!this.onChatRoom || room.charCodeAt(0) !== 111 /* o */ || !room.endsWith('-chat')) return;
    const orderId = Number(room.slice(6, -5));
    if (!Number.isSafeInteger(orderId) || orderId <= 0) return;
    try {
      this.onChatRoom(conn, orderId, joined);
    } catch (err) {
      this.logger.error({ err, room }, 'chat room change handler failed');
    }
  }

  private count(conn: Conn, delta: 1 | -1): void {
    const key = countKey(conn.transport, conn.principal.role);
    this.counts.set(key, (this.counts.get(key) ?? 0) + delta);
  }

  /** Open connections by transport and role. */
  connectionCounts(): { transport: Transport; role: Role; count: number }[] {
    const out: { transport: Transport; role: Role; count: number }[] = [];
    for (const [key, count] of this.counts) {
      const [transport, role] = key.split(':') as [Transport, Role];
      out.push({ transport, role, count });
    }
    return out;
  }

  /** The bus handler. Never throws: delivery problems are logged (the event is durable anyway). */
  onBusEvent(ev: BusEvent): void {
    if (this.closed) return;
    // A gap is being filled from the log (a read that waits its turn): later events queue behind it, in order.
    if (this.queued) {
      this.queued.push(ev);
      return;
    }
    if (ev.id <= this.lastId) return;
    if (ev.id > this.lastId + 1) {
      this.queued = [ev];
      void this.fillTo(ev.id - 1)
        .catch((err: unknown) => {
          // Given up on the gap (clients resume from the log): the queue must not retry it forever.
          this.logger.error({ err, eventId: ev.id }, 'realtime gap fill from the event log failed');
          this.lastId = Math.max(this.lastId, ev.id - 1);
        })
        .finally(() => {
          const queued = this.queued ?? [];
          this.queued = null;
          for (const q of queued) this.onBusEvent(q);
        });
      return;
    }
    const at = ev.appendedAt;
    if (at !== undefined) this.metrics.publishLatency.observe((Date.now() - at) / 1000);
    try {
      this.deliver(ev);
      if (at !== undefined) this.metrics.deliveryLatency.observe((Date.now() - at) / 1000);
    } catch (err) {
      this.logger.error({ err, eventId: ev.id }, 'realtime delivery failed');
    }
    if (ev.id > this.lastId) this.lastId = ev.id;
  }

  /** Bus events that arrived while a gap was being filled, in arrival order (null: no fill under way). */
  private queued: BusEvent[] | null = null;

  /**
   * Called about once a second: events committed a tick ago that the bus has still not brought
   * (a Redis outage, a publisher that died between claim and publish) are read from the log.
   */
  async catchUp(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.seenHigh > this.lastId) await this.fillTo(this.seenHigh);
      this.seenHigh = await this.log.highestId();
    } catch (err) {
      this.logger.error({ err }, 'realtime catch-up from the event log failed');
    }
  }

  /** Delivers every logged event in (lastId, upTo], in order. */
  private async fillTo(upTo: number): Promise<void> {
    while (this.lastId < upTo) {
      const batch = await this.log.after(this.lastId, Math.min(GAP_BATCH, upTo - this.lastId));
      if (batch.length === 0) {
        this.lastId = upTo; // pruned or never committed: nothing to deliver
        return;
      }
      for (const e of batch) {
        if (e.id > upTo) {
          this.lastId = upTo;
          return;
        }
        this.deliver(e);
        this.lastId = e.id;
      }
      this.metrics.gapFilled += batch.length;
    }
  }

  private deliver(ev: BusEvent): void {
    const prepared = new PreparedEvent(ev);
    const id = ev.id;
    for (const room of ev.rooms) {
      const set = this.rooms.get(room);
      if (!set) continue;
      for (const c of set) {
        // Once per connection even when it sits in several of the event's rooms; never what a replay already sent.
        if (c.lastId >= id || c.replaying || c.closed) continue;
        if (c.buffered() > this.maxBuffered) {
          c.closeSlow();
          continue;
        }
        c.lastId = id;
        c.sendLive(prepared);
        this.metrics.delivered++;
      }
    }
  }
}

const countKey = (t: Transport, role: Role) => `${t}:${role}`;
const EMPTY: ReadonlySet<Conn> = new Set();
