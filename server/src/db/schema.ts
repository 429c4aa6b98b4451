import { sql } from 'drizzle-orm';
import {
  BONUS_OPERATIONS,
  CANCEL_REASONS,
  DELIVERY_TYPES,
  LANGUAGES,
  OPTION_GROUP_KINDS,
  ORDER_STATUSES,
  PAYMENT_METHODS,
  PAYMENT_STATUSES,
  ROLES,
  STATUS_SOURCES,
  SYNC_JOB_KINDS,
  SYNC_JOB_STATUSES,
  SYNC_STATUSES,
} from '@ordercast/shared';
import { check, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { nowIso } from './dialect-sql';

/*
 * The single source of the database's shape, for both engines: declared here in sqlite-core and
 * translated table by table to pg-core by schema-postgres.ts (see to-postgres.ts for the type map).
 * `npm run db:generate` turns a change into SQL migrations under drizzle/sqlite/ and drizzle/postgres/.
 * SQL written here must read the same in both (or come from dialect-sql.ts's perDialect).
 * Money and bonuses are integers in minor units (kopecks). Timestamps are ISO-8601 UTC strings
 * (sortable, and exactly what the wire carries); JSON is text; booleans are 0/1 integers.
 */
const now = nowIso;
const createdAt = () => text('created_at').notNull().default(now);

export const cities = sqliteTable('cities', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  nameEn: text('name_en').notNull(),
  timezone: text('timezone').notNull().default('Europe/Moscow'),
  /** Order number prefix (`M` → `M-0013`): numbers of different cities never look alike on one board. */
  code: text('code').notNull().default(''),
  /** The phone customers call about an order. */
  phone: text('phone'),
  /** Minutes from ready to the door for delivery orders (issue 14). */
  deliveryMinutes: integer('delivery_minutes').notNull().default(30),
  /** Preparation minutes when the city has no restaurant rows. */
  prepMinutes: integer('prep_minutes').notNull().default(20),
  /** Busy mode: minutes added to every new promised time. */
  busyMinutes: integer('busy_minutes').notNull().default(0),
  /** Paused since (null: not paused); with a reason and an optional end. */
  pausedAt: text('paused_at'),
  pauseReason: text('pause_reason'),
  pausedUntil: text('paused_until'),
});

/** Kitchens and pickup points of a city (issue 14); `hours` is JSON, seven days Monday first, city-local. */
export const restaurants = sqliteTable(
  'restaurants',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    cityId: integer('city_id').notNull().references(() => cities.id),
    /** The restaurant's code in the POS. */
    code: text('code').notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en').notNull(),
    address: text('address').notNull(),
    addressEn: text('address_en').notNull(),
    phone: text('phone').notNull(),
    lat: real('lat').notNull(),
    lng: real('lng').notNull(),
    prepMinutes: integer('prep_minutes').notNull().default(20),
    hours: text('hours').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    pausedAt: text('paused_at'),
    pauseReason: text('pause_reason'),
    pausedUntil: text('paused_until'),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('restaurants_code_uq').on(t.code), index('restaurants_city_idx').on(t.cityId)],
);

/**
 * Delivery zones (issue 16): a restaurant's delivery area (GeoJSON Polygon or MultiPolygon, stored
 * as JSON text) with its terms. Money in kopecks. `city_id` is the restaurant's, kept here so the
 * order path reads one city's zones with one indexed query.
 */
