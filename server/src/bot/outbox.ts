import type Database from 'better-sqlite3';
import type { OrderStatus, OrderStatusUpdated } from '@ordercast/shared';
import type { Db } from '../db/client';
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
}

/** The steps worth a chat message: `ready` only for pickup (a delivery order's next word is "on its way"). */
export function stepOf(to: OrderStatus, deliveryType: 'delivery' | 'pickup'): BotStep | null {
  if (to === 'ready') return deliveryType === 'pickup' ? 'ready' : null;
  return (BOT_STEPS as readonly string[]).includes(to) ? (to as BotStep) : null;
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
 * down cannot fail or delay an order.
 */
export class BotOutbox {
  private readonly recipient: Database.Statement<[number], Recipient>;
  private readonly insert: Database.Statement<Record<string, unknown>>;

  constructor(db: Db) {
    const sqlite = db.$client;
    this.recipient = sqlite.prepare(
      `SELECT o.order_number, o.delivery_type, o.promised_at, c.timezone, u.telegram_id, u.language
         FROM orders o JOIN users u ON u.id = o.user_id JOIN cities c ON c.id = o.city_id
        WHERE o.id = ? AND u.role = 'customer' AND (u.bot_started_at IS NOT NULL OR u.bot_write_access = 1) AND u.bot_blocked_at IS NULL`,
    );
    // One message per order and step, whatever happens (the unique index): a repeat is ignored.
    this.insert = sqlite.prepare(
      `INSERT OR IGNORE INTO bot_messages (order_id, user_id, chat_id, step, language, params, next_attempt_at, created_at, updated_at)
       VALUES (@orderId, @userId, @chatId, @step, @language, @params, @now, @now, @now)`,
    );
  }

  /** Call inside the transaction that moved the order. */
  statusChanged(order: { userId: number }, data: OrderStatusUpdated): void {
    const r = this.recipient.get(data.orderId);
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
    this.insert.run({ orderId: data.orderId, userId: order.userId, chatId: r.telegram_id, step, language: r.language, params: JSON.stringify(params), now });
  }
}
