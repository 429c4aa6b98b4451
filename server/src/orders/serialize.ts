import { and, asc, eq, inArray } from 'drizzle-orm';
import { toMajor, type Order, type OrderDetail, type OrderItem } from '@ordercast/shared';
import type { Db } from '../db/client';
import { orderItemOptions, orderItems, orders, orderStatusHistory, posSyncJobs, users } from '../db/schema';
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

/** Orders with their items, the items' options and customers' names, four queries whatever the page size. */
export function withItems(db: Db, rows: OrderRow[]): Order[] {
  if (rows.length === 0) return [];
  const items = db
    .select()
    .from(orderItems)
    .where(inArray(orderItems.orderId, rows.map((r) => r.id)))
    .orderBy(asc(orderItems.id))
    .all();
  const byOrder = new Map<number, ItemRow[]>();
  for (const i of items) {
    const list = byOrder.get(i.orderId);
    if (list) list.push(i);
    else byOrder.set(i.orderId, [i]);
  }
  const options = items.length
    ? byItem(
        db
          .select()
          .from(orderItemOptions)
          .where(inArray(orderItemOptions.orderItemId, items.map((i) => i.id)))
          .orderBy(asc(orderItemOptions.id))
          .all(),
      )
    : undefined;
  const names = new Map(
    db
      .select({ id: users.id, name: users.name })
      .from(users)
      .where(inArray(users.id, [...new Set(rows.map((r) => r.userId))]))
      .all()
      .map((u) => [u.id, u.name]),
  );
  return rows.map((r) => toWireOrder(r, byOrder.get(r.id) ?? [], names.get(r.userId), options));
}

export function detail(db: Db, row: OrderRow): OrderDetail {
  const [order] = withItems(db, [row]);
  const history = db
    .select()
    .from(orderStatusHistory)
    .where(eq(orderStatusHistory.orderId, row.id))
    .orderBy(asc(orderStatusHistory.id))
    .all();
  const customer = db
    .select({ id: users.id, name: users.name, phone: users.phone, username: users.tgUsername })
    .from(users)
    .where(eq(users.id, row.userId))
    .get();
  const jobs = db.select().from(posSyncJobs).where(and(eq(posSyncJobs.entity, 'order'), eq(posSyncJobs.entityId, row.id))).all();
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