export const deliveryZones = sqliteTable(
  'delivery_zones',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    restaurantId: integer('restaurant_id').notNull().references(() => restaurants.id, { onDelete: 'cascade' }),
    cityId: integer('city_id').notNull().references(() => cities.id),
    name: text('name').notNull(),
    geometry: text('geometry').notNull(),
    deliveryFee: integer('delivery_fee').notNull().default(0),
    /** From this subtotal on, delivery is free; null: never free. */
    freeFrom: integer('free_from'),
    minOrder: integer('min_order').notNull().default(0),
    deliveryMinutes: integer('delivery_minutes').notNull().default(30),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    /** Where zones overlap, the lower sort wins (then the lower id). */
    sort: integer('sort').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [
    index('delivery_zones_city_idx').on(t.cityId, t.active),
    check('delivery_zones_money', sql`${t.deliveryFee} >= 0 AND ${t.minOrder} >= 0 AND (${t.freeFrom} IS NULL OR ${t.freeFrom} >= 0) AND ${t.deliveryMinutes} >= 0`),
  ],
);

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    role: text('role', { enum: ROLES }).notNull(),
    telegramId: integer('telegram_id'),
    username: text('username'),
    passwordHash: text('password_hash'),
    name: text('name').notNull().default(''),
    tgUsername: text('tg_username'),
    language: text('language', { enum: LANGUAGES }).notNull().default('ru'),
    phone: text('phone'),
    cityId: integer('city_id').references(() => cities.id),
    bonusBalance: integer('bonus_balance').notNull().default(0),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    /** Raised by a password reset: tokens carry it (claim `tv`) and an older one is refused. */
    tokenVersion: integer('token_version').notNull().default(0),
    /** When the customer last sent the bot /start: the bot may write to them (order updates). */
    botStartedAt: text('bot_started_at'),
    /** Set when Telegram says the user blocked the bot (403 or my_chat_member "kicked"); cleared when they start it again. */
    botBlockedAt: text('bot_blocked_at'),
    /**
     * The customer's answer to the Mini App's requestWriteAccess (asked once after the first order):
     * true lets the bot send order updates without a /start; null: not asked yet.
     */
    botWriteAccess: integer('bot_write_access', { mode: 'boolean' }),
    /** Set when `phone` came from Telegram verified (the bot's contact update, a signed requestContact answer); a typed phone clears it. */
    phoneVerifiedAt: text('phone_verified_at'),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('users_telegram_id_uq').on(t.telegramId),
    uniqueIndex('users_username_uq').on(t.username),
    // The balance is kept beside the ledger in the same transaction; the database refuses to let it go negative.
    check('users_bonus_balance_nonneg', sql`${t.bonusBalance} >= 0`),
    check('users_identity', sql`(${t.role} = 'customer' AND ${t.telegramId} IS NOT NULL) OR (${t.role} <> 'customer' AND ${t.username} IS NOT NULL AND ${t.passwordHash} IS NOT NULL)`),
  ],
);

export const managerCities = sqliteTable(
  'manager_cities',
  {
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    cityId: integer('city_id').notNull().references(() => cities.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.cityId] })],
);

export const categories = sqliteTable('categories', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  nameEn: text('name_en').notNull(),
  sort: integer('sort').notNull().default(0),
});

export const products = sqliteTable(
  'products',
  {
    id: integer('id').primaryKey(),
    categoryId: integer('category_id').notNull().references(() => categories.id),
    /** The product's code in the POS nomenclature. */
    posCode: text('pos_code').notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en').notNull(),
    description: text('description').notNull().default(''),
    descriptionEn: text('description_en').notNull().default(''),
    image: text('image').notNull().default(''),
    sort: integer('sort').notNull().default(0),
    /** Grams (or millilitres for drinks) of one portion, from the POS nomenclature; null = not known. */
    weight: integer('weight'),
    /** Energy value of one portion, kcal; null = not known. */
    kcal: integer('kcal'),
  },
  (t) => [uniqueIndex('products_pos_code_uq').on(t.posCode)],
);

/**
 * A product's option group (a POS modifier group): sizes (min 1, max 1), extras (min 0, max 3),
 * removals ("no onion", price 0). The rule is min/max choices; `kind` only tells the apps how to show it.
 */
