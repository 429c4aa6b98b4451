import { createHash } from 'node:crypto';
import stableStringify from 'safe-stable-stringify';
import {
  CANCEL_REASONS,
  ORDER_STATUSES,
  awaitsPayment,
  bonusCapMinor,
  earnedBonuses,
  canTransition,
  cleanText,
  customerCanCancel,
  toMajor,
  toMinor,
  type AdminOrdersQuery,
  type CancelReason,
  type CreateOrderBody,
  type EtaChangeBody,
  type Order,
  type OrderDetail,
  type OrderList,
  type OrderStatus,
} from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import { assertCity } from '../auth/scope';
import { seesAllCities } from '@ordercast/shared';
import type { BonusLedger } from '../bonuses/ledger';
import { catalogueVersion, type CatalogueVersion } from '../db/catalogue-version';
import { inJsonInts, inJsonTexts, NOW_ISO, sqlText, StatementCache } from '../db/portable';
import { columnsOf, defaultsOf } from '../db/rows';
import { orderItems, orders } from '../db/schema';
import type { Sql, SqlText, Statement } from '../db/sql';
import type { Announce } from '../events/announce';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../lib/errors';
import { isoNow, localDay } from '../lib/time';
import type { RestaurantsService } from '../restaurants/service';
import type { OrderPayments } from '../payments/order-payment';
import { canonicalBody, lineKey, OrderOptions, sortedOptions, type ChosenOption } from './options';
import { OrderCatalogue } from './catalogue';
import type { DeliveryPricing } from '../zones/delivery';
import { OrderReader, toWireOrder, type OrderRow } from './serialize';

export interface OrderSettings {
  earnRate: number;
  maxShare: number;
}

/** Who moves an order: a staff member, the customer, the POS kitchen (webhook) or the system. */
export type Actor = { source: 'staff' | 'customer'; principal: Principal } | { source: 'pos' | 'system' };

type ItemRow = typeof orderItems.$inferSelect;
/** The columns a new order's INSERT names (`updatedAt` is `createdAt`); the rest take their defaults (ORDER_DEFAULTS). */
const NEW_ORDER_COLUMNS = [
  'orderNumber', 'orderDay', 'cityId', 'userId', 'subtotal', 'bonusesUsed', 'total', 'bonusesEarned', 'deliveryType', 'address', 'phone', 'comment',
  'idempotencyKey', 'idempotencyHash', 'createdAt', 'updatedAt', 'restaurantId', 'promisedAt', 'requestedTime', 'deliveryFee', 'deliveryZoneId', 'deliveryLat', 'deliveryLng',
] as const satisfies readonly (keyof OrderRow)[];
type NewOrderParams = Pick<OrderRow, Exclude<(typeof NEW_ORDER_COLUMNS)[number], 'updatedAt'>>;
/** A new order's other columns, as the schema's defaults fill them (computed once, at start). */
const ORDER_DEFAULTS = defaultsOf(orders, NEW_ORDER_COLUMNS) as Omit<OrderRow, (typeof NEW_ORDER_COLUMNS)[number] | 'id'>;
type NewItemParams = Omit<ItemRow, 'id'>;

/**
 * A new order's stored row: what its INSERT named, the schema's defaults for the rest (instead of a
 * 39-column RETURNING, server/bench/README.md). Written out as one object literal, so every row has
 * one shape and the compiler checks that no column is left out when the table grows.
 */
function newOrderRow(id: number, v: NewOrderParams, d: typeof ORDER_DEFAULTS = ORDER_DEFAULTS): OrderRow {
  return {
    id, orderNumber: v.orderNumber, orderDay: v.orderDay, cityId: v.cityId, userId: v.userId, status: d.status, subtotal: v.subtotal,
    bonusesUsed: v.bonusesUsed, total: v.total, bonusesEarned: v.bonusesEarned, deliveryType: v.deliveryType, address: v.address, phone: v.phone,
    comment: v.comment, cancelReason: d.cancelReason, cancelNote: d.cancelNote, idempotencyKey: v.idempotencyKey, idempotencyHash: v.idempotencyHash,
    syncStatus: d.syncStatus, posOrderId: d.posOrderId, restaurantId: v.restaurantId, promisedAt: v.promisedAt, requestedTime: v.requestedTime,
    paymentMethod: d.paymentMethod, paymentStatus: d.paymentStatus, changeFrom: d.changeFrom, payUntil: d.payUntil, invoiceLink: d.invoiceLink,
    paidAt: d.paidAt, telegramChargeId: d.telegramChargeId, providerChargeId: d.providerChargeId, refundedAt: d.refundedAt,
    deliveryFee: v.deliveryFee, deliveryZoneId: v.deliveryZoneId, deliveryLat: v.deliveryLat, deliveryLng: v.deliveryLng, createdAt: v.createdAt,
    updatedAt: v.createdAt, completedAt: d.completedAt,
  };
}

