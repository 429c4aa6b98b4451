import { Type, type Static } from 'typebox';
import { Id, Money, Timestamp } from './common';
import { CityStatus, Restaurant } from './restaurant';

export const City = Type.Object({
  id: Id,
  name: Type.String(),
  name_en: Type.String(),
  timezone: Type.String(),
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

/** Stop-list change by a manager (issue 6). */
export const ProductAvailabilityBody = Type.Object(
  { cityId: Id, available: Type.Boolean() },
  { additionalProperties: false },
);
export type ProductAvailabilityBody = Static<typeof ProductAvailabilityBody>;

/** Answer of the stop-list change: the update as announced, and whether anything changed (setting what is set changes nothing). */
export const AvailabilityResponse = Type.Object({ update: MenuUpdated, changed: Type.Boolean() });
export type AvailabilityResponse = Static<typeof AvailabilityResponse>;
