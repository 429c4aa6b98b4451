import type { FastifyBaseLogger } from 'fastify';
import { PAYMENT_METHODS, cleanText, type Order, type PaymentOptions } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import { assertCity } from '../auth/scope';
import type { Sql } from '../db/sql';
import { columnsOf } from '../db/rows';
import { orderItems, orders } from '../db/schema';
import { conflict, HttpError, notFound } from '../lib/errors';
import { isoNow } from '../lib/time';
import type { OrdersService } from '../orders/service';
import { toWireOrder, type OrderRow } from '../orders/serialize';
import type { OrderPayments } from './order-payment';

/** What Telegram's createInvoiceLink takes (the fields this project sends). */
export interface InvoiceParams {
  title: string;
  description: string;
  payload: string;
  provider_token: string;
  currency: string;
  prices: { label: string; amount: number }[];
}

export interface PaymentsDeps {
  sql: Sql;
  orders: Pick<OrdersService, 'changeStatus' | 'queuePosSend'>;
  payments: OrderPayments;
  /** The bot's createInvoiceLink (grammY); undefined with the bot off (then no online payment). */
  createInvoiceLink?: (p: InvoiceParams) => Promise<string>;
  log: FastifyBaseLogger;
}

export interface PaymentsConfig {
  providerToken: string | null;
  currency: string;
  onlineTimeoutS: number;
}

/** A pre_checkout_query as the bot receives it (the fields checked). */
export interface PreCheckout {
  fromTelegramId: number;
  payload: string;
  currency: string;
  totalAmount: number;
}

export interface SuccessfulPayment extends PreCheckout {
  telegramChargeId: string;
  providerChargeId: string;
}

export type PaymentOutcome = 'paid' | 'refund_due' | 'duplicate' | 'unknown';

/** The invoice payload names the order; Telegram hands it back on pre-checkout and payment. */
const PAYLOAD = /^order:(\d{1,12})$/;
export const invoicePayload = (orderId: number) => `order:${orderId}`;

/**
 * Paying online through Telegram (issue 17): the invoice link of an order, the answer to
 * Telegram's pre-checkout question, the payment itself (the order then goes to the kitchen),
 * cancelling orders left unpaid, and staff marking a refund done.
 */
export class PaymentsService {
  private readonly q;

  constructor(
    private readonly deps: PaymentsDeps,
    readonly config: PaymentsConfig,
  ) {
    const sql = deps.sql;
    const ORDER = columnsOf(orders);
    this.q = {
      order: sql.prepare<{ id: number }, OrderRow>(`SELECT ${ORDER} FROM orders WHERE id = @id`),
      // SQLite: the write transaction already excludes every other writer. PostgreSQL: the order's
      // row is locked until commit, so a cancel (or a second delivery of the payment) running at
      // the same time waits, and what this transaction decided from the row still holds.
      lockedOrder: sql.prepare<{ id: number }, OrderRow>({
        sqlite: `SELECT ${ORDER} FROM orders WHERE id = @id`,
        postgres: `SELECT ${ORDER} FROM orders WHERE id = @id FOR UPDATE`,
      }),
      ownerTelegramId: sql.prepare<{ id: number }, { telegram_id: number | null }>('SELECT telegram_id FROM users WHERE id = @id'),
      byCharge: sql.prepare<{ charge: string }, { id: number }>('SELECT id FROM orders WHERE telegram_payment_charge_id = @charge'),
      items: sql.prepare<{ id: number }, typeof orderItems.$inferSelect>(`SELECT ${columnsOf(orderItems)} FROM order_items WHERE order_id = @id ORDER BY id`),
      userName: sql.prepare<{ id: number }, { name: string }>('SELECT name FROM users WHERE id = @id'),
      saveLink: sql.prepare<{ id: number; link: string }>('UPDATE orders SET invoice_link = @link WHERE id = @id AND invoice_link IS NULL'),
      // The partial index orders_unpaid_online_idx answers this without touching other orders.
      overdue: sql.prepare<{ now: string }, { id: number }>(
        `SELECT id FROM orders WHERE payment_method = 'online' AND payment_status = 'unpaid' AND pay_until <= @now ORDER BY pay_until LIMIT 100`,
      ),
    };
  }

  /** Online payment needs a provider token and the bot (whose Bot API makes the invoice). */
  get onlineEnabled(): boolean {
    return this.config.providerToken !== null && this.deps.createInvoiceLink !== undefined;
  }