export const productOptionGroups = sqliteTable(
  'product_option_groups',
  {
    id: integer('id').primaryKey(),
    productId: integer('product_id').notNull().references(() => products.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: OPTION_GROUP_KINDS }).notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en').notNull(),
    minChoices: integer('min_choices').notNull().default(0),
    maxChoices: integer('max_choices').notNull().default(1),
    sort: integer('sort').notNull().default(0),
  },
  (t) => [
    index('product_option_groups_product_idx').on(t.productId),
    check('product_option_groups_limits', sql`${t.minChoices} >= 0 AND ${t.maxChoices} >= 1 AND ${t.minChoices} <= ${t.maxChoices}`),
  ],
);

/** One choice of a group, with its own POS code (the POS prices and stop-lists it like a product). */
export const productOptions = sqliteTable(
  'product_options',
  {
    id: integer('id').primaryKey(),
    groupId: integer('group_id').notNull().references(() => productOptionGroups.id, { onDelete: 'cascade' }),
    posCode: text('pos_code').notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en').notNull(),
    sort: integer('sort').notNull().default(0),
  },
  (t) => [uniqueIndex('product_options_pos_code_uq').on(t.posCode), index('product_options_group_idx').on(t.groupId)],
);

/** Per-city price (0 allowed: a size that costs nothing extra, a removal) and availability of an option. */
export const productOptionPrices = sqliteTable(
  'product_option_prices',
  {
    optionId: integer('option_id').notNull().references(() => productOptions.id, { onDelete: 'cascade' }),
    cityId: integer('city_id').notNull().references(() => cities.id, { onDelete: 'cascade' }),
    price: integer('price').notNull(),
    available: integer('available', { mode: 'boolean' }).notNull().default(true),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.optionId, t.cityId] }), check('product_option_prices_price', sql`${t.price} >= 0`)],
);

/** Per-city price and availability (the stop-list). */
export const productPrices = sqliteTable(
  'product_prices',
  {
    productId: integer('product_id').notNull().references(() => products.id, { onDelete: 'cascade' }),
    cityId: integer('city_id').notNull().references(() => cities.id, { onDelete: 'cascade' }),
    price: integer('price').notNull(),
    available: integer('available', { mode: 'boolean' }).notNull().default(true),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.productId, t.cityId] }), check('product_prices_price_pos', sql`${t.price} > 0`)],
);


