import type { OrderMessage, OrderStatus, OrderStatusUpdated } from '@ordercast/shared';
import type { Sql, Statement } from '../db/sql';
import { BOT_STEPS } from '../db/schema';
import { isoNow } from '../lib/time';

export type BotStep = (typeof BOT_STEPS)[number];

/** What a chat message about a step says besides the step itself. */
export interface BotMessageParams {
  orderNumber: string;
  deliveryType: 'delivery' | 'pickup';
  cancelReason?: string;
  cancelNote?: string | null;
  /** Roubles returned to the customer's bonus balance by a cancel. */
  bonusesRefunded?: number;
  /** `confirmed`: when the order is due (ISO), told in the city's time zone. */
  promisedAt?: string;
  timeZone?: string;
  /** `chat`: the staff member's name and their message, sent as plain text. */
  staffName?: string;
  text?: string;
}

/** The steps an order's status move may be (`chat` is a staff message, never a move). */
const STATUS_STEPS: readonly string[] = BOT_STEPS.filter((s) => s !== 'chat');

/** The steps worth a chat message: `ready` only for pickup (a delivery order's next word is "on its way"). */
export function stepOf(to: OrderStatus, deliveryType: 'delivery' | 'pickup'): BotStep | null {
  if (to === 'ready') return deliveryType === 'pickup' ? 'ready' : null;
  return STATUS_STEPS.includes(to) ? (to as BotStep) : null;
}

interface Recipient {
  order_number: string;
  promised_at: string | null;
  timezone: string;
  delivery_type: 'delivery' | 'pickup';
  telegram_id: number | null;
  language: 'ru' | 'en';
}

/**
 * Writes the chat message for an order's status move, inside the move's own transaction (so a
 * step is never lost nor told twice), and only for a customer who started the bot and has not
 * blocked it. It only inserts a row: the Bot API is never called here, so Telegram being slow or
 * down cannot fail or delay an order. Staff messages of the order chat go the same way (step `chat`,
 * one row per message), so a customer away from the Mini App hears of them too.
 */
export class BotOutbox {
  private readonly recipient: Statement<{ id: number }, Recipient>;
  private readonly insert: Statement<Record<string, unknown>>;

  constructor(sql: Sql) {
    this.recipient = sql.prepare(
      `SELECT o.order_number, o.delivery_type, o.promised_at, c.timezone, u.telegram_id, u.language
         FROM orders o JOIN users u ON u.id = o.user_id JOIN cities c ON c.id = o.city_id
        WHERE o.id = @id AND u.role = 'customer' AND (u.bot_started_at IS NOT NULL OR u.bot_write_access = 1) AND u.bot_blocked_at IS NULL`,
    );
    // One message per order and step (per chat message for `chat`), whatever happens (the unique index): a repeat is ignored.
    this.insert = sql.prepare(
      `INSERT INTO bot_messages (order_id, user_id, chat_id, step, chat_message_id, language, params, next_attempt_at, created_at, updated_at)
       VALUES (@orderId, @userId, @chatId, @step, @chatMessageId, @language, @params, @now, @now, @now)
       ON CONFLICT DO NOTHING`,
    );
  }

  /** Call inside the transaction that moved the order. */
  async statusChanged(order: { userId: number }, data: OrderStatusUpdated): Promise<void> {
    const r = await this.recipient.get({ id: data.orderId });
    if (!r || r.telegram_id === null) return;
    const step = stepOf(data.newStatus, r.delivery_type);
    if (!step) return;
    const params: BotMessageParams = {
      orderNumber: r.order_number,
      deliveryType: r.delivery_type,
      ...(step === 'confirmed' && r.promised_at && { promisedAt: r.promised_at, timeZone: r.timezone }),
      ...(step === 'cancelled' && {
        cancelReason: data.cancelReason ?? 'other',
        cancelNote: data.cancelNote ?? null,
        ...(data.bonusesRefunded !== undefined && { bonusesRefunded: data.bonusesRefunded }),
      }),
    };
    const now = isoNow();
    await this.insert.run({ orderId: data.orderId, userId: order.userId, chatId: r.telegram_id, step, chatMessageId: null, language: r.language, params: JSON.stringify(params), now });
  }

  /**
   * Call inside the transaction that stored a staff message of the order chat (chat/service.ts).
   * Whether the customer saw it live is decided at send time (bot/notifier.ts), as for the steps.
   */
  async staffMessage(order: { userId: number }, message: OrderMessage): Promise<void> {
    if (message.author.kind !== 'staff') return;
    const r = await this.recipient.get({ id: message.orderId });
    if (!r || r.telegram_id === null) return;
    const params: BotMessageParams = { orderNumber: r.order_number, deliveryType: r.delivery_type, staffName: message.author.name, text: message.text };
    const now = isoNow();
    await this.insert.run({
      orderId: message.orderId,
      userId: order.userId,
      chatId: r.telegram_id,
      step: 'chat',
      chatMessageId: message.id,
      language: r.language,
      params: JSON.stringify(params),
      now,
    });
  }
}
