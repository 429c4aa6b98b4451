import type Database from 'better-sqlite3';
import { and, desc, eq, gt } from 'drizzle-orm';
import { CHAT_MAX_TEXT, cleanText, type ChatAuthor, type ChatOrderRef, type ChatReadState, type ChatUnreadResponse, type OrderMessage } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import { cityFilter } from '../auth/scope';
import type { Db } from '../db/client';
import { orderChats, orders } from '../db/schema';
import type { Announce } from '../events/announce';
import { badRequest, conflict, forbidden, HttpError, notFound } from '../lib/errors';
import { isoNow } from '../lib/time';
import { authorOf, mayChat, sideOf } from './access';

export interface ChatOrder extends ChatOrderRef {
  orderNumber: string;
}

interface MessageRow {
  id: number;
  order_id: number;
  author_id: number;
  author_kind: 'customer' | 'staff';
  author_name: string;
  client_id: string;
  text: string;
  created_at: string;
}

interface ChatRow {
  customer_read_id: number;
  staff_read_id: number;
  customer_unread: number;
  staff_unread: number;
}

export interface ChatDeps {
  db: Db;
  announce: Announce;
  /** Runs a write in a transaction shared with others of the same turn (app.txGrouped). */
  tx: <T>(fn: () => T) => Promise<T>;
  /** Messages one user may send per minute, over all chats. */
  maxPerMinute: number;
  /** A staff message to a customer: queue it for the bot when the customer may not see it live (bot/outbox.ts). */
  onStaffMessage?: (order: ChatOrder, message: OrderMessage) => void;
}

export class RateLimited extends HttpError {
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(429, 'rate_limited', message);
  }
}

const toMessage = (r: MessageRow): OrderMessage => ({
  id: r.id,
  orderId: r.order_id,
  clientId: r.client_id,
  author: { kind: r.author_kind, name: r.author_name, userId: r.author_id },
  text: r.text,
  createdAt: r.created_at,
});

/**
 * Order chats (issue 18): messages stored with the order, each also an `order-message` event (so
 * delivery and resume are those of every event), read marks per side, unread counts, the per-user
 * rate limit. Routes and the realtime layer call it; it knows nothing of sockets.
 */
export class ChatService {
  private readonly orderStmt: Database.Statement<[number], ChatOrder>;
  private readonly userStmt: Database.Statement<[number], { name: string; username: string | null }>;
  private readonly byClientId: Database.Statement<[number, string], MessageRow>;
  private readonly recentCount: Database.Statement<[number, string], { n: number; oldest: string | null }>;
  private readonly insertStmt: Database.Statement<[number, number, string, string, string, string, string]>;
  private readonly chatRow: Database.Statement<[number], ChatRow>;
  private readonly upsertCustomerMsg: Database.Statement<[{ orderId: number; id: number; now: string }]>;
  private readonly upsertStaffMsg: Database.Statement<[{ orderId: number; id: number; now: string }]>;
  private readonly pageStmt: Database.Statement<[number, number, number], MessageRow>;
  private readonly maxIdStmt: Database.Statement<[number], number | null>;
  private readonly countAfter: Database.Statement<[number, string, number], number>;
  private readonly setCustomerRead: Database.Statement<[{ orderId: number; upTo: number; unread: number }]>;
  private readonly setStaffRead: Database.Statement<[{ orderId: number; upTo: number; unread: number }]>;

