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
import { seesAllCities } from '@ordercast/shared';
import { assertCity } from '../auth/scope';
import { inJsonIntsOrAll, sqlText } from '../db/portable';
import { tableRows } from '../db/rows';
import { CatalogueMemo } from '../db/catalogue-version';
import { deliveryZones } from '../db/schema';
import type { Sql } from '../db/sql';
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
type ZoneParams = {
  restaurantId: number;
  cityId: number;
  name: string;
  geometry: string;
  deliveryFee: number;
  freeFrom: number | null;
  minOrder: number;
  deliveryMinutes: number;
  active: number;
  sort: number;
};
/** An edit: null leaves a column as it is; `setFreeFrom` says whether free_from (which may become null) is set. */
type ZoneEdit = {
  id: number;
  name: string | null;
  geometry: string | null;
  deliveryFee: number | null;
  setFreeFrom: number;
  freeFrom: number | null;
  minOrder: number | null;
  deliveryMinutes: number | null;
  active: number | null;
  sort: number | null;
  at: string;
};

export class ZonesService {
  private readonly q;
  private readonly decode: (row: unknown) => ZoneRow;
  /**
   * A city's zones in use with their parsed shapes, read for every delivery order and changed
   * rarely: kept in memory while the catalogue's version holds (db/catalogue-version.ts), so an
   * order does no query, no row mapping and no JSON.parse of a polygon.
   */
  private readonly liveOfCity: CatalogueMemo<number, LiveZone[]>;

  constructor(sql: Sql) {
    const zone = tableRows(deliveryZones);
    const z = tableRows(deliveryZones, 'z');
    this.decode = zone.decode;
    this.q = {
      // Only zones whose restaurant is active: a closed-down kitchen's area is nobody's.
      activeOfCity: sql.prepare<{ cityId: number }, ZoneRow>(
        `SELECT ${z.columns} FROM delivery_zones z JOIN restaurants r ON r.id = z.restaurant_id
         WHERE z.city_id = @cityId AND z.active = 1 AND r.active = 1 ORDER BY z.sort, z.id`,
      ),
      // (The CAST: PostgreSQL cannot type a parameter first met in `@p IS NULL`.)
      all: sql.prepare<{ cityId: number | null; cities: string | null }, ZoneRow>(
        sqlText`SELECT ${zone.columns} FROM delivery_zones
         WHERE (CAST(@cityId AS BIGINT) IS NULL OR city_id = @cityId) AND ${inJsonIntsOrAll('city_id', 'cities')}
         ORDER BY city_id, sort, id`,
      ),
      restaurant: sql.prepare<{ id: number }, { id: number; cityId: number }>('SELECT id, city_id AS "cityId" FROM restaurants WHERE id = @id'),
      byId: sql.prepare<{ id: number }, ZoneRow>(`SELECT ${zone.columns} FROM delivery_zones WHERE id = @id`),
      insert: sql.prepare<ZoneParams, ZoneRow>(
        `INSERT INTO delivery_zones (restaurant_id, city_id, name, geometry, delivery_fee, free_from, min_order, delivery_minutes, active, sort)
         VALUES (@restaurantId, @cityId, @name, @geometry, @deliveryFee, @freeFrom, @minOrder, @deliveryMinutes, @active, @sort)
         RETURNING ${zone.columns}`,
      ),
      update: sql.prepare<ZoneEdit, ZoneRow>(
        `UPDATE delivery_zones SET name = coalesce(@name, name), geometry = coalesce(@geometry, geometry),
           delivery_fee = coalesce(@deliveryFee, delivery_fee),
           free_from = CASE WHEN @setFreeFrom = 1 THEN @freeFrom ELSE free_from END,
           min_order = coalesce(@minOrder, min_order), delivery_minutes = coalesce(@deliveryMinutes, delivery_minutes),
           active = coalesce(@active, active), sort = coalesce(@sort, sort), updated_at = @at
         WHERE id = @id RETURNING ${zone.columns}`,
      ),
      remove: sql.prepare<{ id: number }>('DELETE FROM delivery_zones WHERE id = @id'),
    };
    const { activeOfCity } = this.q;
    this.liveOfCity = new CatalogueMemo(sql, async (cityId: number) =>
      (await activeOfCity.all({ cityId })).map((raw) => {
        const row = this.decode(raw);
        return { row, geometry: JSON.parse(row.geometry) as ZoneGeometry };
      }),
    );
  }

