import { Type, type Static } from 'typebox';
import { CANCEL_REASONS, DELIVERY_TYPES, ORDER_STATUSES, PAYMENT_METHODS, PAYMENT_STATUSES, STATUS_SOURCES, SYNC_JOB_STATUSES, SYNC_STATUSES } from '../statuses';
import { Id, Money, NO_CONTROL_CHARS, PageLimit, PageOffset, Timestamp } from './common';
import { LatLng } from './zones';

export const OrderStatusSchema = Type.Enum(ORDER_STATUSES);
export const DeliveryTypeSchema = Type.Enum(DELIVERY_TYPES);
export const SyncStatusSchema = Type.Enum(SYNC_STATUSES);
export const CancelReasonSchema = Type.Enum(CANCEL_REASONS);
export const PaymentMethodSchema = Type.Enum(PAYMENT_METHODS);
export const PaymentStatusSchema = Type.Enum(PAYMENT_STATUSES);

/**
 * How an order is paid and where its money stands. The charge ids are Telegram's and the payment
 * provider's for an online payment (what staff quote when refunding at the provider).
 */
export const OrderPayment = Type.Object({
  method: PaymentMethodSchema,
  status: PaymentStatusSchema,
  /** Cash: the note the customer will hand over, so the courier brings change (roubles); else null. */
  change_from: Type.Union([Money, Type.Null()]),
  /** Online and unpaid: the order is cancelled (`not_paid`) if still unpaid at this time. */
  pay_until: Type.Union([Timestamp, Type.Null()]),
  paid_at: Type.Union([Timestamp, Type.Null()]),
  telegram_payment_charge_id: Type.Union([Type.String(), Type.Null()]),
  provider_payment_charge_id: Type.Union([Type.String(), Type.Null()]),
  refunded_at: Type.Union([Timestamp, Type.Null()]),
});
export type OrderPayment = Static<typeof OrderPayment>;

/** A chosen option of an order line, copied at order time (names, price per unit of the line). */
export const OrderItemOption = Type.Object({
  option_id: Id,
  group_name: Type.String(),
  group_name_en: Type.String(),
  name: Type.String(),
  name_en: Type.String(),
  price: Money,
});
export type OrderItemOption = Static<typeof OrderItemOption>;

export const OrderItem = Type.Object({
  product_id: Id,
  name: Type.String(),
  /** The English name, copied at order time like `name`. */
  name_en: Type.String(),
  /** Unit price of the dish itself, copied at order time (its options are priced in `options`). */
  price: Money,
  quantity: Type.Integer({ minimum: 1 }),
  /** (price + the options' prices) × quantity. */
  line_total: Money,
  /** The chosen options (empty for a dish without); the same dish with other options is another line. */
  options: Type.Array(OrderItemOption),
});
export type OrderItem = Static<typeof OrderItem>;

export const Delivery = Type.Object({
  type: DeliveryTypeSchema,
  address: Type.Union([Type.String(), Type.Null()]),
  /** Where the server located the address (the courier's pin); absent for pickup and older orders. */
  location: Type.Optional(Type.Union([LatLng, Type.Null()])),
});
export type Delivery = Static<typeof Delivery>;

