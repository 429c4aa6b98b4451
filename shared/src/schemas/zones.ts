import { Type, type Static } from 'typebox';
import { Id, Money } from './common';

/*
 * Delivery zones (issue 16): a restaurant's area as a GeoJSON polygon with its terms, the
 * customer's saved addresses, and the signed contact a Mini App may hand over.
 */

/** A GeoJSON position: [longitude, latitude] (GeoJSON's order), optionally with an altitude that is ignored. */
export const Position = Type.Union([
  Type.Tuple([Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 })]),
  Type.Tuple([Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 }), Type.Number()]),
]);
/** A closed ring: at least four positions, the last equal to the first (checked by the server). */
const Ring = Type.Array(Position, { minItems: 4, maxItems: 5000 });
const PolygonCoords = Type.Array(Ring, { minItems: 1, maxItems: 50 });

export const GeoPolygon = Type.Object({ type: Type.Literal('Polygon'), coordinates: PolygonCoords });
export const GeoMultiPolygon = Type.Object({ type: Type.Literal('MultiPolygon'), coordinates: Type.Array(PolygonCoords, { minItems: 1, maxItems: 50 }) });
/** What a zone stores: a Polygon or MultiPolygon geometry. */
export const ZoneGeometry = Type.Union([GeoPolygon, GeoMultiPolygon]);
export type ZoneGeometry = Static<typeof ZoneGeometry>;
/**
 * What staff may paste: the geometry itself, a Feature holding it, or a FeatureCollection of one
 * such Feature (what geojson.io and most editors export). The server keeps the geometry.
 */
const ZoneFeature = Type.Object({ type: Type.Literal('Feature'), geometry: ZoneGeometry, properties: Type.Optional(Type.Unknown()) });
export const ZoneGeoJson = Type.Union([
  GeoPolygon,
  GeoMultiPolygon,
  ZoneFeature,
  Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(ZoneFeature, { minItems: 1, maxItems: 1 }) }),
]);
export type ZoneGeoJson = Static<typeof ZoneGeoJson>;

export const LatLng = Type.Object(
  { lat: Type.Number({ minimum: -90, maximum: 90 }), lng: Type.Number({ minimum: -180, maximum: 180 }) },
  { additionalProperties: false },
);
export type LatLng = Static<typeof LatLng>;

/** A zone's terms: what the customer pays and waits, in roubles and minutes. */
export const ZoneTerms = Type.Object({
  id: Id,
  restaurant_id: Id,
  city_id: Id,
  name: Type.String(),
  /** The delivery fee below the free-delivery threshold. */
  delivery_fee: Money,
  /** From this subtotal on delivery is free; null: never free. */
  free_from: Type.Union([Money, Type.Null()]),
  /** The smallest subtotal delivered here. */
  min_order: Money,
  /** Minutes from ready to the door in this zone. */
  delivery_minutes: Type.Integer({ minimum: 0 }),
});
export type ZoneTerms = Static<typeof ZoneTerms>;

/** A zone as staff edit it: its terms, its polygon, and whether it is in use. */
export const DeliveryZone = Type.Intersect([
  ZoneTerms,
  Type.Object({ geometry: ZoneGeometry, active: Type.Boolean(), sort: Type.Integer() }),
]);
export type DeliveryZone = Static<typeof DeliveryZone>;

const ZoneName = Type.String({ minLength: 1, maxLength: 100 });
const Fee = Type.Number({ minimum: 0, maximum: 100_000, multipleOf: 0.01 });
const Minutes = Type.Integer({ minimum: 0, maximum: 24 * 60 });

export const CreateZoneBody = Type.Object(
  {
    restaurantId: Id,
    name: ZoneName,
    deliveryFee: Fee,
    freeFrom: Type.Optional(Type.Union([Fee, Type.Null()])),
    minOrder: Fee,
    deliveryMinutes: Minutes,
    geometry: ZoneGeoJson,
    active: Type.Optional(Type.Boolean()),
    /** Where zones overlap, the lower sort wins (then the lower id). */
    sort: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  { additionalProperties: false },
);
export type CreateZoneBody = Static<typeof CreateZoneBody>;

export const UpdateZoneBody = Type.Partial(Type.Omit(CreateZoneBody, ['restaurantId']), { additionalProperties: false, minProperties: 1 });
export type UpdateZoneBody = Static<typeof UpdateZoneBody>;

export const ZonesQuery = Type.Object({ cityId: Type.Optional(Id) });
export type ZonesQuery = Static<typeof ZonesQuery>;
export const ZoneList = Type.Object({ items: Type.Array(DeliveryZone) });
export type ZoneList = Static<typeof ZoneList>;
export const ZoneResponse = Type.Object({ zone: DeliveryZone });
export type ZoneResponse = Static<typeof ZoneResponse>;

/** Where does a point fall? `addressId` (a saved address) or the point itself. */
export const LocateBody = Type.Object(
  {
    cityId: Id,
    location: Type.Optional(LatLng),
    addressId: Type.Optional(Id),
    /** Text to geocode, only where the server has a geocoder. */
    address: Type.Optional(Type.String({ minLength: 3, maxLength: 300 })),
  },
  { additionalProperties: false },
);
export type LocateBody = Static<typeof LocateBody>;
/** The zone the point falls in (null: outside every zone of the city), and the point the server used. */
export const LocateResponse = Type.Object({
  /** false: the city has no zones at all (delivery anywhere, no fee). */
  zoned: Type.Boolean(),
  zone: Type.Union([ZoneTerms, Type.Null()]),
  location: Type.Union([LatLng, Type.Null()]),
});
export type LocateResponse = Static<typeof LocateResponse>;

/* Saved addresses */

export const SavedAddress = Type.Object({
  id: Id,
  /** "Home", "Work"; empty for an address saved from an order. */
  label: Type.String(),
  address: Type.String(),
  lat: Type.Number(),
  lng: Type.Number(),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
});
export type SavedAddress = Static<typeof SavedAddress>;

export const CreateAddressBody = Type.Object(
  {
    label: Type.Optional(Type.String({ maxLength: 40 })),
    address: Type.String({ minLength: 3, maxLength: 300 }),
    lat: LatLng.properties.lat,
    lng: LatLng.properties.lng,
  },
  { additionalProperties: false },
);
export type CreateAddressBody = Static<typeof CreateAddressBody>;
export const UpdateAddressBody = Type.Partial(CreateAddressBody, { additionalProperties: false, minProperties: 1 });
export type UpdateAddressBody = Static<typeof UpdateAddressBody>;
export const AddressList = Type.Object({ items: Type.Array(SavedAddress) });
export type AddressList = Static<typeof AddressList>;
export const AddressResponse = Type.Object({ address: SavedAddress });
export type AddressResponse = Static<typeof AddressResponse>;

/** The raw string of WebApp.requestContact's answer (`contact=…&auth_date=…&hash=…`), signed like initData. */
export const ContactBody = Type.Object({ contact: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false });
export type ContactBody = Static<typeof ContactBody>;