export const orders = sqliteTable(
  'orders',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderNumber: text('order_number').notNull(),
    /** The city-local day the number belongs to (numbers restart daily per city). */
    orderDay: text('order_day').notNull(),
    cityId: integer('city_id').notNull().references(() => cities.id),
    userId: integer('user_id').notNull().references(() => users.id),
    status: text('status', { enum: ORDER_STATUSES }).notNull().default('pending'),
    subtotal: integer('subtotal').notNull(),
    bonusesUsed: integer('bonuses_used').notNull().default(0),
    total: integer('total').notNull(),
    bonusesEarned: integer('bonuses_earned').notNull().default(0),
    deliveryType: text('delivery_type', { enum: DELIVERY_TYPES }).notNull(),
    address: text('address'),
    phone: text('phone'),
    comment: text('comment'),
    /** One of CANCEL_REASONS once cancelled; `cancel_note` the optional free text. */
    cancelReason: text('cancel_reason', { enum: CANCEL_REASONS }),
    cancelNote: text('cancel_note'),
    idempotencyKey: text('idempotency_key'),
    /** Hash of the request that used the key: the same key with another body is refused, not replayed. */
    idempotencyHash: text('idempotency_hash'),
    syncStatus: text('sync_status', { enum: SYNC_STATUSES }).notNull().default('pending'),
    posOrderId: text('pos_order_id'),
    /** Which restaurant cooks it (pickup: where to collect it); null for orders from before restaurants. */
    restaurantId: integer('restaurant_id').references(() => restaurants.id),
    /** When it is due (ready for pickup, at the door for delivery). */
    promisedAt: text('promised_at'),
    /** The customer's chosen time; null = as soon as possible. */
    requestedTime: text('requested_time'),
    /** How it is paid (PAYMENT_METHODS); orders from before payments were cash on receipt. */
    paymentMethod: text('payment_method', { enum: PAYMENT_METHODS }).notNull().default('cash'),
    paymentStatus: text('payment_status', { enum: PAYMENT_STATUSES }).notNull().default('unpaid'),
    /** Cash: the note the customer pays with (minor units), so the courier brings change. */
    changeFrom: integer('change_from'),
    /** Online and unpaid: cancelled as `not_paid` after this. */
    payUntil: text('pay_until'),
    /** The Telegram invoice link made for it (one per order, reused when the customer opens it again). */
    invoiceLink: text('invoice_link'),
    paidAt: text('paid_at'),
    telegramChargeId: text('telegram_payment_charge_id'),
    providerChargeId: text('provider_payment_charge_id'),
    refundedAt: text('refunded_at'),
    /**
     * What delivery costs (kopecks). Not part of `total`: the CHECK below (total = subtotal −
     * bonuses) cannot change without rebuilding the table, which inside the migration's transaction
     * would cascade-delete the orders' items. The customer pays `total + delivery_fee`; the wire's
     * `total` and the POS's are that sum (orders/serialize.ts, pos/sync.ts).
     */
    deliveryFee: integer('delivery_fee').notNull().default(0),
    /** The zone the server located the address in (null: pickup, or a city without zones). */
    deliveryZoneId: integer('delivery_zone_id').references(() => deliveryZones.id, { onDelete: 'set null' }),
    deliveryLat: real('delivery_lat'),
    deliveryLng: real('delivery_lng'),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull().default(now),
    completedAt: text('completed_at'),
  },
  (t) => [
    uniqueIndex('orders_number_uq').on(t.cityId, t.orderDay, t.orderNumber),
    // Also the index of a customer's own orders (user_id first); a second one by user cost every
    // order a page of WAL and ordered nothing (lists go by id).
    uniqueIndex('orders_idempotency_uq').on(t.userId, t.idempotencyKey),
    index('orders_city_status_idx').on(t.cityId, t.status, t.createdAt),
    // The expiry sweep's look-up: online orders waiting for their money, by deadline (small: only those).
    index('orders_unpaid_online_idx').on(t.payUntil).where(sql`payment_method = 'online' AND payment_status = 'unpaid'`),
    // Charge ids are unique at Telegram: a successful_payment delivered twice is recognised. Partial:
    // an order is written without one (null), and a full index took a B-tree insert per order for it.
    uniqueIndex('orders_tg_charge_uq').on(t.telegramChargeId).where(sql`telegram_payment_charge_id IS NOT NULL`),
    check('orders_money', sql`${t.subtotal} > 0 AND ${t.bonusesUsed} >= 0 AND ${t.total} = ${t.subtotal} - ${t.bonusesUsed} AND ${t.total} >= 0`),
  ],
);

export const orderItems = sqliteTable(
  'order_items',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: integer('order_id').notNull().references(() => orders.id, { onDelete: 'cascade' }),
    productId: integer('product_id').notNull().references(() => products.id),
    /** Name and price are copied at order time: later menu changes never rewrite history. */
    name: text('name').notNull(),
    /** The English name, copied too, so an English-speaking customer's history reads in English. */
    nameEn: text('name_en').notNull().default(''),
    price: integer('price').notNull(),
    quantity: integer('quantity').notNull(),
  },
  (t) => [index('order_items_order_idx').on(t.orderId), check('order_items_qty', sql`${t.quantity} > 0`)],
);

/** The options chosen for an order line, copied at order time like the line's name and price (per unit of the line). */
export const orderItemOptions = sqliteTable(
  'order_item_options',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderItemId: integer('order_item_id').notNull().references(() => orderItems.id, { onDelete: 'cascade' }),
    /** No foreign key: the menu may drop an option; the order keeps what was chosen. */
    optionId: integer('option_id').notNull(),
    groupName: text('group_name').notNull(),
    groupNameEn: text('group_name_en').notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en').notNull(),
    price: integer('price').notNull(),
    posCode: text('pos_code').notNull(),
  },
  (t) => [index('order_item_options_item_idx').on(t.orderItemId)],
);