type HistoryParams = { orderId: number; fromStatus: OrderStatus | null; toStatus: OrderStatus; source: Actor['source']; byUserId: number | null; reason: string | null; createdAt: string };
type MoveParams = { id: number; from: OrderStatus; to: OrderStatus; at: string; completedAt: string | null; cancelReason: CancelReason | null; cancelNote: string | null };
/** Why a cancel happened: a code from CANCEL_REASONS and optional free text. */
export type CancelInfo = { reason: CancelReason; note: string | null };

const awaitingPayment = (o: OrderRow) => awaitsPayment(o.paymentMethod, o.paymentStatus);

const isCancelReason = (r: string | undefined): r is CancelReason => (CANCEL_REASONS as readonly string[]).includes(r ?? '');

export interface CreateResult {
  order: Order;
  /** True when an Idempotency-Key matched an earlier order: nothing new was written. */
  replayed: boolean;
}

/**
 * An order number typed with or without its city prefix, in any case: `m-13`, `M0013` → `M-0013`;
 * `13` or `0013` → that number in every city (`?-0013`, and an unprefixed `0013` of older orders).
 * Returns the exact number and the suffix (`-0013`) that any city's number may end with.
 */
function numberMatches(term: string): { exact: string | null; suffix: string | null } {
  const prefixed = /^([A-Za-z]{1,3})-?(\d{1,9})$/.exec(term);
  if (prefixed) return { exact: `${prefixed[1]!.toUpperCase()}-${prefixed[2]!.padStart(4, '0')}`, suffix: null };
  if (!/^\d{1,9}$/.test(term)) return { exact: null, suffix: null };
  const padded = term.padStart(4, '0');
  return { exact: padded, suffix: `-${padded}` };
}

