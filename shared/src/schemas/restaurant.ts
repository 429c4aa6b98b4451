import { Type, type Static } from 'typebox';
import { Id, Timestamp } from './common';

/*
 * Restaurants (pickup points and kitchens), opening hours, and a city's live status: paused,
 * busy (+N minutes to every promised time), open or closed now (issue 14).
 */

/** `HH:MM`, 24-hour, in the city's time zone; a closing time may be `24:00`. */
export const ClockTime = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$' });

/** One weekday's hours; null = closed all day. `close` is after `open` (no span past midnight). */
export const DayHours = Type.Union([Type.Object({ open: ClockTime, close: ClockTime }, { additionalProperties: false }), Type.Null()]);
export type DayHours = Static<typeof DayHours>;

/** Seven entries, Monday first (index 0 = Monday … 6 = Sunday), in the city's time zone. */
export const WeekHours = Type.Array(DayHours, { minItems: 7, maxItems: 7 });
export type WeekHours = Static<typeof WeekHours>;

/** A pause of a city or a restaurant: why, and until when (null: until staff resume). */
export const PauseInfo = Type.Object({
  reason: Type.String(),
  until: Type.Union([Timestamp, Type.Null()]),
  since: Timestamp,
});
export type PauseInfo = Static<typeof PauseInfo>;

export const Restaurant = Type.Object({
  id: Id,
  city_id: Id,
  /** The restaurant's code in the POS (sent with every order it cooks). */
  code: Type.String(),
  name: Type.String(),
  name_en: Type.String(),
  address: Type.String(),
  address_en: Type.String(),
  phone: Type.String(),
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  lng: Type.Number({ minimum: -180, maximum: 180 }),
  /** Minutes from acceptance until an order is ready. */
  prep_minutes: Type.Integer({ minimum: 0 }),
  hours: WeekHours,
  active: Type.Boolean(),
  /** Null when not paused (an expired pause reads as null). */
  pause: Type.Union([PauseInfo, Type.Null()]),
  /** Within today's hours now (a pause does not change it). */
  open_now: Type.Boolean(),
  /** When it opens next, if closed now; null when open now or never opens. */
  next_open_at: Type.Union([Timestamp, Type.Null()]),
  /** When it closes today, if open now. */
  closes_at: Type.Union([Timestamp, Type.Null()]),
});
export type Restaurant = Static<typeof Restaurant>;

/** A city's live status, as `GET /api/cities`, the menu and `city-status-updated` carry it. */
export const CityStatus = Type.Object({
  city_id: Id,
  /** The whole city is paused (null: not paused). */
  pause: Type.Union([PauseInfo, Type.Null()]),
  /** Minutes added to every new promised time (0: normal). */
  busy_minutes: Type.Integer({ minimum: 0 }),
  /** Minutes from ready to the door, for delivery orders. */
  delivery_minutes: Type.Integer({ minimum: 0 }),
  /** Some active restaurant is within its hours now. */
  open_now: Type.Boolean(),
  /** Earliest next opening among active restaurants, when none is open now. */
  next_open_at: Type.Union([Timestamp, Type.Null()]),
  /** An ASAP order would be taken now: not paused, some restaurant open and not paused. */
  accepting_orders: Type.Boolean(),
  /** Why not, when not: `city_paused`, `restaurant_paused` (every open one is), `closed`. */
  refusal: Type.Union([Type.Literal('city_paused'), Type.Literal('restaurant_paused'), Type.Literal('closed'), Type.Null()]),
  /** When ordering is possible again (pause end or next opening), if known. */
  reopens_at: Type.Union([Timestamp, Type.Null()]),
});
export type CityStatus = Static<typeof CityStatus>;

/** Body of `POST /api/admin/cities/:id/status`: any subset; `paused:false` resumes; `until` ends a pause by itself. */
export const CityStatusBody = Type.Object(
  {
    paused: Type.Optional(Type.Boolean()),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    until: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
    busyMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 240 })),
  },
  { additionalProperties: false },
);
export type CityStatusBody = Static<typeof CityStatusBody>;

/** Body of `POST /api/admin/restaurants/:id/status`. */
export const RestaurantStatusBody = Type.Object(
  {
    paused: Type.Boolean(),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    until: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type RestaurantStatusBody = Static<typeof RestaurantStatusBody>;

const restaurantFields = {
  code: Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$' }),
  name: Type.String({ minLength: 1, maxLength: 120 }),
  name_en: Type.String({ minLength: 1, maxLength: 120 }),
  address: Type.String({ minLength: 3, maxLength: 300 }),
  address_en: Type.String({ minLength: 3, maxLength: 300 }),
  phone: Type.String({ pattern: '^\\+?[0-9 ()-]{5,20}$' }),
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  lng: Type.Number({ minimum: -180, maximum: 180 }),
  prep_minutes: Type.Integer({ minimum: 0, maximum: 240 }),
  hours: WeekHours,
  active: Type.Boolean(),
};

/** Body of `POST /api/admin/restaurants` (admin/ceo). `code` defaults to one made from the id; `address_en` to `address`. */
export const CreateRestaurantBody = Type.Object(
  {
    cityId: Id,
    code: Type.Optional(restaurantFields.code),
    name: restaurantFields.name,
    name_en: restaurantFields.name_en,
    address: restaurantFields.address,
    address_en: Type.Optional(restaurantFields.address_en),
    phone: restaurantFields.phone,
    lat: restaurantFields.lat,
    lng: restaurantFields.lng,
    prep_minutes: restaurantFields.prep_minutes,
    hours: restaurantFields.hours,
    active: Type.Optional(restaurantFields.active),
  },
  { additionalProperties: false },
);
export type CreateRestaurantBody = Static<typeof CreateRestaurantBody>;

/** Body of `PATCH /api/admin/restaurants/:id` (admin/ceo): any subset; the city never changes. */
export const UpdateRestaurantBody = Type.Partial(
  Type.Object(restaurantFields, { additionalProperties: false }),
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateRestaurantBody = Static<typeof UpdateRestaurantBody>;

export const RestaurantResponse = Type.Object({ restaurant: Restaurant });
export type RestaurantResponse = Static<typeof RestaurantResponse>;

export const RestaurantsQuery = Type.Object({ cityId: Type.Optional(Id) });
export type RestaurantsQuery = Static<typeof RestaurantsQuery>;

export const RestaurantList = Type.Object({ items: Type.Array(Restaurant) });
export type RestaurantList = Static<typeof RestaurantList>;

/** Answer of the status routes: the city's status after the change and its restaurants. */
export const CityStatusResponse = Type.Object({ status: CityStatus, restaurants: Type.Array(Restaurant) });
export type CityStatusResponse = Static<typeof CityStatusResponse>;

/** Body of `POST /api/admin/orders/:id/eta`: a new time, or minutes to add (negative moves it earlier); a reason always. */
export const EtaChangeBody = Type.Object(
  {
    promisedAt: Type.Optional(Type.String({ format: 'date-time' })),
    addMinutes: Type.Optional(Type.Integer({ minimum: -240, maximum: 240 })),
    reason: Type.String({ minLength: 1, maxLength: 300 }),
  },
  { additionalProperties: false },
);
export type EtaChangeBody = Static<typeof EtaChangeBody>;