export const orderStatusHistory = sqliteTable(
  'order_status_history',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: integer('order_id').notNull().references(() => orders.id, { onDelete: 'cascade' }),
    fromStatus: text('from_status', { enum: ORDER_STATUSES }),
    toStatus: text('to_status', { enum: ORDER_STATUSES }).notNull(),
    source: text('source', { enum: STATUS_SOURCES }).notNull(),
    byUserId: integer('by_user_id').references(() => users.id),
    reason: text('reason'),
    createdAt: createdAt(),
    /**
     * Milliseconds the order spent in `from_status`: this row's time minus the order's previous
     * row's. Filled by the database (trigger `order_status_history_stage_ms`, migration
     * stats_stage_minutes) for every writer, so the dashboard sums stages without reading an order's
     * whole history. Null on an order's first row.
     */
    stageMs: integer('stage_ms'),
  },
  // An order's history in order (id), and the dashboard's stage sums read from the index alone
  // (the columns after id): no table row per move on a busy day.
  (t) => [index('order_status_history_order_idx').on(t.orderId, t.id, t.fromStatus, t.toStatus, t.stageMs)],
);

/** Append-only. `users.bonus_balance` is updated in the same transaction as each row. */
export const bonusLedger = sqliteTable(
  'bonus_ledger',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').notNull().references(() => users.id),
    type: text('type', { enum: BONUS_OPERATIONS }).notNull(),
    amount: integer('amount').notNull(),
    balanceAfter: integer('balance_after').notNull(),
    orderId: integer('order_id').references(() => orders.id),
    comment: text('comment'),
    createdAt: createdAt(),
  },
  (t) => [
    index('bonus_ledger_user_idx').on(t.userId, t.id),
    // An order earns, spends and is refunded at most once each.
    uniqueIndex('bonus_ledger_order_type_uq').on(t.orderId, t.type).where(sql`${t.orderId} IS NOT NULL AND ${t.type} <> 'adjusted'`),
    check('bonus_ledger_balance_nonneg', sql`${t.balanceAfter} >= 0`),
  ],
);

/**
 * The durable event log (transactional outbox): written in the same transaction as the change,
 * dispatched in id order after commit, replayed to clients that resume with lastEventId.
 */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    type: text('type').notNull(),
    /** JSON array of room names. */
    rooms: text('rooms').notNull(),
    /** JSON of the event's `data`, seed 001's shape. */
    payload: text('payload').notNull(),
    /** Only pruning reads it, by binary search over ids (it grows with them): no index to write per event. */
    createdAt: createdAt(),
  },
);

/** Single row: the highest event id handed to the bus (so a restart dispatches what a crash left behind). */
export const eventCursor = sqliteTable('event_cursor', {
  id: integer('id').primaryKey(),
  lastDispatchedId: integer('last_dispatched_id').notNull().default(0),
});

/** The POS outbox: one job per order, created in the order's transaction. */
export const posSyncJobs = sqliteTable(
  'pos_sync_jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    entity: text('entity', { enum: ['order'] }).notNull().default('order'),
    entityId: integer('entity_id').notNull(),
    /** `send`: hand the order to the POS; `cancel`: tell the POS an order it has was cancelled. */
    kind: text('kind', { enum: SYNC_JOB_KINDS }).notNull().default('send'),
    cityId: integer('city_id').references(() => cities.id),
    status: text('status', { enum: SYNC_JOB_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull().default(now),
    lastAttemptAt: text('last_attempt_at'),
    lastError: text('last_error'),
    /** Non-retryable rejection code from the POS, if any. */
    lastErrorCode: text('last_error_code'),
    leaseUntil: text('lease_until'),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull().default(now),
    doneAt: text('done_at'),
  },
  (t) => [uniqueIndex('pos_sync_jobs_entity_uq').on(t.entity, t.entityId, t.kind), index('pos_sync_jobs_due_idx').on(t.status, t.nextAttemptAt)],
);

/** Short-lived single-use realtime connection tickets (stored hashed), so the long-lived JWT stays out of URLs. */
export const realtimeTickets = sqliteTable(
  'realtime_tickets',
  {
    hash: text('hash').primaryKey(),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: text('expires_at').notNull(),
    usedAt: text('used_at'),
  },
  (t) => [index('realtime_tickets_expires_idx').on(t.expiresAt)],
);

/** Key/value state that belongs to the system, not to a row (e.g. the last good POS menu sync). */
export const systemState = sqliteTable('system_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull().default(now),
});