  constructor(private readonly deps: ChatDeps) {
    const db: Database.Database = deps.db.$client;
    this.orderStmt = db.prepare('SELECT user_id AS userId, city_id AS cityId, order_number AS orderNumber FROM orders WHERE id = ?');
    this.userStmt = db.prepare('SELECT name, username FROM users WHERE id = ?');
    this.byClientId = db.prepare('SELECT * FROM order_messages WHERE author_id = ? AND client_id = ?');
    this.recentCount = db.prepare('SELECT count(*) AS n, min(created_at) AS oldest FROM order_messages WHERE author_id = ? AND created_at > ?');
    this.insertStmt = db.prepare(
      `INSERT OR IGNORE INTO order_messages (order_id, author_id, author_kind, author_name, client_id, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.chatRow = db.prepare('SELECT customer_read_id, staff_read_id, customer_unread, staff_unread FROM order_chats WHERE order_id = ?');
    // Writing is reading: the author's side is marked read up to its own message, the other side gains an unread one.
    this.upsertCustomerMsg = db.prepare(
      `INSERT INTO order_chats (order_id, customer_read_id, staff_unread, last_message_at) VALUES (@orderId, @id, 1, @now)
       ON CONFLICT (order_id) DO UPDATE SET customer_read_id = @id, customer_unread = 0, staff_unread = staff_unread + 1, last_message_at = @now`,
    );
    this.upsertStaffMsg = db.prepare(
      `INSERT INTO order_chats (order_id, staff_read_id, customer_unread, last_message_at) VALUES (@orderId, @id, 1, @now)
       ON CONFLICT (order_id) DO UPDATE SET staff_read_id = @id, staff_unread = 0, customer_unread = customer_unread + 1, last_message_at = @now`,
    );
    this.pageStmt = db.prepare('SELECT * FROM order_messages WHERE order_id = ? AND id < ? ORDER BY id DESC LIMIT ?');
    this.maxIdStmt = db.prepare<[number], number | null>('SELECT max(id) FROM order_messages WHERE order_id = ?').pluck();
    this.countAfter = db.prepare<[number, string, number], number>('SELECT count(*) FROM order_messages WHERE order_id = ? AND author_kind = ? AND id > ?').pluck();
    this.setCustomerRead = db.prepare('UPDATE order_chats SET customer_read_id = @upTo, customer_unread = @unread WHERE order_id = @orderId');
    this.setStaffRead = db.prepare('UPDATE order_chats SET staff_read_id = @upTo, staff_unread = @unread WHERE order_id = @orderId');
  }

  /** The order a chat belongs to, or null. */
  order(orderId: number): ChatOrder | null {
    return this.orderStmt.get(orderId) ?? null;
  }

  /** The order if `p` may take part in its chat; 404 when there is no such order, 403 `forbidden` otherwise. */
  access(p: Principal, orderId: number): ChatOrder {
    const order = this.order(orderId);
    if (!order) throw notFound(`No order ${orderId}`);
    if (!mayChat(p, order)) throw forbidden(`You may not take part in the chat of order ${orderId}`);
    return order;
  }

  author(p: Principal): ChatAuthor {
    return authorOf(p, this.userStmt.get(p.userId));
  }

  /**
   * Sends a message. The same clientId again returns the stored message (`duplicate`), nothing new
   * is stored or announced; with another text it is a 409. Over the per-minute limit: 429.
   */
  async send(p: Principal, orderId: number, clientId: string, rawText: string): Promise<{ message: OrderMessage; duplicate: boolean }> {
    const order = this.access(p, orderId);
    const text = cleanText(rawText, { multiline: true });
    if (!text) throw badRequest('The message is empty', 'empty_message');
    if (text.length > CHAT_MAX_TEXT) throw badRequest(`A message holds at most ${CHAT_MAX_TEXT} characters`, 'message_too_long');
    const earlier = this.duplicate(p, orderId, clientId, text);
    if (earlier) return { message: earlier, duplicate: true };
    this.checkRate(p.userId);
    const author = this.author(p);
    return this.deps.tx(() => {
      const now = isoNow();
      const res = this.insertStmt.run(orderId, p.userId, author.kind, author.name, clientId, text, now);
      if (res.changes === 0) {
        // The same clientId won a race with this request (a resend while the first was in flight).
        const again = this.duplicate(p, orderId, clientId, text);
        if (again) return { message: again, duplicate: true };
        throw conflict('This client message id was used for another message', 'client_id_conflict');
      }
      const id = Number(res.lastInsertRowid);
      (author.kind === 'customer' ? this.upsertCustomerMsg : this.upsertStaffMsg).run({ orderId, id, now });
      const row = this.chatRow.get(orderId)!;
      const message: OrderMessage = { id, orderId, clientId, author, text, createdAt: now, unread: { customer: row.customer_unread, staff: row.staff_unread } };
      this.deps.announce.orderMessage(order, message);
      if (author.kind === 'staff') this.deps.onStaffMessage?.(order, message);
      return { message, duplicate: false };
    });
  }

  private duplicate(p: Principal, orderId: number, clientId: string, text: string): OrderMessage | null {
    const row = this.byClientId.get(p.userId, clientId);
    if (!row) return null;
    if (row.order_id !== orderId || row.text !== text) throw conflict('This client message id was used for another message', 'client_id_conflict');
    return toMessage(row);
  }

  private checkRate(userId: number): void {
    const max = this.deps.maxPerMinute;
    const since = new Date(Date.now() - 60_000).toISOString();
    const { n, oldest } = this.recentCount.get(userId, since)!;
    if (n < max) return;
    const retryAfterS = oldest ? Math.max(1, Math.ceil((Date.parse(oldest) + 60_000 - Date.now()) / 1000)) : 60;
    throw new RateLimited(`Too many messages: at most ${max} a minute. Try again in ${retryAfterS} s`, retryAfterS);
  }

  /** A page of messages older than `before` (default: the newest), oldest first. */
  history(orderId: number, before: number | undefined, limit: number): { messages: OrderMessage[]; hasMore: boolean } {
    const rows = this.pageStmt.all(orderId, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const hasMore = rows.length > limit;
    return { messages: rows.slice(0, limit).reverse().map(toMessage), hasMore };
  }

  readState(orderId: number): ChatReadState {
    const r = this.chatRow.get(orderId);
    return {
      orderId,
      customer: { lastReadId: r?.customer_read_id ?? 0, unread: r?.customer_unread ?? 0 },
      staff: { lastReadId: r?.staff_read_id ?? 0, unread: r?.staff_unread ?? 0 },
    };
  }

  /** Marks `p`'s side read up to `upToId` (capped at the chat's newest message); a mark below the current one changes nothing. */
  async markRead(p: Principal, orderId: number, upToId: number): Promise<ChatReadState> {
    const order = this.access(p, orderId);
    const side = sideOf(p);
    return this.deps.tx(() => {
      const before = this.readState(orderId);
      const upTo = Math.min(upToId, this.maxIdStmt.get(orderId) ?? 0);
      if (upTo <= before[side].lastReadId) return before;
      const unread = this.countAfter.get(orderId, side === 'customer' ? 'staff' : 'customer', upTo) ?? 0;
      (side === 'customer' ? this.setCustomerRead : this.setStaffRead).run({ orderId, upTo, unread });
      const after = this.readState(orderId);
      this.deps.announce.orderChatRead(order, {
        orderId,
        side,
        userId: p.userId,
        lastReadId: upTo,
        unread: { customer: after.customer.unread, staff: after.staff.unread },
        timestamp: isoNow(),
      });
      return after;
    });
  }

  /**
   * The chats with unread messages for `p`'s side: a customer's own orders; for staff the orders of
   * the cities they see (auth/scope.ts, the board's "unread customer messages"). Newest first.
   */
  unread(p: Principal, limit = 500): ChatUnreadResponse {
    const side = sideOf(p);
    const unread = side === 'customer' ? orderChats.customerUnread : orderChats.staffUnread;
    const who = side === 'customer' ? eq(orders.userId, p.userId) : cityFilter(p, orders.cityId);
    const chats = this.deps.db
      .select({ orderId: orderChats.orderId, orderNumber: orders.orderNumber, cityId: orders.cityId, unread, lastMessageAt: orderChats.lastMessageAt })
      .from(orderChats)
      .innerJoin(orders, eq(orders.id, orderChats.orderId))
      .where(and(gt(unread, 0), who))
      .orderBy(desc(orderChats.lastMessageAt))
      .limit(limit)
      .all();
    return { side, chats, total: chats.reduce((sum, c) => sum + c.unread, 0) };
  }
}
