import { Type, type Static } from 'typebox';

/*
 * The POS's HTTP face (README "POS simulator"), modelled on iiko Cloud / Poster style APIs:
 * orders pushed with the caller's own id (so a re-send never duplicates), money in roubles,
 * products by the POS's code, errors as {code, message}, kitchen steps called back signed.
 * Both the simulator (validation) and the server (client, webhook) use these shapes.
 */

export const DeliveryType = Type.Union([Type.Literal('delivery'), Type.Literal('pickup')]);

/** A modifier of an order line (a size, an extra, a removal), by its POS code. */
export const PosOrderOption = Type.Object({
  /** The option's code in the POS nomenclature (product_options.pos_code), e.g. GL-0002-M12. */
  code: Type.String({ minLength: 1, maxLength: 32 }),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  /** Price in roubles per unit of the line (0 allowed): must equal the POS's price in that city. */
  price: Type.Number({ minimum: 0 }),
});
export type PosOrderOption = Static<typeof PosOrderOption>;

export const PosOrderItem = Type.Object({
  /** The product's code in the POS nomenclature (products.pos_code), e.g. GL-0001. */
  code: Type.String({ minLength: 1, maxLength: 32 }),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  /** Unit price in roubles: must equal the POS's price in that city. */
  price: Type.Number({ minimum: 0 }),
  quantity: Type.Integer({ minimum: 1, maximum: 999 }),
  /** Modifiers of each unit; absent = none. The line costs (price + their prices) × quantity. */
  options: Type.Optional(Type.Array(PosOrderOption, { maxItems: 30 })),
});
export type PosOrderItem = Static<typeof PosOrderItem>;

const NullableString = (maxLength: number) => Type.Union([Type.String({ maxLength }), Type.Null()]);

/** `POST /orders`. `externalId` is the project's order id: the idempotency key. */
export const PosOrderBody = Type.Object({
  externalId: Type.Integer({ minimum: 1 }),
  orderNumber: Type.String({ minLength: 1, maxLength: 32 }),
  cityId: Type.Integer({ minimum: 1 }),
  type: DeliveryType,
  address: Type.Optional(NullableString(300)),
  phone: Type.Optional(NullableString(32)),
  comment: Type.Optional(NullableString(500)),
  items: Type.Array(PosOrderItem, { minItems: 1, maxItems: 100 }),
  subtotal: Type.Number({ minimum: 0 }),
  bonusesUsed: Type.Number({ minimum: 0 }),
  total: Type.Number({ minimum: 0 }),
  createdAt: Type.String({ maxLength: 40 }),
  /** The restaurant that cooks it (pickup: hands it out), by its POS code; null for orders from before restaurants. */
  restaurantCode: Type.Optional(NullableString(40)),
  /** When it is due (ready for pickup, at the door for delivery). */
  promisedAt: Type.Optional(NullableString(40)),
  /**
   * Delivery's price in roubles (issue 16), included in `total`: total = subtotal + deliveryFee −
   * bonusesUsed. Absent = 0 (senders from before zones). Pickup orders carry none.
   */
  deliveryFee: Type.Optional(Type.Number({ minimum: 0 })),
  /** The delivery zone (the project's id and name) and the address's point, for the courier. */
  deliveryZone: Type.Optional(Type.Union([Type.Object({ id: Type.Integer({ minimum: 1 }), name: Type.String({ maxLength: 100 }) }), Type.Null()])),
  location: Type.Optional(Type.Union([Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lng: Type.Number({ minimum: -180, maximum: 180 }) }), Type.Null()])),
});
export type PosOrderBody = Static<typeof PosOrderBody>;

/** Where an order stands in the POS kitchen. */
export const POS_ORDER_STATUSES = ['accepted', 'cooking', 'ready', 'on_the_way', 'delivered', 'picked_up'] as const;
export type PosOrderStatus = (typeof POS_ORDER_STATUSES)[number];
export const PosOrderStatusSchema = Type.Union([
  Type.Literal('accepted'),
  Type.Literal('cooking'),
  Type.Literal('ready'),
  Type.Literal('on_the_way'),
  Type.Literal('delivered'),
  Type.Literal('picked_up'),
]);

/** 201 (new) or 200 (the same externalId again: the same posOrderId, `duplicate: true`). */
export const PosOrderAccepted = Type.Object({
  posOrderId: Type.String(),
  externalId: Type.Integer(),
  status: PosOrderStatusSchema,
  duplicate: Type.Boolean(),
});
export type PosOrderAccepted = Static<typeof PosOrderAccepted>;