/** The order on the wire. The first names (`id, order_number, user_id, city_id, status, total, bonuses_earned`) are what the first clients were built on and never change; the rest were added after. */
export const Order = Type.Object({
  id: Id,
  order_number: Type.String(),
  user_id: Id,
  city_id: Id,
  status: OrderStatusSchema,
  subtotal: Money,
  bonuses_used: Money,
  total: Money,
  bonuses_earned: Money,
  /** What delivery costs in this order (0 for pickup and free delivery); included in `total`. */
  delivery_fee: Money,
  /** The delivery zone the server located the address in; null for pickup and cities without zones. */
  delivery_zone_id: Type.Union([Id, Type.Null()]),
  items: Type.Array(OrderItem),
  delivery: Delivery,
  phone: Type.Union([Type.String(), Type.Null()]),
  /** The customer's name, for the admin board's cards (the detail has the full `customer`). */
  customer_name: Type.Optional(Type.String()),
  comment: Type.Union([Type.String(), Type.Null()]),
  /** Set once the order is cancelled: the code (CANCEL_REASONS) and the optional free text. */
  cancel_reason: Type.Union([CancelReasonSchema, Type.Null()]),
  cancel_note: Type.Union([Type.String(), Type.Null()]),
  sync_status: SyncStatusSchema,
  pos_order_id: Type.Union([Type.String(), Type.Null()]),
  /** When the order is due: ready (pickup) or at the door (delivery); null only for orders placed before promised times existed. */
  promised_at: Type.Union([Timestamp, Type.Null()]),
  /** The restaurant that cooks it (pickup: where to collect it). */
  restaurant_id: Type.Union([Id, Type.Null()]),
  /** The time the customer asked for; null = as soon as possible. */
  requested_time: Type.Union([Timestamp, Type.Null()]),
  /** `online | card | cash` (issue 17); the contract's flat names, details in `payment`. */
  payment_method: PaymentMethodSchema,
  /** `unpaid | paid | refund_due | refunded`. */
  payment_status: PaymentStatusSchema,
  payment: OrderPayment,
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Order = Static<typeof Order>;

export const StatusHistoryEntry = Type.Object({
  from: Type.Union([OrderStatusSchema, Type.Null()]),
  to: OrderStatusSchema,
  at: Timestamp,
  source: Type.Enum(STATUS_SOURCES),
  by_user_id: Type.Union([Id, Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
});
export type StatusHistoryEntry = Static<typeof StatusHistoryEntry>;

export const SyncInfo = Type.Object({
  status: SyncStatusSchema,
  attempts: Type.Integer({ minimum: 0 }),
  last_error: Type.Union([Type.String(), Type.Null()]),
  next_retry_at: Type.Union([Timestamp, Type.Null()]),
  last_attempt_at: Type.Union([Timestamp, Type.Null()]),
  /**
   * Telling the POS about the cancel of an order it has (null: nothing to tell). `failed` with
   * `last_error_code: ALREADY_COMPLETED`: the kitchen had already delivered it.
   */
  cancel: Type.Optional(
    Type.Union([
      Type.Object({
        status: Type.Enum(SYNC_JOB_STATUSES),
        attempts: Type.Integer({ minimum: 0 }),
        last_error: Type.Union([Type.String(), Type.Null()]),
        last_error_code: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ]),
  ),
});
export type SyncInfo = Static<typeof SyncInfo>;

/** What the customer's order page and the admin's side panel read. */
export const OrderDetail = Type.Intersect([
  Order,
  Type.Object({
    history: Type.Array(StatusHistoryEntry),
    customer: Type.Object({
      id: Id,
      name: Type.String(),
      phone: Type.Union([Type.String(), Type.Null()]),
      username: Type.Union([Type.String(), Type.Null()]),
    }),
    sync: SyncInfo,
  }),
]);
export type OrderDetail = Static<typeof OrderDetail>;

export const PaymentChoice = Type.Object(
  {
    method: PaymentMethodSchema,
    changeFrom: Type.Optional(Type.Number({ minimum: 1, maximum: 1_000_000, multipleOf: 0.01 })),
  },
  { additionalProperties: false },
);
export type PaymentChoice = Static<typeof PaymentChoice>;

export const CreateOrderBody = Type.Object(
  {
    cityId: Id,
    items: Type.Array(
      Type.Object(
        {
          productId: Id,
          quantity: Type.Integer({ minimum: 1, maximum: 99 }),
          /** Chosen option ids (the server prices them and checks each group's rule). */
          options: Type.Optional(Type.Array(Id, { maxItems: 30 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
    bonusesToUse: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000, multipleOf: 0.01 })),
    delivery: Type.Object(
      {
        type: DeliveryTypeSchema,
        address: Type.Optional(Type.String({ minLength: 3, maxLength: 300 })),
        /** The address's point (Telegram's location, a map pin): the server finds its zone itself. */
        location: Type.Optional(LatLng),
        /** A saved address of the customer's (its point and text are used). */
        addressId: Type.Optional(Id),
      },
      { additionalProperties: false },
    ),
    phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 ()-]{5,20}$' })),
    comment: Type.Optional(Type.String({ maxLength: 500 })),
    /** Pickup: where to collect it (required when the city has several restaurants). Delivery: ignored (the zone decides). */
    restaurantId: Type.Optional(Id),
    /** A time later today (city-local, within opening hours) instead of as soon as possible. */
    requestedTime: Type.Optional(Type.String({ format: 'date-time' })),
    /**
     * How the customer pays (default: cash on receipt, as before payments existed). `changeFrom`
     * only with cash, and not below the total (400 `change_too_small`).
     */
    payment: Type.Optional(PaymentChoice),
  },
  { additionalProperties: false },
);
export type CreateOrderBody = Static<typeof CreateOrderBody>;

export const OrderResponse = Type.Object({ order: Order });
export type OrderResponse = Static<typeof OrderResponse>;

export const OrderDetailResponse = Type.Object({ order: OrderDetail });
export type OrderDetailResponse = Static<typeof OrderDetailResponse>;

export const OrderList = Type.Object({ items: Type.Array(Order), total: Type.Integer({ minimum: 0 }) });
export type OrderList = Static<typeof OrderList>;

export const OrdersQuery = Type.Object({
  limit: Type.Optional(PageLimit),
  offset: Type.Optional(PageOffset),
});
export type OrdersQuery = Static<typeof OrdersQuery>;

export const AdminOrdersQuery = Type.Object({
  cityId: Type.Optional(Id),
  /** One status or several, comma-separated: `pending,confirmed`. */
  status: Type.Optional(Type.String({ pattern: '^[a-z]+(,[a-z]+)*$', maxLength: 100 })),
  /** Order number or (part of) the customer's phone. */
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 50, pattern: NO_CONTROL_CHARS })),
  /** Only orders whose money stands so, e.g. `refund_due` (the refunds staff owe). */
  paymentStatus: Type.Optional(PaymentStatusSchema),
  limit: Type.Optional(PageLimit),
  offset: Type.Optional(PageOffset),
});
export type AdminOrdersQuery = Static<typeof AdminOrdersQuery>;

/**
 * A staff move. For `cancelled`, `reason` must be one of CANCEL_REASONS (400 `cancel_reason_required`
 * otherwise) and `note` is optional free text; for other moves `reason` is free text for the history.
 */
export const StatusChangeBody = Type.Object(
  {
    status: OrderStatusSchema,
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  },
  { additionalProperties: false },
);
export type StatusChangeBody = Static<typeof StatusChangeBody>;

/** The customer's cancel: recorded as `customer_asked`, `reason` (free text) kept as the note. */
export const CancelBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })) },
  { additionalProperties: false },
);
export type CancelBody = Static<typeof CancelBody>;

/** `POST /api/orders/:id/invoice`: Telegram's invoice link for an online order, for `openInvoice`. */
export const InvoiceResponse = Type.Object({ url: Type.String(), pay_until: Type.Union([Timestamp, Type.Null()]) });
export type InvoiceResponse = Static<typeof InvoiceResponse>;

/** `GET /api/payments`: the ways to pay this server offers (online only with a provider token and the bot on). */
export const PaymentOptions = Type.Object({
  methods: Type.Array(PaymentMethodSchema),
  /** Seconds an online order may stay unpaid before it is cancelled. */
  online_timeout_s: Type.Integer({ minimum: 1 }),
  currency: Type.String(),
});
export type PaymentOptions = Static<typeof PaymentOptions>;

/** `POST /api/admin/orders/:id/refunded`: staff refunded at the provider (optional note for the history). */
export const MarkRefundedBody = Type.Object({ note: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })) }, { additionalProperties: false });
export type MarkRefundedBody = Static<typeof MarkRefundedBody>;
