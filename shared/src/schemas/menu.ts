import { Type, type Static } from 'typebox';
import { OPTION_GROUP_KINDS } from '../statuses';
import { Id, Money, Timestamp } from './common';
import { CityStatus, Restaurant } from './restaurant';

export const City = Type.Object({
  id: Id,
  name: Type.String(),
  name_en: Type.String(),
  timezone: Type.String(),
  /** The prefix of the city's order numbers (`M` → `M-0013`), so numbers seen together never repeat. */
  code: Type.String(),
  /** Where customers call about an order (the Mini App's "Call the restaurant"); null when unknown. */
  phone: Type.Union([Type.String(), Type.Null()]),
  /** Live: paused, busy, open now (issue 14). */
  status: CityStatus,
  /** Its active restaurants (pickup points), with each one's hours and pause. */
  restaurants: Type.Array(Restaurant),
});
export type City = Static<typeof City>;

export const Category = Type.Object({
  id: Id,
  name: Type.String(),
  name_en: Type.String(),
  sort: Type.Integer(),
});
export type Category = Static<typeof Category>;

/** One choice of an option group, priced in the menu's city (0 = no extra cost). */
export const ProductOption = Type.Object({
  id: Id,
  name: Type.String(),
  name_en: Type.String(),
  price: Money,
  /** false: on this city's stop-list (shown, not choosable). */
  available: Type.Boolean(),
});
export type ProductOption = Static<typeof ProductOption>;

/**
 * A product's option group. The rule is `min`..`max` choices (a size: 1..1; extras: 0..3);
 * `kind` says how to show it: `single` (one of), `multiple` (several of), `removal` (left out, free).
 */
export const ProductOptionGroup = Type.Object({
  id: Id,
  kind: Type.Enum(OPTION_GROUP_KINDS),
  name: Type.String(),
  name_en: Type.String(),
  min: Type.Integer({ minimum: 0 }),
  max: Type.Integer({ minimum: 1 }),
  options: Type.Array(ProductOption),
});
export type ProductOptionGroup = Static<typeof ProductOptionGroup>;

export const Product = Type.Object({
  id: Id,
  category_id: Id,
  name: Type.String(),
  name_en: Type.String(),
  description: Type.String(),
  description_en: Type.String(),
  /** Path under the server's origin, e.g. /static/menu/borscht.webp */
  image: Type.String(),
  price: Money,
  available: Type.Boolean(),
  /** Grams (millilitres for drinks) of a portion; null = not known. */
  weight: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  /** Energy value of a portion, kcal; null = not known. */
  kcal: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  /** Required groups first; empty for a dish without options. Only options priced in this city. */
  option_groups: Type.Array(ProductOptionGroup),
});
export type Product = Static<typeof Product>;

export const Menu = Type.Object({
  city: City,
  categories: Type.Array(Category),
  products: Type.Array(Product),
});
export type Menu = Static<typeof Menu>;

export const MenuQuery = Type.Object({ cityId: Id });
export type MenuQuery = Static<typeof MenuQuery>;

/** A product's price or availability changed in a city (the `menu-updated` event's data). Here, not in ./realtime, so menu → realtime → user → menu is no import cycle. */
export const MenuUpdated = Type.Object({
  cityId: Id,
  productId: Id,
  available: Type.Boolean(),
  price: Money,
  timestamp: Timestamp,
});
export type MenuUpdated = Static<typeof MenuUpdated>;

/** Stop-list change by a manager: a dish on or off sale in one city. */
export const ProductAvailabilityBody = Type.Object(
  { cityId: Id, available: Type.Boolean() },
  { additionalProperties: false },
);
export type ProductAvailabilityBody = Static<typeof ProductAvailabilityBody>;

/** Answer of the stop-list change: the update as announced, and whether anything changed (setting what is set changes nothing). */

export const AvailabilityResponse = Type.Object({ update: MenuUpdated, changed: Type.Boolean() });
export type AvailabilityResponse = Static<typeof AvailabilityResponse>;
