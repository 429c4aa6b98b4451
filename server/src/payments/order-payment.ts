import { toMinor, type OrderStatus, type PaymentChoice, type PaymentMethod, type PaymentStatus } from '@ordercast/shared';
import type { Sql } from '../db/sql';
import { columnsOf } from '../db/rows';
import { orders } from '../db/schema';
import type { Announce } from '../events/announce';
import { badRequest, unprocessable } from '../lib/errors';
import type { OrderRow } from '../orders/serialize';

export interface PaymentSettings {
  /** Seconds an online order may stay unpaid. */
  onlineTimeoutS: number;
  /** Whether online payment is offered at all (a provider token and the bot). */
  onlineEnabled: boolean;
}

/** What checkout chose, checked against the order's total; written onto the order right after it is inserted. */
export interface CheckedPayment {
  method: PaymentMethod;
  changeFrom: number | null;
  payUntil: string | null;
}

type PaymentUpdate = {
  id: number;
  from: PaymentStatus;
  to: PaymentStatus;
  at: string;
  paidAt: string | null;
  tgCharge: string | null;
  providerCharge: string | null;
  refundedAt: string | null;
};

/**
 * The payment side of an order's own life, inside the order's transactions: the checkout's
 * choice, and what a status move does to the money (a paid order cancelled now owes a refund; an
 * order paid on receipt is paid once completed). Telegram's side (invoices, pre-checkout, the
 * payment itself, expiry) is PaymentsService, which uses this to write.
 */
export class OrderPayments {
  private readonly q;

  constructor(
    sql: Sql,
    private readonly announce: Pick<Announce, 'orderPaymentUpdated'>,
    readonly settings: PaymentSettings,
  ) {
    const ORDER = columnsOf(orders);
    this.q = {
      attach: sql.prepare<{ id: number; method: PaymentMethod; changeFrom: number | null; payUntil: string | null }, OrderRow>(
        `UPDATE orders SET payment_method = @method, change_from = @changeFrom, pay_until = @payUntil WHERE id = @id RETURNING ${ORDER}`,
      ),
      // Guarded by the status read: two deliveries of one payment (or a payment racing a cancel) apply once.
      move: sql.prepare<PaymentUpdate, OrderRow>(
        `UPDATE orders SET payment_status = @to, updated_at = @at, paid_at = coalesce(@paidAt, paid_at),
           telegram_payment_charge_id = coalesce(@tgCharge, telegram_payment_charge_id),
           provider_payment_charge_id = coalesce(@providerCharge, provider_payment_charge_id),
           refunded_at = coalesce(@refundedAt, refunded_at)
         WHERE id = @id AND payment_status = @from RETURNING ${ORDER}`,
      ),
    };
  }

  /**
   * The checkout's choice, before anything is written: no choice is cash on receipt (as orders
   * were before payments); "change from" only with cash and not below the total; online only
   * where it is offered.
   */
  check(choice: PaymentChoice | undefined, totalMinor: number, createdAt: Date): CheckedPayment {
    const method = choice?.method ?? 'cash';
    if (choice?.changeFrom !== undefined) {
      if (method !== 'cash') throw badRequest('payment.changeFrom goes only with cash', 'change_only_cash');
      if (toMinor(choice.changeFrom) < totalMinor) throw badRequest('payment.changeFrom is less than the total to pay', 'change_too_small');
    }
    if (method === 'online' && !this.settings.onlineEnabled) {
      throw unprocessable('Online payment is not available; choose card or cash on receipt', 'online_payment_unavailable');
    }
    return {
      method,
      changeFrom: choice?.changeFrom === undefined ? null : toMinor(choice.changeFrom),
      payUntil: method === 'online' ? new Date(createdAt.getTime() + this.settings.onlineTimeoutS * 1000).toISOString() : null,
    };
  }

  /** Writes the choice on the just-inserted order; the columns' defaults (cash, unpaid) need no write. */
  async attach(row: OrderRow, p: CheckedPayment): Promise<OrderRow> {
    if (p.method === row.paymentMethod && p.changeFrom === null && p.payUntil === null) return row;
    return (await this.q.attach.get({ id: row.id, method: p.method, changeFrom: p.changeFrom, payUntil: p.payUntil })) ?? row;
  }

  /** Whether the kitchen (POS) gets the order when it is placed; an online one only once paid. */
  toKitchenAtOnce(p: CheckedPayment): boolean {
    return p.method !== 'online';
  }

  /**
   * Moves the money of `row` from its current payment status to `to` and announces it; undefined
   * when it was no longer in `row.paymentStatus`.
   */
  async move(
    row: OrderRow,
    to: PaymentStatus,
    at: string,
    extra: { tgCharge?: string; providerCharge?: string } = {},
  ): Promise<OrderRow | undefined> {
    const updated = await this.q.move.get({
      id: row.id,
      from: row.paymentStatus,
      to,
      at,
      paidAt: to === 'paid' ? at : null,
      tgCharge: extra.tgCharge ?? null,
      providerCharge: extra.providerCharge ?? null,
      refundedAt: to === 'refunded' ? at : null,
    });
    if (!updated) return undefined;
    await this.announce.orderPaymentUpdated(updated, {
      orderId: updated.id,
      method: updated.paymentMethod,
      status: to,
      oldStatus: row.paymentStatus,
      telegramChargeId: updated.telegramChargeId,
      providerChargeId: updated.providerChargeId,
      timestamp: at,
    });
    return updated;
  }

  /**
   * Called by every status move, in its transaction: a cancelled order that was paid online now
   * owes the customer a refund; one paid on receipt is paid once completed (handed over).
   */
  async statusMoved(row: OrderRow, to: OrderStatus, at: string): Promise<OrderRow> {
    if (to === 'cancelled' && row.paymentStatus === 'paid') return (await this.move(row, 'refund_due', at)) ?? row;
    if (to === 'completed' && row.paymentMethod !== 'online' && row.paymentStatus === 'unpaid') return (await this.move(row, 'paid', at)) ?? row;
    return row;
  }
}