export const PosOrder = Type.Object({
  posOrderId: Type.String(),
  externalId: Type.Integer(),
  orderNumber: Type.String(),
  cityId: Type.Integer(),
  type: DeliveryType,
  status: PosOrderStatusSchema,
  /** The restaurant it was sent to (its code), when the server named one. */
  restaurantCode: Type.Union([Type.String(), Type.Null()]),
  promisedAt: Type.Union([Type.String(), Type.Null()]),
  items: Type.Array(PosOrderItem),
  total: Type.Number(),
  /** The delivery fee it was sent with (0: none). */
  deliveryFee: Type.Number(),
  /** How many times `POST /orders` was called with this externalId (1 = sent exactly once). */
  requests: Type.Integer(),
  /** The last kitchen step the server acknowledged (2xx) through the webhook. */
  deliveredStatus: Type.Union([PosOrderStatusSchema, Type.Null()]),
  history: Type.Array(Type.Object({ status: PosOrderStatusSchema, at: Type.String() })),
  /** Set when the server cancelled the order: the kitchen stopped it at `status` and sends no more steps. */
  cancelledAt: Type.Union([Type.String(), Type.Null()]),
  cancelReason: Type.Union([Type.String(), Type.Null()]),
  /** How many times `POST /orders/:posOrderId/cancel` was called (1 = told exactly once). */
  cancelRequests: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type PosOrder = Static<typeof PosOrder>;

/** `POST /orders/:posOrderId/cancel`: the reason is the server's code (CANCEL_REASONS), the note its text. */
export const PosCancelBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 64 }),
    note: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type PosCancelBody = Static<typeof PosCancelBody>;

/** 200: cancelled now, or already (`duplicate: true`: the same cancel again changes nothing). 409 `ALREADY_COMPLETED` once delivered or picked up. */
export const PosCancelAccepted = Type.Object({
  posOrderId: Type.String(),
  status: Type.Literal('cancelled'),
  /** The kitchen step the order was stopped at. */
  stoppedAt: PosOrderStatusSchema,
  duplicate: Type.Boolean(),
});
export type PosCancelAccepted = Static<typeof PosCancelAccepted>;

/** The POS's answer to a cancel of an order its kitchen has already handed over: retries cannot change it. */
export const ALREADY_COMPLETED = 'ALREADY_COMPLETED';

/** Every 4xx/5xx of the POS. Codes retries cannot fix: see NON_RETRYABLE_CODES. */
export const PosError = Type.Object({ code: Type.String(), message: Type.String() });
export type PosError = Static<typeof PosError>;

/** Rejections that mean "this order, as sent, will never be accepted": the sync fails at once. */
export const NON_RETRYABLE_CODES = [
  'PRODUCT_NOT_FOUND',
  'PRICE_MISMATCH',
  'PRODUCT_UNAVAILABLE',
  'OPTION_NOT_FOUND',
  'OPTION_UNAVAILABLE',
  'CITY_NOT_FOUND',
  'TOTAL_MISMATCH',
  'VALIDATION_ERROR',
  'ALREADY_COMPLETED',
  'ORDER_NOT_FOUND',
] as const;

export const PosMenuItem = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 32 }),
  name: Type.String(),
  /** Roubles. */
  price: Type.Number({ exclusiveMinimum: 0 }),
  /** false: on the stop-list in this city. */
  available: Type.Boolean(),
  /** Grams (millilitres for drinks) of a portion, when the POS knows it. */
  weight: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  /** kcal of a portion, when the POS knows it. */
  kcal: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
});
export type PosMenuItem = Static<typeof PosMenuItem>;

/** A modifier in a city: its price (0 allowed) and stop-list, like a dish's. */
export const PosMenuOption = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 32 }),
  /** The dish it modifies (its code). */
  productCode: Type.String({ minLength: 1, maxLength: 32 }),
  name: Type.String(),
  /** Roubles. */
  price: Type.Number({ minimum: 0 }),
  available: Type.Boolean(),
});
export type PosMenuOption = Static<typeof PosMenuOption>;

/** `GET /menu` (optionally `?cityId=`): the nomenclature with each city's prices and stop-list; `options`: the modifiers' (absent from older POS versions). */
export const PosMenu = Type.Object({
  updatedAt: Type.String(),
  cities: Type.Array(
    Type.Object({ cityId: Type.Integer({ minimum: 1 }), items: Type.Array(PosMenuItem), options: Type.Optional(Type.Array(PosMenuOption)) }),
  ),
});
export type PosMenu = Static<typeof PosMenu>;

