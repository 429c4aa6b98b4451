import { and, asc, eq, sql } from 'drizzle-orm';
import {
  cleanText,
  toMajor,
  toMinor,
  type CreateZoneBody,
  type DeliveryZone,
  type LatLng,
  type UpdateZoneBody,
  type ZoneGeoJson,
  type ZoneGeometry,
  type ZoneTerms,
} from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import { assertCity, cityFilter } from '../auth/scope';
import type { Db } from '../db/client';
import { CatalogueMemo } from '../db/catalogue-version';
import { deliveryZones, restaurants } from '../db/schema';
import { badRequest, notFound, unprocessable } from '../lib/errors';
import { contains, flatten, geometryOf, geometryProblem } from './geometry';

export type ZoneRow = typeof deliveryZones.$inferSelect;

/** A zone the order path can use: its row and its parsed shape. */
export interface LiveZone {
  row: ZoneRow;
  geometry: ZoneGeometry;
}

export const zoneTerms = (z: ZoneRow): ZoneTerms => ({
  id: z.id,
  restaurant_id: z.restaurantId,
  city_id: z.cityId,
  name: z.name,
  delivery_fee: toMajor(z.deliveryFee),
  free_from: z.freeFrom === null ? null : toMajor(z.freeFrom),
  min_order: toMajor(z.minOrder),
  delivery_minutes: z.deliveryMinutes,
});

/**
 * Delivery zones: staff edit them (in their cities), the order path and the Mini App's preview find
 * which zones hold a point. Where zones overlap they are tried in `sort` order (then id): the first
 * whose restaurant can take the order wins (RestaurantsService.placement decides that).
 */
export class ZonesService {
  /**
   * A city's zones in use with their parsed shapes, read for every delivery order and changed
   * rarely: kept in memory while the catalogue's version holds (db/catalogue-version.ts), so an
   * order does no query, no row mapping and no JSON.parse of a polygon.
   */
  private readonly liveOfCity: CatalogueMemo<number, LiveZone[]>;

  constructor(private readonly db: Db) {
    // Only zones whose restaurant is active: a closed-down kitchen's area is nobody's.
    const activeOfCity = db
      .select({ zone: deliveryZones })
      .from(deliveryZones)
      .innerJoin(restaurants, eq(restaurants.id, deliveryZones.restaurantId))
      .where(and(eq(deliveryZones.cityId, sql.placeholder('cityId')), eq(deliveryZones.active, true), eq(restaurants.active, true)))
      .orderBy(asc(deliveryZones.sort), asc(deliveryZones.id))
      .prepare();
    this.liveOfCity = new CatalogueMemo(db.$client, (cityId: number) =>
      activeOfCity.all({ cityId }).map(({ zone }) => ({ row: zone, geometry: JSON.parse(zone.geometry) as ZoneGeometry })),
    );
  }

  private live(cityId: number): LiveZone[] {
    return this.liveOfCity.get(cityId);
  }

  /**
   * The city's zones holding the point, best first; `zoned: false` when the city has no zones at
   * all (it then delivers anywhere without a fee, as before zones existed).
   */
  locate(cityId: number, point: LatLng): { zoned: boolean; zones: ZoneRow[] } {
    const all = this.live(cityId);
    return { zoned: all.length > 0, zones: all.filter((z) => contains(z.geometry, point)).map((z) => z.row) };
  }

  /** Whether the city has any zone in use (then every delivery must be located). */
  isZoned(cityId: number): boolean {
    return this.live(cityId).length > 0;
  }

  /* Staff */

  list(principal: Principal, cityId: number | undefined): DeliveryZone[] {
    if (cityId !== undefined) assertCity(principal, cityId);
    return this.db
      .select()
      .from(deliveryZones)
      .where(and(cityId !== undefined ? eq(deliveryZones.cityId, cityId) : undefined, cityFilter(principal, deliveryZones.cityId)))
      .orderBy(asc(deliveryZones.cityId), asc(deliveryZones.sort), asc(deliveryZones.id))
      .all()
      .map(toWire);
  }

  create(principal: Principal, body: CreateZoneBody): DeliveryZone {
    const restaurant = this.db.select().from(restaurants).where(eq(restaurants.id, body.restaurantId)).get();
    if (!restaurant) throw unprocessable(`Restaurant ${body.restaurantId} does not exist`, 'unknown_restaurant');
    assertCity(principal, restaurant.cityId);
    const row = this.db
      .insert(deliveryZones)
      .values({
        restaurantId: restaurant.id,
        cityId: restaurant.cityId,
        name: zoneName(body.name),
        geometry: JSON.stringify(checkedGeometry(body.geometry)),
        ...money(body),
        deliveryMinutes: body.deliveryMinutes,
        active: body.active ?? true,
        sort: body.sort ?? 0,
      })
      .returning()
      .get();
    return toWire(row);
  }

  update(principal: Principal, id: number, body: UpdateZoneBody): DeliveryZone {
    const row = this.row(principal, id);
    const updated = this.db
      .update(deliveryZones)
      .set({
        ...(body.name !== undefined && { name: zoneName(body.name) }),
        ...(body.geometry !== undefined && { geometry: JSON.stringify(checkedGeometry(body.geometry)) }),
        ...money(body),
        ...(body.deliveryMinutes !== undefined && { deliveryMinutes: body.deliveryMinutes }),
        ...(body.active !== undefined && { active: body.active }),
        ...(body.sort !== undefined && { sort: body.sort }),
        updatedAt: new Date().toISOString(),
      })
      .where(eq(deliveryZones.id, row.id))
      .returning()
      .get()!;
    return toWire(updated);
  }

  /** Orders placed in it keep their fee; their `delivery_zone_id` becomes null. */
  remove(principal: Principal, id: number): void {
    const row = this.row(principal, id);
    this.db.delete(deliveryZones).where(eq(deliveryZones.id, row.id)).run();
  }

  /** Another city's zone is 403 for a manager (like its orders); a missing one 404. */
  private row(principal: Principal, id: number): ZoneRow {
    const row = this.db.select().from(deliveryZones).where(eq(deliveryZones.id, id)).get();
    if (!row) throw notFound(`Delivery zone ${id} not found`, 'unknown_zone');
    assertCity(principal, row.cityId);
    return row;
  }
}

function toWire(z: ZoneRow): DeliveryZone {
  return { ...zoneTerms(z), geometry: JSON.parse(z.geometry) as ZoneGeometry, active: z.active, sort: z.sort };
}

function zoneName(name: string): string {
  const clean = cleanText(name);
  if (!clean) throw badRequest('A zone needs a name', 'invalid_zone');
  return clean;
}

function checkedGeometry(paste: ZoneGeoJson): ZoneGeometry {
  const g = geometryOf(paste);
  const problem = geometryProblem(g);
  if (problem) throw badRequest(`The zone's GeoJSON: ${problem}`, 'invalid_geometry');
  return flatten(g);
}

function money(body: { deliveryFee?: number; freeFrom?: number | null; minOrder?: number }) {
  return {
    ...(body.deliveryFee !== undefined && { deliveryFee: toMinor(body.deliveryFee) }),
    ...(body.freeFrom !== undefined && { freeFrom: body.freeFrom === null ? null : toMinor(body.freeFrom) }),
    ...(body.minOrder !== undefined && { minOrder: toMinor(body.minOrder) }),
  };
}