/** The order steps the bot tells a customer about in the chat (bot/outbox.ts); `chat`: a staff message of the order chat. */
export const BOT_STEPS = ['confirmed', 'ready', 'delivering', 'completed', 'cancelled', 'chat'] as const;
/** sent; seen: the customer had the Mini App open (saw it live); blocked: the user blocked the bot; failed: gave up. */
export const BOT_MESSAGE_STATUSES = ['pending', 'sending', 'sent', 'seen', 'blocked', 'failed'] as const;

/**
 * The bot's outbox: one row per order step to tell the customer in the chat, written in the
 * transaction of the status move (like pos_sync_jobs), and one per staff message of the order chat
 * (step `chat`, in the message's transaction), sent later by bot/notifier.ts. The text is
 * rendered at send time from `step` + `params` in `language`.
 */
export const botMessages = sqliteTable(
  'bot_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: integer('order_id').notNull().references(() => orders.id, { onDelete: 'cascade' }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    chatId: integer('chat_id').notNull(),
    step: text('step', { enum: BOT_STEPS }).notNull(),
    /** Step `chat`: the staff message (order_messages.id) it carries; null for status steps. */
    chatMessageId: integer('chat_message_id'),
    language: text('language', { enum: LANGUAGES }).notNull(),
    /** JSON of the text's parameters (order number, cancel reason and note, bonuses returned). */
    params: text('params').notNull().default('{}'),
    status: text('status', { enum: BOT_MESSAGE_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull().default(now),
    /** While `sending`: a crashed sender's row is retaken after this. */
    leaseUntil: text('lease_until'),
    lastError: text('last_error'),
    sentAt: text('sent_at'),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [
    // One row per order and status step, and per chat message for `chat` (a status step's id is null, read as 0).
    uniqueIndex('bot_messages_order_step_uq').on(t.orderId, t.step, sql`coalesce(${t.chatMessageId}, 0)`),
    index('bot_messages_due_idx').on(t.status, t.nextAttemptAt),
    // The sender takes a chat's oldest open message first: it looks up earlier open ones of the same chat.
    index('bot_messages_chat_idx').on(t.chatId, t.status),
  ],
);

/**
 * A customer's addresses (issue 16): named ones they saved ("Home") and ones an order used (saved
 * automatically, label empty). `address_key` (lower-cased, spaces collapsed) keeps one row per address.
 */
export const savedAddresses = sqliteTable(
  'saved_addresses',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    label: text('label').notNull().default(''),
    address: text('address').notNull(),
    addressKey: text('address_key').notNull(),
    lat: real('lat').notNull(),
    lng: real('lng').notNull(),
    lastUsedAt: text('last_used_at'),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('saved_addresses_user_key_uq').on(t.userId, t.addressKey)],
);

/** Who wrote a chat message: the order's customer or a staff member. */
export const CHAT_SIDES = ['customer', 'staff'] as const;

/**
 * Order chat messages (issue 18), plain text as typed (cleaned, never HTML). Each is also an
 * `order-message` event in the log (delivery and resume); this table is the chat's own history,
 * kept when the log is pruned. (author, client_id) is unique: a resend is the same message.
 */
export const orderMessages = sqliteTable(
  'order_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: integer('order_id').notNull().references(() => orders.id, { onDelete: 'cascade' }),
    authorId: integer('author_id').notNull().references(() => users.id),
    authorKind: text('author_kind', { enum: CHAT_SIDES }).notNull(),
    /** The author's display name when written (a later rename does not rewrite history). */
    authorName: text('author_name').notNull(),
    clientId: text('client_id').notNull(),
    text: text('text').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('order_messages_client_uq').on(t.authorId, t.clientId),
    index('order_messages_order_idx').on(t.orderId, t.id),
    // The per-user rate limit counts an author's messages of the last minute.
    index('order_messages_author_time_idx').on(t.authorId, t.createdAt),
  ],
);