/** `POST /menu/items`: change one dish or modifier (by its code) in one city (demo: a price change or a stop-list entry the server imports). A dish's price must stay above 0; a modifier's may be 0. */
export const PosMenuItemPatch = Type.Object(
  {
    cityId: Type.Integer({ minimum: 1 }),
    code: Type.String({ minLength: 1, maxLength: 32 }),
    price: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
    available: Type.Optional(Type.Boolean()),
    /** A dish's grams and kcal (the same in every city of the nomenclature). */
    weight: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 100_000 }), Type.Null()])),
    kcal: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 100_000 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type PosMenuItemPatch = Static<typeof PosMenuItemPatch>;

/** The steps the POS calls back: the kitchen's moves (and `accepted`, which a POS may also call back). */
export const PosKitchenStep = PosOrderStatusSchema;

/** `POST {server}/api/pos/webhook`, signed with X-POS-Signature over the raw body. */
export const PosWebhookBody = Type.Object({
  /** Unique per step: `${posOrderId}:${status}`. */
  eventId: Type.String({ minLength: 1, maxLength: 100 }),
  posOrderId: Type.String({ minLength: 1, maxLength: 64 }),
  externalId: Type.Integer({ minimum: 1 }),
  status: PosKitchenStep,
  timestamp: Type.String({ maxLength: 40 }),
});
export type PosWebhookBody = Static<typeof PosWebhookBody>;

/** What a kitchen step means for the order (the shared transition table decides whether it fits). */
export const STEP_TO_STATUS = {
  accepted: 'confirmed',
  cooking: 'preparing',
  ready: 'ready',
  on_the_way: 'delivering',
  delivered: 'completed',
  picked_up: 'completed',
} as const satisfies Record<PosOrderStatus, string>;

/** How long each kitchen step lasts, in minutes at kitchenSpeed 1. */
function PosStepMinutes() {
  const minutes = Type.Number({ minimum: 0, maximum: 24 * 60 });
  return Type.Object(
    {
      /** accepted → cooking */
      accepted: minutes,
      /** cooking → ready */
      cooking: minutes,
      /** ready → on the way (a delivery waiting for its courier) */
      ready: minutes,
      /** ready → picked up (a pickup order waiting for its customer) */
      awaiting_pickup: minutes,
      /** on the way → delivered */
      on_the_way: minutes,
    },
    { additionalProperties: false },
  );
}
export type PosStepMinutes = Static<ReturnType<typeof PosStepMinutes>>;

/** A lively demo and quick tests: tens of seconds per order. */
export const FAST_STEP_MINUTES: PosStepMinutes = { accepted: 0.05, cooking: 1 / 3, ready: 1 / 12, awaiting_pickup: 0.25, on_the_way: 1 / 3 };
/** A restaurant's day: the pace `npm start` can be switched to (`POST /control {stepMinutes: "realistic"}`). */
export const REALISTIC_STEP_MINUTES: PosStepMinutes = { accepted: 2, cooking: 15, ready: 5, awaiting_pickup: 10, on_the_way: 25 };

/** Failure injection and kitchen pace (`GET/POST /control`). */
export const PosOutage = Type.Union([Type.Literal(false), Type.Literal('refuse'), Type.Literal('hang')]);
export const PosControl = Type.Object({
  /** Added before every answer except /control. */
  latencyMs: Type.Integer({ minimum: 0, maximum: 600_000 }),
  /** Share of requests (except /control) answered 503 {code: "UNAVAILABLE"}. */
  failureRate: Type.Number({ minimum: 0, maximum: 1 }),
  /** false: normal; "refuse": connections are dropped at once (like a refused/reset connection); "hang": requests are never answered. /control always answers. */
  outage: PosOutage,
  /** Kitchen pace multiplier: 1 = a lively demo (tens of seconds per order), 100 = a hundred times faster, 0 = the kitchen is paused. */
  kitchenSpeed: Type.Number({ minimum: 0, maximum: 100_000 }),
  /** Minutes (at kitchenSpeed 1) an order spends in each step; fractions allowed. The default is a fast demo pace. */
  stepMinutes: PosStepMinutes(),
});
export type PosControl = Static<typeof PosControl>;
export const PosControlPatch = Type.Object(
  {
    latencyMs: Type.Optional(PosControl.properties.latencyMs),
    failureRate: Type.Optional(PosControl.properties.failureRate),
    outage: Type.Optional(PosOutage),
    kitchenSpeed: Type.Optional(PosControl.properties.kitchenSpeed),
    /** Any of the steps; the rest keep their minutes. `"realistic"` / `"fast"`: a whole preset. */
    stepMinutes: Type.Optional(Type.Union([Type.Partial(PosStepMinutes()), Type.Literal('realistic'), Type.Literal('fast')])),
  },
  { additionalProperties: false },
);
export type PosControlPatch = Static<typeof PosControlPatch>;