  options(): PaymentOptions {
    return {
      methods: PAYMENT_METHODS.filter((m) => m !== 'online' || this.onlineEnabled),
      online_timeout_s: this.config.onlineTimeoutS,
      currency: this.config.currency,
    };
  }

  /** Why an order cannot be paid now, or null when it can (the same rule for the invoice and the pre-checkout). */
  private whyNotPayable(row: OrderRow, now: number): string | null {
    if (row.paymentMethod !== 'online') return 'This order is paid on receipt, not online';
    if (row.paymentStatus !== 'unpaid') return 'This order is already paid';
    if (row.status !== 'pending' && row.status !== 'confirmed') return `This order is ${row.status}`;
    if (row.payUntil && Date.parse(row.payUntil) <= now) return 'The time to pay this order has run out';
    return null;
  }

  /**
   * The Telegram invoice link for the customer's own unpaid online order (made once, then
   * reused). The Bot API call runs outside any transaction; a Telegram failure is a 502.
   */
  async invoiceFor(principal: Principal, orderId: number): Promise<{ url: string; pay_until: string | null }> {
    const row = await this.q.order.get({ id: orderId });
    if (!row || row.userId !== principal.userId) throw notFound(`Order ${orderId} not found`);
    const why = this.whyNotPayable(row, Date.now());
    if (why) throw conflict(why, 'not_payable');
    if (row.invoiceLink) return { url: row.invoiceLink, pay_until: row.payUntil };
    const create = this.deps.createInvoiceLink;
    if (!create || this.config.providerToken === null) throw new HttpError(503, 'online_payment_unavailable', 'Online payment is not available');
    const items = await this.q.items.all({ id: row.id });
    const description = items.map((i) => `${i.quantity} × ${i.name}`).join(', ');
    let url: string;
    try {
      url = await create({
        title: `Order ${row.orderNumber}`.slice(0, 32),
        description: (description || `Order ${row.orderNumber}`).slice(0, 255),
        payload: invoicePayload(row.id),
        provider_token: this.config.providerToken,
        currency: this.config.currency,
        // Stored in minor units, which is what Telegram's amounts are.
        prices: [
          { label: `Order ${row.orderNumber}`, amount: row.total },
          // The delivery fee is stored beside the total (see schema.ts): its own line on the invoice.
          ...(row.deliveryFee > 0 ? [{ label: 'Delivery', amount: row.deliveryFee }] : []),
        ],
      });
    } catch (err) {
      this.deps.log.warn({ err, orderId }, 'createInvoiceLink failed');
      throw new HttpError(502, 'telegram_unavailable', 'Telegram did not make the invoice; try again in a moment');
    }
    await this.deps.sql.tx(() => this.q.saveLink.run({ id: row.id, link: url }));
    return { url: (await this.q.order.get({ id: orderId }))?.invoiceLink ?? url, pay_until: row.payUntil };
  }

  /**
   * Telegram asks before charging (the bot must answer within 10 s): yes only for the payer's own
   * order that is still payable, for exactly its total in the invoice currency. A read, no write.
   */
  async preCheckout(q: PreCheckout): Promise<{ ok: true } | { ok: false; error_message: string }> {
    const m = PAYLOAD.exec(q.payload);
    const row = m ? await this.q.order.get({ id: Number(m[1]) }) : undefined;
    if (!row) return { ok: false, error_message: 'This order was not found.' };
    if ((await this.q.ownerTelegramId.get({ id: row.userId }))?.telegram_id !== q.fromTelegramId) return { ok: false, error_message: 'This order belongs to someone else.' };
    const why = this.whyNotPayable(row, Date.now());
    if (why) return { ok: false, error_message: `${why}.` };
    if (q.currency !== this.config.currency || q.totalAmount !== row.total + row.deliveryFee) {
      return { ok: false, error_message: 'The amount has changed: open the order again to pay the current total.' };
    }
    return { ok: true };
  }