  private live(cityId: number): Promise<LiveZone[]> {
    return this.liveOfCity.get(cityId);
  }

  /**
   * The city's zones holding the point, best first; `zoned: false` when the city has no zones at
   * all (it then delivers anywhere without a fee, as before zones existed).
   */
  async locate(cityId: number, point: LatLng): Promise<{ zoned: boolean; zones: ZoneRow[] }> {
    const all = await this.live(cityId);
    return { zoned: all.length > 0, zones: all.filter((z) => contains(z.geometry, point)).map((z) => z.row) };
  }

  /** Whether the city has any zone in use (then every delivery must be located). */
  async isZoned(cityId: number): Promise<boolean> {
    return (await this.live(cityId)).length > 0;
  }

  /* Staff */

  async list(principal: Principal, cityId: number | undefined): Promise<DeliveryZone[]> {
    if (cityId !== undefined) assertCity(principal, cityId);
    const cities = seesAllCities(principal.role) ? null : JSON.stringify(principal.cityIds);
    return (await this.q.all.all({ cityId: cityId ?? null, cities })).map((r) => toWire(this.decode(r)));
  }

  async create(principal: Principal, body: CreateZoneBody): Promise<DeliveryZone> {
    const restaurant = await this.q.restaurant.get({ id: body.restaurantId });
    if (!restaurant) throw unprocessable(`Restaurant ${body.restaurantId} does not exist`, 'unknown_restaurant');
    assertCity(principal, restaurant.cityId);
    const m = money(body);
    const row = await this.q.insert.get({
      restaurantId: restaurant.id,
      cityId: restaurant.cityId,
      name: zoneName(body.name),
      geometry: JSON.stringify(checkedGeometry(body.geometry)),
      deliveryFee: m.deliveryFee ?? 0,
      freeFrom: m.freeFrom ?? null,
      minOrder: m.minOrder ?? 0,
      deliveryMinutes: body.deliveryMinutes,
      active: body.active === false ? 0 : 1,
      sort: body.sort ?? 0,
    });
    return toWire(this.decode(row));
  }

  async update(principal: Principal, id: number, body: UpdateZoneBody): Promise<DeliveryZone> {
    const row = await this.row(principal, id);
    const m = money(body);
    const updated = await this.q.update.get({
      id: row.id,
      name: body.name !== undefined ? zoneName(body.name) : null,
      geometry: body.geometry !== undefined ? JSON.stringify(checkedGeometry(body.geometry)) : null,
      deliveryFee: m.deliveryFee ?? null,
      setFreeFrom: 'freeFrom' in m ? 1 : 0,
      freeFrom: m.freeFrom ?? null,
      minOrder: m.minOrder ?? null,
      deliveryMinutes: body.deliveryMinutes ?? null,
      active: body.active === undefined ? null : body.active ? 1 : 0,
      sort: body.sort ?? null,
      at: new Date().toISOString(),
    });
    return toWire(this.decode(updated));
  }

  /** Orders placed in it keep their fee; their `delivery_zone_id` becomes null. */
  async remove(principal: Principal, id: number): Promise<void> {
    const row = await this.row(principal, id);
    await this.q.remove.run({ id: row.id });
  }

  /** Another city's zone is 403 for a manager (like its orders); a missing one 404. */
  private async row(principal: Principal, id: number): Promise<ZoneRow> {
    const raw = await this.q.byId.get({ id });
    if (!raw) throw notFound(`Delivery zone ${id} not found`, 'unknown_zone');
    const row = this.decode(raw);
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

function money(body: { deliveryFee?: number; freeFrom?: number | null; minOrder?: number }): { deliveryFee?: number; freeFrom?: number | null; minOrder?: number } {
  return {
    ...(body.deliveryFee !== undefined && { deliveryFee: toMinor(body.deliveryFee) }),
    ...(body.freeFrom !== undefined && { freeFrom: body.freeFrom === null ? null : toMinor(body.freeFrom) }),
    ...(body.minOrder !== undefined && { minOrder: toMinor(body.minOrder) }),
  };
}