/** A term that could be an order's id: digits within the ids a database holds (a longer number is no id, and PostgreSQL's bigint refuses it). */
function idOf(term: string): number | null {
  const n = /^\d{1,16}$/.test(term) ? Number(term) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** Parameters of the staff list's statement (its text depends on which are present). */
type StaffListParams = {
  cityId?: number;
  cities?: string;
  statuses?: string;
  paymentStatus?: string;
  term?: string;
  exact?: string | null;
  suffix?: string | null;
  id?: number | null;
  phone?: string;
  limit: number;
  offset: number;
};

/**
 * Orders and everything that must change with them. Every method that writes runs inside the
 * caller's write transaction (`app.tx`), so the order, its ledger rows, its POS job and its
 * events commit together or not at all.
 */
export class OrdersService {
  /**
   * The order path's statements, prepared once on better-sqlite3 itself, rows in the schema's
   * shape (see columnsOf): drizzle's query building, then its per-row mapping, dominated profiles
   * of this path before. Everything off the path (lists, details) stays on drizzle.
   */
  private readonly q;
  /** Pricing, checking and storing the chosen options of order lines. */
  private readonly options: OrderOptions;
  /** The city and its priced dishes, in memory while the catalogue is unchanged (./catalogue.ts). */
  private readonly catalogue: OrderCatalogue;
  private readonly version: CatalogueVersion;
  private readonly reader: OrderReader;
  /** The staff list's statements, one per combination of filters. */
  private readonly staffLists: StatementCache<{ page: Statement<StaffListParams, OrderRow>; count: Statement<StaffListParams, { n: number }> }>;

  constructor(
    private readonly sql: Sql,
    private readonly ledger: BonusLedger,
    private readonly announce: Pick<Announce, 'newOrder' | 'orderCreated' | 'orderStatusUpdated' | 'orderEtaUpdated'>,
    private readonly settings: OrderSettings,
    /** Where an order is cooked and by when (pauses, opening hours, busy mode). */
    private readonly venues: Pick<RestaurantsService, 'placement'>,
    /** How it is paid (issue 17): the checkout's choice, and what a move does to the money. */
    private readonly payments?: OrderPayments,
    /** Delivery zones: where the address is, its fee and minimum, the address kept (zones/delivery.ts). */
    private readonly delivery?: Pick<DeliveryPricing, 'plan' | 'options' | 'charge' | 'remember'>,
  ) {
    this.options = new OrderOptions(sql);
    this.catalogue = new OrderCatalogue(sql);
    this.version = catalogueVersion(sql);
    this.reader = new OrderReader(sql);
    const ORDER = columnsOf(orders);
    const ITEM = columnsOf(orderItems);
    this.staffLists = new StatementCache((where: SqlText) => {
      const w = typeof where === 'string' ? { sqlite: where, postgres: where } : where;
      return {
        page: sql.prepare<StaffListParams, OrderRow>(sqlText`SELECT ${ORDER} FROM orders ${w} ORDER BY id DESC LIMIT @limit OFFSET @offset`),
        count: sql.prepare<StaffListParams, { n: number }>(sqlText`SELECT count(*) AS n FROM orders ${w}`),
      };
    });
    this.q = {
      customerPage: sql.prepare<{ userId: number; limit: number; offset: number }, OrderRow>(
        `SELECT ${ORDER} FROM orders WHERE user_id = @userId ORDER BY id DESC LIMIT @limit OFFSET @offset`,
      ),
      customerCount: sql.prepare<{ userId: number }, { n: number }>('SELECT count(*) AS n FROM orders WHERE user_id = @userId'),
      byIdempotencyKey: sql.prepare<{ userId: number; key: string }, OrderRow>(
        `SELECT ${ORDER} FROM orders WHERE user_id = @userId AND idempotency_key = @key`,
      ),
      // Only the id and the customer's name (for the staff cards) come back: the row is built from
      // what was inserted and the schema's defaults (defaultsOf), not returned column by column.
      insertOrder: sql.prepare<NewOrderParams, { id: number; customerName: string | null }>(
        `INSERT INTO orders (order_number, order_day, city_id, user_id, subtotal, bonuses_used, total, bonuses_earned,
           delivery_type, address, phone, comment, idempotency_key, idempotency_hash, created_at, updated_at,
           restaurant_id, promised_at, requested_time, delivery_fee, delivery_zone_id, delivery_lat, delivery_lng)
         VALUES (@orderNumber, @orderDay, @cityId, @userId, @subtotal, @bonusesUsed, @total, @bonusesEarned,
           @deliveryType, @address, @phone, @comment, @idempotencyKey, @idempotencyHash, @createdAt, @createdAt,
           @restaurantId, @promisedAt, @requestedTime, @deliveryFee, @deliveryZoneId, @deliveryLat, @deliveryLng)
         RETURNING id, (SELECT name FROM users WHERE id = @userId) AS "customerName"`,
      ),
      // Every column named: the line's row is what was inserted and its id.
      insertItem: sql.prepare<NewItemParams, { id: number }>(
        `INSERT INTO order_items (order_id, product_id, name, name_en, price, quantity)
         VALUES (@orderId, @productId, @name, @nameEn, @price, @quantity) RETURNING id`,
      ),
      insertHistory: sql.prepare<HistoryParams>(
        `INSERT INTO order_status_history (order_id, from_status, to_status, source, by_user_id, reason, created_at)
         VALUES (@orderId, @fromStatus, @toStatus, @source, @byUserId, @reason, @createdAt)`,
      ),
      insertJob: sql.prepare<{ orderId: number; cityId: number; at: string }>(
        `INSERT INTO pos_sync_jobs (entity, entity_id, city_id, next_attempt_at) VALUES ('order', @orderId, @cityId, @at)`,
      ),
      // The POS has the order and it was cancelled: tell it, through the outbox (at most one such job per order).
      insertCancelJob: sql.prepare<{ orderId: number; cityId: number; at: string }>(
        `INSERT INTO pos_sync_jobs (entity, entity_id, kind, city_id, next_attempt_at) VALUES ('order', @orderId, 'cancel', @cityId, @at)
         ON CONFLICT (entity, entity_id, kind) DO NOTHING`,
      ),
      orderById: sql.prepare<{ id: number }, OrderRow>(`SELECT ${ORDER} FROM orders WHERE id = @id`),
      customerName: sql.prepare<{ id: number }, { name: string }>('SELECT name FROM users WHERE id = @id'),
      itemsOf: sql.prepare<{ id: number }, ItemRow>(`SELECT ${ITEM} FROM order_items WHERE order_id = @id ORDER BY id`),
      // Guarded by the status we read: a concurrent move of the same order cannot be applied twice.
      // Null parameters keep the column's value (completed_at and the cancel's reason are set once).
      moveTo: sql.prepare<MoveParams, OrderRow>(
        `UPDATE orders SET status = @to, updated_at = @at,
           completed_at = coalesce(@completedAt, completed_at), cancel_reason = coalesce(@cancelReason, cancel_reason),
           cancel_note = coalesce(@cancelNote, cancel_note)
         WHERE id = @id AND status = @from
         RETURNING ${ORDER}`,
      ),
      // A cancel before the POS has the order: its job (waiting or given up; one being sent is left to
      // finish) is cancelled, and the order says not_sent. One the POS already has is left as it is.
      cancelUnsentJob: sql.prepare<{ id: number; at: string }>(
        `UPDATE pos_sync_jobs SET status = 'cancelled', lease_until = NULL, last_error_code = 'cancelled',
           last_error = 'Order was cancelled before it reached the POS', updated_at = @at, done_at = @at
         WHERE entity = 'order' AND entity_id = @id AND kind = 'send' AND status IN ('pending', 'failed')`,
      ),
      markNotSent: sql.prepare<{ id: number; at: string }, OrderRow>(
        `UPDATE orders SET sync_status = 'not_sent', updated_at = @at WHERE id = @id AND sync_status <> 'synced' RETURNING ${ORDER}`,
      ),
      // Guarded like a move: an order completed or cancelled since it was read keeps its time.
      moveEta: sql.prepare<{ id: number; promisedAt: string; at: string }, OrderRow>(
        `UPDATE orders SET promised_at = @promisedAt, updated_at = @at WHERE id = @id AND status NOT IN ('completed', 'cancelled') RETURNING ${ORDER}`,
      ),
      nextSeq: sql.prepare<{ key: string }, { value: string }>(
        sqlText`INSERT INTO system_state (key, value) VALUES (@key, '1')
         ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(system_state.value AS INTEGER) + 1 AS TEXT), updated_at = ${NOW_ISO}
         RETURNING value`,
      ),
    };
  }

  async create(principal: Principal, body: CreateOrderBody, idempotencyKey: string | null): Promise<CreateResult> {
    if (principal.role !== 'customer') throw forbidden('Only customers place orders', 'customers_only');
    // Free text is cleaned (controls, bidi overrides) before it is stored and sent to the POS.
    let address = body.delivery.type === 'delivery' ? cleanText(body.delivery.address ?? '') : null;
    if (address === '' && body.delivery.addressId === undefined) throw badRequest('A delivery order needs delivery.address', 'address_required');
    // Keys sorted at every depth: the same order re-serialised by another client (or library) is
    // the same request, and replays instead of being refused as a different one.
    const requestHash = idempotencyKey ? createHash('sha256').update(stableStringify(canonicalBody(body))).digest('hex') : null;
    // A customer's orders with a key or with bonuses are placed one at a time: the key's check
    // below and the balance the bonuses are capped by must still hold when the order is written
    // (concurrent retries of one key replay one order; concurrent spends never overdraw). SQLite's
    // single writer gives that; on PostgreSQL the customer's row is locked here until commit.
    const balance = idempotencyKey || body.bonusesToUse ? await this.ledger.lockedBalance(principal.userId) : 0;
    if (idempotencyKey) {
      const existing = await this.q.byIdempotencyKey.get({ userId: principal.userId, key: idempotencyKey });
      if (existing) {
        if (existing.idempotencyHash !== requestHash) {
          throw unprocessable('This Idempotency-Key was already used for a different order', 'idempotency_key_reused');
        }
        return { order: (await this.reader.withItems([existing]))[0]!, replayed: true };
      }
    }

    const now = new Date();
    // Everything read from the catalogue for this order (city, zones, restaurants, dishes, options)
    // under one read of its version, not one per cache (db/catalogue-version.ts).
    const { city, plan, placement, lines, subtotal } = await this.version.holding(() => this.priced(principal, body, now));
    if (plan) address = plan.address;

    const bonusesUsed = toMinor(body.bonusesToUse ?? 0);
    if (bonusesUsed > 0) {
      const cap = bonusCapMinor(subtotal, balance, this.settings.maxShare);
      if (bonusesUsed > cap) {
        throw unprocessable(`At most ${toMajor(cap)} bonuses can pay for this order`, 'bonus_limit_exceeded');
      }
    }
    // The zone of the restaurant that cooks it sets the fee; under its minimum → 400.
    const charge = plan ? this.delivery!.charge(plan, placement.restaurantId, subtotal) : { feeMinor: 0, zoneId: null };
    // `total` stays dishes − bonuses (the table's CHECK); the fee is paid on top (see schema.ts).
    const total = subtotal - bonusesUsed;
    const payment = this.payments?.check(body.payment, total + charge.feeMinor, now);
    const createdAt = now.toISOString();
    const orderDay = localDay(now, city.timezone);

    const values: NewOrderParams = {
      orderNumber: await this.sql.outsideTx(() => this.nextNumber(city, orderDay)),
      orderDay,
      cityId: city.id,
      userId: principal.userId,
      subtotal,
      bonusesUsed,
      total,
      bonusesEarned: earnedBonuses(total, this.settings.earnRate),
      deliveryType: body.delivery.type,
      address,
      phone: body.phone ?? null,
      comment: cleanText(body.comment ?? '', { multiline: true }) || null,
      idempotencyKey,
      idempotencyHash: requestHash,
      createdAt,
      restaurantId: placement.restaurantId,
      promisedAt: placement.promisedAt,
      requestedTime: placement.requestedTime,
      deliveryFee: charge.feeMinor,
      deliveryZoneId: charge.zoneId,
      deliveryLat: plan?.location?.lat ?? null,
      deliveryLng: plan?.location?.lng ?? null,
    };
    const { id, customerName } = (await this.q.insertOrder.get(values))!;
    const inserted = newOrderRow(id, values);
    const row = payment ? await this.payments!.attach(inserted, payment) : inserted;
    if (plan) await this.delivery!.remember(principal.userId, plan, createdAt);
    const chosen = new Map<number, ChosenOption[]>();
    const items: ItemRow[] = [];
    for (const { productId, name, nameEn, price, quantity, options } of lines) {
      const line: NewItemParams = { orderId: row.id, productId, name, nameEn, price, quantity };
      const { id: itemId } = (await this.q.insertItem.get(line))!;
      const item: ItemRow = { id: itemId, orderId: row.id, productId, name, nameEn, price, quantity };
      if (options.length) {
        await this.options.store(item.id, options);
        chosen.set(item.id, options);
      }
      items.push(item);
    }
    await this.q.insertHistory.run({
      orderId: row.id,
      fromStatus: null,
      toStatus: 'pending',
      source: 'customer',
      byUserId: principal.userId,
      reason: null,
      createdAt,
    });
    // An online order reaches the kitchen once paid (PaymentsService.paid queues it then).
    if (!payment || this.payments!.toKitchenAtOnce(payment)) await this.q.insertJob.run({ orderId: row.id, cityId: city.id, at: createdAt });

    const order = toWireOrder(row, items, customerName ?? undefined, chosen);
    await this.announce.newOrder(order);
    await this.announce.orderCreated(order);
    if (bonusesUsed > 0) await this.ledger.apply(principal.userId, 'used', -bonusesUsed, row.id);
    return { order, replayed: false };
  }

  /** The order's city, delivery plan, placement and priced lines: every catalogue read of `create`, nothing written. */
  private async priced(principal: Principal, body: CreateOrderBody, now: Date) {
    const city = await this.catalogue.city(body.cityId);
    if (!city) throw unprocessable(`City ${body.cityId} does not exist`, 'unknown_city');
    // Delivery: the server locates the address in the city's zones itself (outside → 400).
    const plan = body.delivery.type === 'delivery' && this.delivery ? await this.delivery.plan(principal.userId, city.id, body.delivery) : null;
    // Paused, closed, or a time that cannot be kept: refused before anything is written.
    const placement = await this.venues.placement(
      {
        cityId: city.id,
        type: body.delivery.type,
        restaurantId: body.restaurantId,
        requestedTime: body.requestedTime,
        ...(plan && { deliveryOptions: this.delivery!.options(plan) }),
      },
      now,
      city,
    );

    // The same product with the same options twice in the cart is one line; other options, another line.
    const merged = new Map<string, { productId: number; optionIds: number[]; quantity: number }>();
    for (const item of body.items) {
      const optionIds = sortedOptions(item.options);
      const key = lineKey(item.productId, optionIds);
      const line = merged.get(key);
      if (line) line.quantity += item.quantity;
      else merged.set(key, { productId: item.productId, optionIds, quantity: item.quantity });
    }
    let subtotal = 0;
    const lines: { productId: number; name: string; nameEn: string; price: number; quantity: number; options: ChosenOption[] }[] = [];
    const menu = await this.catalogue.menu(body.cityId);
    for (const { productId, optionIds, quantity } of merged.values()) {
      const p = menu.get(productId);
      if (!p) throw unprocessable(`Product ${productId} is not on the menu in ${city.nameEn}`, 'unknown_product');
      if (!p.available) throw unprocessable(`"${p.name}" is not available right now`, 'product_unavailable');
      if (quantity > 99) throw badRequest(`Too many of "${p.name}" (99 at most)`);
      const { options, extra } = await this.options.choose(city.id, p, optionIds);
      subtotal += (p.price + extra) * quantity;
      lines.push({ productId, name: p.name, nameEn: p.nameEn, price: p.price, quantity, options });
    }
    return { city, plan, placement, lines, subtotal };
  }

  /**
   * Short, unique per city per local day, and unlike any other city's: the city's code and a
   * counter, M-0001, M-0002, … (S-0001 in another city). An upserted counter (O(1)), not a count
   * of the day's orders, drawn outside the order's transaction (Sql.outsideTx): on PostgreSQL the
   * counter row is locked for one statement, not until the order commits.
   */
  private async nextNumber(city: { id: number; code: string }, day: string): Promise<string> {
    const seq = String((await this.q.nextSeq.get({ key: `order-seq:${city.id}:${day}` }))!.value).padStart(4, '0');
    return city.code ? `${city.code}-${seq}` : seq;
  }

  /** Queues sending the order to the POS: an online order's, once it is paid (PaymentsService). */
  async queuePosSend(order: { id: number; cityId: number }): Promise<void> {
    await this.q.insertJob.run({ orderId: order.id, cityId: order.cityId, at: isoNow() });
  }

  /**
   * Queues the POS's cancel of an order it has (called in the cancel's transaction, or when the
   * POS turns out to have an order that was cancelled while it was being sent). Idempotent.
   */
  async queuePosCancel(order: { id: number; cityId: number }): Promise<void> {
    await this.q.insertCancelJob.run({ orderId: order.id, cityId: order.cityId, at: isoNow() });
  }

  private row(orderId: number): Promise<OrderRow | undefined> {
    return this.q.orderById.get({ id: orderId });
  }

  /** Staff may read an order only in their cities: 403 elsewhere. */
  /* Customers */

  async listForCustomer(userId: number, limit: number, offset: number): Promise<OrderList> {
    const rows = await this.q.customerPage.all({ userId, limit, offset });
    const total = (await this.q.customerCount.get({ userId }))?.n ?? 0;
    return { items: await this.reader.withItems(rows), total };
  }

  /** Someone else's order is simply not there (404), so ids cannot be probed. */
  async getForCustomer(userId: number, orderId: number): Promise<OrderDetail> {
    const row = await this.row(orderId);
    if (!row || row.userId !== userId) throw notFound(`Order ${orderId} not found`);
    return this.reader.detail(row);
  }

  /** The customer's own cancel, while the kitchen has not started: recorded as `customer_asked`, their text as the note. */
  async cancelByCustomer(principal: Principal, orderId: number, note: string | undefined): Promise<Order> {
    const row = await this.row(orderId);
    if (!row || row.userId !== principal.userId) throw notFound(`Order ${orderId} not found`);
    if (!customerCanCancel(row.status)) {
      throw conflict(`Order ${row.orderNumber} is already ${row.status} and can no longer be cancelled`, 'invalid_transition');
    }
    return this.move(row, 'cancelled', null, { source: 'customer', principal }, { reason: 'customer_asked', note: note ?? null });
  }

  /* Staff */

  async listForStaff(principal: Principal, q: AdminOrdersQuery): Promise<OrderList> {
    const conds: (string | { sqlite: string; postgres: string })[] = [];
    const params: StaffListParams = { limit: q.limit ?? 50, offset: q.offset ?? 0 };
    if (q.cityId !== undefined) {
      assertCity(principal, q.cityId);
      conds.push('city_id = @cityId');
      params.cityId = q.cityId;
    } else if (!seesAllCities(principal.role)) {
      conds.push(inJsonInts('city_id', 'cities'));
      params.cities = JSON.stringify(principal.cityIds);
    }
    if (q.status) {
      const statuses = q.status.split(',');
      const bad = statuses.find((s) => !(ORDER_STATUSES as readonly string[]).includes(s));
      if (bad) throw badRequest(`Unknown status "${bad}"`, 'unknown_status');
      conds.push(inJsonTexts('status', 'statuses'));
      params.statuses = JSON.stringify(statuses);
    }
    if (q.paymentStatus) {
      conds.push('payment_status = @paymentStatus');
      params.paymentStatus = q.paymentStatus;
    }
    if (q.q) {
      const term = q.q.trim().replace(/^#/, '');
      const escaped = term.replace(/[\\%_]/g, (c) => `\\${c}`);
      const { exact, suffix } = numberMatches(term);
      // The suffix is digits and a dash: a LIKE pattern with nothing to escape.
      conds.push(
        `(order_number = @term OR order_number = @exact OR order_number LIKE @suffix OR id = @id OR phone LIKE @phone ESCAPE '\\')`,
      );
      Object.assign(params, { term, exact, suffix: suffix && `%${suffix}`, id: idOf(term), phone: `%${escaped}%` });
    }
    const sqlite = conds.map((c) => (typeof c === 'string' ? c : c.sqlite)).join(' AND ');
    const postgres = conds.map((c) => (typeof c === 'string' ? c : c.postgres)).join(' AND ');
    const { page, count } = this.staffLists.get(conds.length ? { sqlite: `WHERE ${sqlite}`, postgres: `WHERE ${postgres}` } : '');
    const rows = await page.all(params);
    const total = (await count.get(params))?.n ?? 0;
    return { items: await this.reader.withItems(rows), total };
  }

  async getForStaff(principal: Principal, orderId: number): Promise<OrderDetail> {
    const row = await this.row(orderId);
    if (!row) throw notFound(`Order ${orderId} not found`);
    assertCity(principal, row.cityId);
    return this.reader.detail(row);
  }

  /**
   * Staff move the promised time (a new time, or minutes added) with a reason, of an order not yet
   * completed or cancelled; the customer and the city's staff hear `order-eta-updated`.
   */
  async moveEta(principal: Principal, orderId: number, body: EtaChangeBody): Promise<Order> {
    const row = await this.row(orderId);
    if (!row) throw notFound(`Order ${orderId} not found`);
    assertCity(principal, row.cityId);
    if (row.status === 'completed' || row.status === 'cancelled') {
      throw conflict(`Order ${row.orderNumber} is ${row.status}: its time can no longer move`, 'order_closed');
    }
    if ((body.promisedAt === undefined) === (body.addMinutes === undefined)) {
      throw badRequest('Send either promisedAt or addMinutes', 'eta_required');
    }
    const reason = cleanText(body.reason, { multiline: true });
    if (!reason) throw badRequest('A reason is required', 'reason_required');
    const at = isoNow();
    let next: Date;
    if (body.promisedAt !== undefined) {
      next = new Date(body.promisedAt);
    } else {
      const base = row.promisedAt ? Date.parse(row.promisedAt) : Date.now();
      next = new Date(base + body.addMinutes! * 60_000);
    }
    if (Number.isNaN(next.getTime())) throw badRequest('promisedAt is not a valid time', 'invalid_eta');
    if (next.getTime() <= Date.parse(row.createdAt)) throw badRequest('The promised time must be after the order was placed', 'invalid_eta');
    const promisedAt = next.toISOString();
    const updated = await this.q.moveEta.get({ id: row.id, promisedAt, at });
    if (!updated) throw conflict(`Order ${row.orderNumber} was closed meanwhile: its time can no longer move`, 'order_closed');
    await this.announce.orderEtaUpdated(row, { orderId: row.id, promisedAt, oldPromisedAt: row.promisedAt, reason, timestamp: at });
    return this.wire(updated);
  }

  /**
   * A move by staff, the POS kitchen or the system, checked against the shared transition table.
   * A cancel needs `reason` from CANCEL_REASONS (`note`: optional text); other moves take `reason`
   * as free text for the history.
   */
  async changeStatus(actor: Actor, orderId: number, to: OrderStatus, reason?: string, note?: string): Promise<Order> {
    if (to === 'cancelled' && !isCancelReason(reason)) {
      throw badRequest(`A cancel needs a reason, one of: ${CANCEL_REASONS.join(', ')}`, 'cancel_reason_required');
    }
    const row = await this.row(orderId);
    if (!row) throw notFound(`Order ${orderId} not found`);
    if (actor.source === 'staff') assertCity(actor.principal, row.cityId);
    if (!canTransition(row.status, to, row.deliveryType)) {
      throw conflict(`Order ${row.orderNumber} cannot move from ${row.status} to ${to}`, 'invalid_transition');
    }
    // Staff starting an unpaid online order would cook what may never be paid (awaitsPayment).
    if (!canTransition(row.status, to, row.deliveryType, awaitingPayment(row))) {
      throw conflict(`Order ${row.orderNumber} waits for its online payment; it can move once paid`, 'awaiting_payment');
    }
    if (to === 'cancelled') return this.move(row, to, null, actor, { reason: reason as CancelReason, note: note ?? null });
    return this.move(row, to, reason ?? null, actor);
  }

  /**
   * A move of an order the caller has already read, inside its transaction (the POS webhook): the
   * transition table's verdict comes back as a result rather than a 409 to catch. `stale_status`:
   * the order moved since it was read.
   */
  async tryMove(row: OrderRow, to: OrderStatus, actor: Actor): Promise<{ ok: true; row: OrderRow } | { ok: false; reason: 'invalid_transition' | 'stale_status' }> {
    if (!canTransition(row.status, to, row.deliveryType)) return { ok: false, reason: 'invalid_transition' };
    const updated = await this.moveRow(row, to, null, actor);
    return updated ? { ok: true, row: updated } : { ok: false, reason: 'stale_status' };
  }

  private async move(row: OrderRow, to: OrderStatus, reason: string | null, actor: Actor, cancel?: CancelInfo): Promise<Order> {
    const updated = await this.moveRow(row, to, reason, actor, cancel);
    if (!updated) throw conflict(`Order ${row.orderNumber} changed meanwhile; reload and retry`, 'stale_status');
    return this.wire(updated);
  }

  /** An order as the wire shows it, with its lines, their options and the customer's name. */
  private async wire(row: OrderRow): Promise<Order> {
    const items = await this.q.itemsOf.all({ id: row.id });
    const name = (await this.q.customerName.get({ id: row.userId }))?.name;
    return toWireOrder(row, items, name, await this.options.ofOrder(row.id));
  }

  /** Writes the move, its history, its event and its bonuses; undefined when the order is no longer in `row.status`. */
  private async moveRow(row: OrderRow, to: OrderStatus, rawReason: string | null, actor: Actor, cancel?: CancelInfo): Promise<OrderRow | undefined> {
    const clean = (t: string | null) => (t === null ? null : cleanText(t, { multiline: true }) || null);
    const note = clean(cancel?.note ?? null);
    // The history keeps the cancel's code (and its text) as the move's reason.
    const reason = cancel ? (note ? `${cancel.reason}: ${note}` : cancel.reason) : clean(rawReason);
    const at = isoNow();
    let updated = await this.q.moveTo.get({
      id: row.id,
      from: row.status,
      to,
      at,
      completedAt: to === 'completed' ? at : null,
      cancelReason: to === 'cancelled' ? (cancel?.reason ?? 'other') : null,
      cancelNote: to === 'cancelled' ? note : null,
    });
    if (!updated) return undefined;
    if (to === 'cancelled') {
      // The POS has it: tell its kitchen (outbox, same transaction). Not yet: it is never sent
      // (a send in flight that gets through queues the cancel then: PosOrderState.posHasOrder).
      if (updated.syncStatus === 'synced') await this.queuePosCancel(updated);
      else if ((await this.q.cancelUnsentJob.run({ id: row.id, at })).changes || awaitingPayment(updated)) {
        // (An online order never paid had no job: it was never to be sent.)
        updated = (await this.q.markNotSent.get({ id: row.id, at })) ?? updated;
      }
    }
    await this.q.insertHistory.run({
      orderId: row.id,
      fromStatus: row.status,
      toStatus: to,
      source: actor.source,
      byUserId: 'principal' in actor ? actor.principal.userId : null,
      reason,
      createdAt: at,
    });
    await this.announce.orderStatusUpdated(row, {
      orderId: row.id,
      newStatus: to,
      oldStatus: row.status,
      timestamp: at,
      ...(to === 'cancelled' && {
        cancelReason: updated.cancelReason ?? 'other',
        cancelNote: updated.cancelNote,
        ...(row.bonusesUsed > 0 && { bonusesRefunded: toMajor(row.bonusesUsed) }),
      }),
    });
    if (this.payments) updated = await this.payments.statusMoved(updated, to, at);
    if (to === 'completed' && row.bonusesEarned > 0) await this.ledger.apply(row.userId, 'earned', row.bonusesEarned, row.id);
    if (to === 'cancelled' && row.bonusesUsed > 0) await this.ledger.apply(row.userId, 'refunded', row.bonusesUsed, row.id);
    return updated;
  }
}
