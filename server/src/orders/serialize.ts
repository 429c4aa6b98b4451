import { toMajor, type Order, type OrderDetail, type OrderItem } from '@ordercast/shared';
import { sqlText, inJsonInts } from '../db/portable';
import { columnsOf } from '../db/rows';
import { orderItemOptions, orderItems, orders, orderStatusHistory, posSyncJobs } from '../db/schema';
import type { Sql } from '../db/sql';
import { byItem, type ItemOptionRow } from './options';

export type OrderRow = typeof orders.$inferSelect;
type ItemRow = typeof orderItems.$inferSelect;

/** What the wire shows of a chosen option (a stored row, or one just priced on the order path). */
type WireOption = Pick<ItemOptionRow, 'optionId' | 'groupName' | 'groupNameEn' | 'name' | 'nameEn' | 'price'>;
const NO_OPTIONS: ReadonlyMap<number, readonly WireOption[]> = new Map();

const toItem = (i: ItemRow, options: readonly WireOption[] = []): OrderItem => ({
  product_id: i.productId,
  name: i.name,
  // Orders placed before the English name was copied fall back to the Russian one.
  name_en: i.nameEn || i.name,
  price: toMajor(i.price),
  quantity: i.quantity,
  line_total: toMajor((i.price + options.reduce((sum, o) => sum + o.price, 0)) * i.quantity),
  options: options.map((o) => ({
    option_id: o.optionId,
    group_name: o.groupName,
    group_name_en: o.groupNameEn,
    name: o.name,
    name_en: o.nameEn,
    price: toMajor(o.price),
  })),
});

/** `options`: the chosen options by order line id (lines without any may be absent). */
export function toWireOrder(o: OrderRow, items: ItemRow[], customerName?: string, options: ReadonlyMap<number, readonly WireOption[]> = NO_OPTIONS): Order {
  return {
    id: o.id,
    order_number: o.orderNumber,
    user_id: o.userId,
    city_id: o.cityId,
    status: o.status,
    subtotal: toMajor(o.subtotal),
    bonuses_used: toMajor(o.bonusesUsed),
    // What the customer pays: the dishes less bonuses, plus delivery (the column holds the first part).
    total: toMajor(o.total + o.deliveryFee),
    bonuses_earned: toMajor(o.bonusesEarned),
    delivery_fee: toMajor(o.deliveryFee),
    delivery_zone_id: o.deliveryZoneId,
    items: items.map((i) => toItem(i, options.get(i.id))),
    delivery: {
      type: o.deliveryType,
      address: o.address,
      ...(o.deliveryLat !== null && o.deliveryLng !== null && { location: { lat: o.deliveryLat, lng: o.deliveryLng } }),
    },
    phone: o.phone,
    ...(customerName !== undefined && { customer_name: customerName }),
    comment: o.comment,
    cancel_reason: o.cancelReason,
    cancel_note: o.cancelNote,
    sync_status: o.syncStatus,
    pos_order_id: o.posOrderId,
    promised_at: o.promisedAt,
    restaurant_id: o.restaurantId,
    requested_time: o.requestedTime,
    payment_method: o.paymentMethod,
    payment_status: o.paymentStatus,
    payment: {
      method: o.paymentMethod,
      status: o.paymentStatus,
      change_from: o.changeFrom === null ? null : toMajor(o.changeFrom),
      pay_until: o.paymentMethod === 'online' && o.paymentStatus === 'unpaid' ? o.payUntil : null,
      paid_at: o.paidAt,
      telegram_payment_charge_id: o.telegramChargeId,
      provider_payment_charge_id: o.providerChargeId,
      refunded_at: o.refundedAt,
    },
    created_at: o.createdAt,
    updated_at: o.updatedAt,
  };
}

type HistoryRow = typeof orderStatusHistory.$inferSelect;
type JobRow = typeof posSyncJobs.$inferSelect;

/**
 * Orders as the wire shows them, read in a fixed number of statements whatever the page size
 * (ids passed as one JSON array parameter).
 */
export class OrderReader {
  private readonly q;

  constructor(sql: Sql) {
    this.q = {
      items: sql.prepare<{ ids: string }, ItemRow>(sqlText`SELECT ${columnsOf(orderItems)} FROM order_items WHERE ${inJsonInts('order_id', 'ids')} ORDER BY id`),
      options: sql.prepare<{ ids: string }, ItemOptionRow>(
        sqlText`SELECT ${columnsOf(orderItemOptions)} FROM order_item_options WHERE ${inJsonInts('order_item_id', 'ids')} ORDER BY id`,
      ),
      names: sql.prepare<{ ids: string }, { id: number; name: string }>(sqlText`SELECT id, name FROM users WHERE ${inJsonInts('id', 'ids')}`),
      history: sql.prepare<{ id: number }, HistoryRow>(`SELECT ${columnsOf(orderStatusHistory)} FROM order_status_history WHERE order_id = @id ORDER BY id`),
      customer: sql.prepare<{ id: number }, { id: number; name: string; phone: string | null; username: string | null }>(
        'SELECT id, name, phone, tg_username AS username FROM users WHERE id = @id',
      ),
      jobs: sql.prepare<{ id: number }, JobRow>(`SELECT ${columnsOf(posSyncJobs)} FROM pos_sync_jobs WHERE entity = 'order' AND entity_id = @id`),
    };
  }

  /** Orders with their items, the items' options and customers' names, three or four statements whatever the page size. */
  async withItems(rows: OrderRow[]): Promise<Order[]> {
    if (rows.length === 0) return [];
    const items = await this.q.items.all({ ids: JSON.stringify(rows.map((r) => r.id)) });
    const byOrder = new Map<number, ItemRow[]>();
    for (const i of items) {
      const list = byOrder.get(i.orderId);
      if (list) list.push(i);
      else byOrder.set(i.orderId, [i]);
    }
    const options = items.length ? byItem(await this.q.options.all({ ids: JSON.stringify(items.map((i) => i.id)) })) : undefined;
    const names = new Map((await this.q.names.all({ ids: JSON.stringify([...new Set(rows.map((r) => r.userId))]) })).map((u) => [u.id, u.name]));
    return rows.map((r) => toWireOrder(r, byOrder.get(r.id) ?? [], names.get(r.userId), options));
  }

  async detail(row: OrderRow): Promise<OrderDetail> {
    const [order] = await this.withItems([row]);
    const history = await this.q.history.all({ id: row.id });
    const customer = await this.q.customer.get({ id: row.userId });
    const jobs = await this.q.jobs.all({ id: row.id });
    const job = jobs.find((j) => j.kind === 'send');
    const cancelJob = jobs.find((j) => j.kind === 'cancel');
    return {
      ...order!,
      history: history.map((h) => ({
        from: h.fromStatus,
        to: h.toStatus,
        at: h.createdAt,
        source: h.source,
        by_user_id: h.byUserId,
        reason: h.reason,
      })),
      customer: customer ?? { id: row.userId, name: '', phone: null, username: null },
      sync: {
        status: row.syncStatus,
        attempts: job?.attempts ?? 0,
        last_error: job?.lastError ?? null,
        next_retry_at: job && (job.status === 'pending' || job.status === 'in_flight') && job.attempts > 0 ? job.nextAttemptAt : null,
        last_attempt_at: job?.lastAttemptAt ?? null,
        cancel: cancelJob
          ? { status: cancelJob.status, attempts: cancelJob.attempts, last_error: cancelJob.lastError, last_error_code: cancelJob.lastErrorCode }
          : null,
      },
    };
  }
}
