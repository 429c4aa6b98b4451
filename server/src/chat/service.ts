import { CHAT_MAX_TEXT, cleanText, type ChatAuthor, type ChatOrderRef, type ChatReadState, type ChatUnreadResponse, type OrderMessage } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import { cityScope, inCityScope } from '../auth/scope';
import { sqlText } from '../db/portable';
import type { Sql } from '../db/sql';
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
  sql: Sql;
  announce: Announce;
  /** Runs a write in a transaction shared with others of the same turn (app.txGrouped). */
  tx: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Messages one user may send per minute, over all chats. */
  maxPerMinute: number;
  /** A staff message to a customer: queue it for the bot when the customer may not see it live (bot/outbox.ts). */
  onStaffMessage?: (order: ChatOrder, message: OrderMessage) => Promise<void>;
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
  private readonly q;

  constructor(private readonly deps: ChatDeps) {
    const sql = deps.sql;
    const chats = (side: 'customer' | 'staff') =>
      sqlText`SELECT c.order_id AS "orderId", o.order_number AS "orderNumber", o.city_id AS "cityId", c.${side}_unread AS unread,
         c.last_message_at AS "lastMessageAt"
       FROM order_chats c JOIN orders o ON o.id = c.order_id
       WHERE c.${side}_unread > 0 AND ${side === 'customer' ? 'o.user_id = @userId' : inCityScope('o.city_id')}
       ORDER BY c.last_message_at DESC LIMIT @limit`;
    type UnreadRow = ChatUnreadResponse['chats'][number];
    this.q = {
      order: sql.prepare<{ id: number }, ChatOrder>('SELECT user_id AS "userId", city_id AS "cityId", order_number AS "orderNumber" FROM orders WHERE id = @id'),
      user: sql.prepare<{ id: number }, { name: string; username: string | null }>('SELECT name, username FROM users WHERE id = @id'),
      byClientId: sql.prepare<{ authorId: number; clientId: string }, MessageRow>('SELECT * FROM order_messages WHERE author_id = @authorId AND client_id = @clientId'),
      recentCount: sql.prepare<{ authorId: number; since: string }, { n: number; oldest: string | null }>(
        'SELECT count(*) AS n, min(created_at) AS oldest FROM order_messages WHERE author_id = @authorId AND created_at > @since',
      ),
      // A clientId already used by this author inserts nothing and returns no row (the unique index).
      insert: sql.prepare<{ orderId: number; authorId: number; kind: string; name: string; clientId: string; text: string; now: string }, { id: number }>(
        `INSERT INTO order_messages (order_id, author_id, author_kind, author_name, client_id, text, created_at)
         VALUES (@orderId, @authorId, @kind, @name, @clientId, @text, @now) ON CONFLICT DO NOTHING RETURNING id`,
      ),
      chatRow: sql.prepare<{ orderId: number }, ChatRow>('SELECT customer_read_id, staff_read_id, customer_unread, staff_unread FROM order_chats WHERE order_id = @orderId'),
      // Writing is reading: the author's side is marked read up to its own message, the other side gains an unread one.
      upsertCustomerMsg: sql.prepare<{ orderId: number; id: number; now: string }>(
        `INSERT INTO order_chats (order_id, customer_read_id, staff_unread, last_message_at) VALUES (@orderId, @id, 1, @now)
         ON CONFLICT (order_id) DO UPDATE SET customer_read_id = excluded.customer_read_id, customer_unread = 0,
           staff_unread = order_chats.staff_unread + 1, last_message_at = excluded.last_message_at`,
      ),
      upsertStaffMsg: sql.prepare<{ orderId: number; id: number; now: string }>(
        `INSERT INTO order_chats (order_id, staff_read_id, customer_unread, last_message_at) VALUES (@orderId, @id, 1, @now)
         ON CONFLICT (order_id) DO UPDATE SET staff_read_id = excluded.staff_read_id, staff_unread = 0,
           customer_unread = order_chats.customer_unread + 1, last_message_at = excluded.last_message_at`,
      ),
      page: sql.prepare<{ orderId: number; before: number; limit: number }, MessageRow>(
        'SELECT * FROM order_messages WHERE order_id = @orderId AND id < @before ORDER BY id DESC LIMIT @limit',
      ),
      maxId: sql.prepare<{ orderId: number }, { m: number | null }>('SELECT max(id) AS m FROM order_messages WHERE order_id = @orderId'),
      countAfter: sql.prepare<{ orderId: number; kind: string; upTo: number }, { n: number }>(
        'SELECT count(*) AS n FROM order_messages WHERE order_id = @orderId AND author_kind = @kind AND id > @upTo',
      ),
      setCustomerRead: sql.prepare<{ orderId: number; upTo: number; unread: number }>(
        'UPDATE order_chats SET customer_read_id = @upTo, customer_unread = @unread WHERE order_id = @orderId',
      ),
      setStaffRead: sql.prepare<{ orderId: number; upTo: number; unread: number }>(
        'UPDATE order_chats SET staff_read_id = @upTo, staff_unread = @unread WHERE order_id = @orderId',
      ),
      customerChats: sql.prepare<{ userId: number; limit: number }, UnreadRow>(chats('customer')),
      staffChats: sql.prepare<{ cities: string | null; limit: number }, UnreadRow>(chats('staff')),
    };
  }

  /** The order a chat belongs to, or null. */
  async order(orderId: number): Promise<ChatOrder | null> {
    return (await this.q.order.get({ id: orderId })) ?? null;
  }

  /** The order if `p` may take part in its chat; 404 when there is no such order, 403 `forbidden` otherwise. */
  async access(p: Principal, orderId: number): Promise<ChatOrder> {
    const order = await this.order(orderId);
    if (!order) throw notFound(`No order ${orderId}`);
    if (!mayChat(p, order)) throw forbidden(`You may not take part in the chat of order ${orderId}`);
    return order;
  }

  async author(p: Principal): Promise<ChatAuthor> {
    return authorOf(p, await this.q.user.get({ id: p.userId }));
  }

  /**
   * Sends a message. The same clientId again returns the stored message (`duplicate`), nothing new
   * is stored or announced; with another text it is a 409. Over the per-minute limit: 429.
   */
  async send(p: Principal, orderId: number, clientId: string, rawText: string): Promise<{ message: OrderMessage; duplicate: boolean }> {
    const order = await this.access(p, orderId);
    const text = cleanText(rawText, { multiline: true });
    if (!text) throw badRequest('The message is empty', 'empty_message');
    if (text.length > CHAT_MAX_TEXT) throw badRequest(`A message holds at most ${CHAT_MAX_TEXT} characters`, 'message_too_long');
    const earlier = await this.duplicate(p, orderId, clientId, text);
    if (earlier) return { message: earlier, duplicate: true };
    await this.checkRate(p.userId);
    const author = await this.author(p);
    return this.deps.tx(async () => {
      const now = isoNow();
      const inserted = await this.q.insert.get({ orderId, authorId: p.userId, kind: author.kind, name: author.name, clientId, text, now });
      if (!inserted) {
        // The same clientId won a race with this request (a resend while the first was in flight).
        const again = await this.duplicate(p, orderId, clientId, text);
        if (again) return { message: again, duplicate: true };
        throw conflict('This client message id was used for another message', 'client_id_conflict');
      }
      const id = inserted.id;
      await (author.kind === 'customer' ? this.q.upsertCustomerMsg : this.q.upsertStaffMsg).run({ orderId, id, now });
      const row = (await this.q.chatRow.get({ orderId }))!;
      const message: OrderMessage = { id, orderId, clientId, author, text, createdAt: now, unread: { customer: row.customer_unread, staff: row.staff_unread } };
      await this.deps.announce.orderMessage(order, message);
      if (author.kind === 'staff') await this.deps.onStaffMessage?.(order, message);
      return { message, duplicate: false };
    });
  }

  private async duplicate(p: Principal, orderId: number, clientId: string, text: string): Promise<OrderMessage | null> {
    const row = await this.q.byClientId.get({ authorId: p.userId, clientId });
    if (!row) return null;
    if (row.order_id !== orderId || row.text !== text) throw conflict('This client message id was used for another message', 'client_id_conflict');
    return toMessage(row);
  }

  private async checkRate(userId: number): Promise<void> {
    const max = this.deps.maxPerMinute;
    const since = new Date(Date.now() - 60_000).toISOString();
    const { n, oldest } = (await this.q.recentCount.get({ authorId: userId, since }))!;
    if (n < max) return;
    const retryAfterS = oldest ? Math.max(1, Math.ceil((Date.parse(oldest) + 60_000 - Date.now()) / 1000)) : 60;
    throw new RateLimited(`Too many messages: at most ${max} a minute. Try again in ${retryAfterS} s`, retryAfterS);
  }

  /** A page of messages older than `before` (default: the newest), oldest first. */
  async history(orderId: number, before: number | undefined, limit: number): Promise<{ messages: OrderMessage[]; hasMore: boolean }> {
    const rows = await this.q.page.all({ orderId, before: before ?? Number.MAX_SAFE_INTEGER, limit: limit + 1 });
    const hasMore = rows.length > limit;
    return { messages: rows.slice(0, limit).reverse().map(toMessage), hasMore };
  }

  async readState(orderId: number): Promise<ChatReadState> {
    const r = await this.q.chatRow.get({ orderId });
    return {
      orderId,
      customer: { lastReadId: r?.customer_read_id ?? 0, unread: r?.customer_unread ?? 0 },
      staff: { lastReadId: r?.staff_read_id ?? 0, unread: r?.staff_unread ?? 0 },
    };
  }

  /** Marks `p`'s side read up to `upToId` (capped at the chat's newest message); a mark below the current one changes nothing. */
  async markRead(p: Principal, orderId: number, upToId: number): Promise<ChatReadState> {
    const order = await this.access(p, orderId);
    const side = sideOf(p);
    return this.deps.tx(async () => {
      const before = await this.readState(orderId);
      const upTo = Math.min(upToId, (await this.q.maxId.get({ orderId }))?.m ?? 0);
      if (upTo <= before[side].lastReadId) return before;
      const unread = (await this.q.countAfter.get({ orderId, kind: side === 'customer' ? 'staff' : 'customer', upTo }))?.n ?? 0;
      await (side === 'customer' ? this.q.setCustomerRead : this.q.setStaffRead).run({ orderId, upTo, unread });
      const after = await this.readState(orderId);
      await this.deps.announce.orderChatRead(order, {
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
  async unread(p: Principal, limit = 500): Promise<ChatUnreadResponse> {
    const side = sideOf(p);
    const chats =
      side === 'customer'
        ? await this.q.customerChats.all({ userId: p.userId, limit })
        : await this.q.staffChats.all({ cities: cityScope(p), limit });
    return { side, chats, total: chats.reduce((sum, c) => sum + c.unread, 0) };
  }
}