/**
 * Read state of one order's chat, a row per chat with messages: per side, the last message it
 * read and how many of the other side's it has not (kept with each message and read mark, so the
 * board's "unread customer messages" is an index lookup, not a count over messages).
 */
export const orderChats = sqliteTable(
  'order_chats',
  {
    orderId: integer('order_id')
      .primaryKey()
      .references(() => orders.id, { onDelete: 'cascade' }),
    customerReadId: integer('customer_read_id').notNull().default(0),
    staffReadId: integer('staff_read_id').notNull().default(0),
    /** Staff messages the customer has not read. */
    customerUnread: integer('customer_unread').notNull().default(0),
    /** Customer messages no staff member has read. */
    staffUnread: integer('staff_unread').notNull().default(0),
    lastMessageAt: text('last_message_at').notNull(),
  },
  (t) => [index('order_chats_staff_unread_idx').on(t.staffUnread, t.lastMessageAt)],
);

/**
 * Who is in which order chat, for nodes sharing one PostgreSQL database with no Redis between them
 * (chat/presence.ts, SqlPresence): a row per chat room and member (node and user), renewed by its
 * node while the person stays, dead once `expires_at` (epoch ms) passes. Ephemeral: nothing else
 * reads it. No index beyond the key: reads are by room, and the sweep of dead rows scans a table
 * as small as the number of people in chats. UNLOGGED on PostgreSQL (a hand-written step,
 * drizzle/postgres/0005_chat_presence_unlogged.sql; drizzle-kit cannot say it): its renewals, a
 * write per person every 5 s (a third of CHAT_PRESENCE_TTL_MS), then cost no WAL, and what an
 * unlogged table loses (its rows after a database crash, its copy on a replica) is what its
 * nodes write again at the next renewal anyway.
 */
export const chatPresence = sqliteTable(
  'chat_presence',
  {
    room: text('room').notNull(),
    member: text('member').notNull(),
    /** The ChatAuthor as JSON: one read answers who is here. */
    who: text('who').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.room, t.member] })],
);

/**
 * Staff sign-in counters shared by the nodes of a PostgreSQL deployment (auth/login-limit-store-postgres.ts):
 * one row per limit key (address, address+username, username), counting attempts in a fixed
 * window that starts at the key's first attempt. Epoch milliseconds of the database's clock, so
 * the nodes' clocks do not matter. Expired rows are pruned in bounded batches (by window_end).
 * On SQLite the table exists (one schema) but is unused: one machine counts in memory.
 */
export const rateCounters = sqliteTable(
  'rate_counters',
  {
    key: text('key').primaryKey(),
    count: integer('count').notNull(),
    windowEnd: integer('window_end').notNull(),
  },
  (t) => [index('rate_counters_window_end_idx').on(t.windowEnd)],
);

/**
 * The addresses each username signed in from (at most 8 per username, the oldest dropped), which a
 * lock-out of that username spares; shared like rate_counters, unused on SQLite.
 */
export const loginKnownAddresses = sqliteTable(
  'login_known_addresses',
  {
    username: text('username').notNull(),
    address: text('address').notNull(),
    /** Epoch ms (database clock) of the last successful sign-in from there. */
    seenAt: integer('seen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.username, t.address] }), index('login_known_addresses_seen_idx').on(t.seenAt)],
);