  /**
   * `successful_payment`: the money is taken. The order is paid (charge ids kept) and goes to the
   * kitchen. Delivered twice, it is applied once. Paid after all (a race with the expiry or a
   * cancel): the money is owed back, so it is `refund_due` with the charge ids for staff.
   */
  async paid(p: SuccessfulPayment): Promise<{ orderId: number; orderNumber: string; outcome: PaymentOutcome }> {
    // Logged after the transaction: it may be retried (PostgreSQL), a log line must not be written twice.
    const logs: (() => void)[] = [];
    const result = await this.deps.sql.tx(async () => {
      logs.length = 0;
      const m = PAYLOAD.exec(p.payload);
      // Locked first: the charge is then checked after any concurrent delivery of it has committed.
      const row = m ? await this.q.lockedOrder.get({ id: Number(m[1]) }) : undefined;
      const seen = await this.q.byCharge.get({ charge: p.telegramChargeId });
      if (seen) return { orderId: seen.id, orderNumber: (await this.q.order.get({ id: seen.id }))?.orderNumber ?? '', outcome: 'duplicate' as const };
      if (!row) {
        logs.push(() => this.deps.log.error({ payload: p.payload, charge: p.telegramChargeId }, 'a payment for an unknown order: refund it at the provider'));
        return { orderId: 0, orderNumber: '', outcome: 'unknown' as const };
      }
      const at = isoNow();
      const charges = { tgCharge: p.telegramChargeId, providerCharge: p.providerChargeId };
      if (row.paymentStatus === 'unpaid' && row.status !== 'cancelled') {
        if (p.totalAmount !== row.total + row.deliveryFee) {
          logs.push(() => this.deps.log.warn({ orderId: row.id, paid: p.totalAmount, total: row.total + row.deliveryFee }, 'an order was paid a different amount'));
        }
        const updated = await this.deps.payments.move(row, 'paid', at, charges);
        if (updated) {
          await this.deps.orders.queuePosSend(updated);
          return { orderId: row.id, orderNumber: row.orderNumber, outcome: 'paid' as const };
        }
      }
      // This money must go back. Cancelled while the customer paid: recorded as paid, then owed
      // (staff see the charge ids). Already paid by another charge: only the log can say so.
      const now = (await this.q.order.get({ id: row.id }))!;
      if (now.status === 'cancelled' && now.paymentStatus === 'unpaid') {
        const paidRow = await this.deps.payments.move(now, 'paid', at, charges);
        if (paidRow) await this.deps.payments.move(paidRow, 'refund_due', at);
      }
      logs.push(() => this.deps.log.warn(
        { orderId: row.id, status: now.status, payment: now.paymentStatus, charge: p.telegramChargeId, providerCharge: p.providerChargeId },
        'a payment arrived for an order that cannot take it: refund it at the provider',
      ));
      return { orderId: row.id, orderNumber: row.orderNumber, outcome: 'refund_due' as const };
    });
    for (const l of logs) l();
    return result;
  }

  /**
   * Online orders still unpaid past their time are cancelled (`not_paid`) through the ordinary
   * cancel, so their bonuses come back and the customer is told. Returns how many.
   */
  async expireOverdue(now = new Date()): Promise<number> {
    const due = await this.q.overdue.all({ now: now.toISOString() });
    let n = 0;
    for (const { id } of due) {
      try {
        await this.deps.sql.tx(() => this.deps.orders.changeStatus({ source: 'system' }, id, 'cancelled', 'not_paid'));
        n++;
      } catch (err) {
        // Moved meanwhile (paid, cancelled, or past where a cancel is allowed): nothing to expire.
        if (!(err instanceof HttpError)) throw err;
        this.deps.log.info({ orderId: id, code: err.code }, 'unpaid online order not expired');
      }
    }
    return n;
  }

  /** Staff refunded at the provider: `refund_due → refunded` (staff of the order's city). */
  async markRefunded(principal: Principal, orderId: number, note?: string): Promise<Order> {
    let logNote: (() => void) | undefined;
    const order = await this.deps.sql.tx(async () => {
      const row = await this.q.order.get({ id: orderId });
      if (!row) throw notFound(`Order ${orderId} not found`);
      assertCity(principal, row.cityId);
      if (row.paymentStatus !== 'refund_due') throw conflict(`Order ${row.orderNumber} has no refund due (payment ${row.paymentStatus})`, 'no_refund_due');
      const updated = await this.deps.payments.move(row, 'refunded', isoNow());
      if (!updated) throw conflict(`Order ${row.orderNumber} changed meanwhile; reload and retry`, 'stale_status');
      const clean = note ? cleanText(note, { multiline: true }) : '';
      logNote = clean ? () => this.deps.log.info({ orderId, by: principal.userId, note: clean }, 'refund marked done') : undefined;
      const items = await this.q.items.all({ id: row.id });
      const name = (await this.q.userName.get({ id: row.userId }))?.name;
      return toWireOrder(updated, items, name);
    });
    logNote?.();
    return order;
  }
}
