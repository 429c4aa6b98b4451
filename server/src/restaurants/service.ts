import {
  cleanText,
  seesAllCities,
  type City,
  type CityStatusBody,
  type CityStatusResponse,
  type CreateRestaurantBody,
  type DeliveryType,
  type Restaurant,
  type RestaurantStatusBody,
  type UpdateRestaurantBody,
  type WeekHours,
} from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import { assertCity } from '../auth/scope';
import { inJsonIntsOrAll, sqlText } from '../db/portable';
import { cities, restaurants } from '../db/schema';
import type { Sql } from '../db/sql';
import type { Announce } from '../events/announce';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../lib/errors';
import { promiseTime, type PromiseOutcome } from '../orders/promise';
import { clock, validDay } from './hours';
import { activePause, cityStatus, parsedHours, restaurantView, type CityRow, type RestaurantRow } from './status';
import { columnsOf, tableRows } from '../db/rows';
import { CatalogueMemo } from '../db/catalogue-version';

/** Where a new order is cooked and when it is due. */
export interface Placement {
  restaurantId: number | null;
  promisedAt: string;
  requestedTime: string | null;
}

type NewRestaurant = {
  cityId: number;
  code: string;
  name: string;
  nameEn: string;
  address: string;
  addressEn: string;
  phone: string | null;
  lat: number | null;
  lng: number | null;
  prepMinutes: number;
  hours: string;
  active: number;
};
type RestaurantEdit = {
  id: number;
  code: string | null;
  name: string | null;
  nameEn: string | null;
  address: string | null;
  addressEn: string | null;
  setPhone: number;
  phone: string | null;
  setLat: number;
  lat: number | null;
  setLng: number;
  lng: number | null;
  prepMinutes: number | null;
  hours: string | null;
  active: number | null;
  at: string;
};

/** What a placement reads of a restaurant. */
type PlaceableRow = Pick<RestaurantRow, 'id' | 'nameEn' | 'prepMinutes' | 'hours' | 'pausedAt' | 'pauseReason' | 'pausedUntil'>;

export interface PlacementRequest {
  cityId: number;
  type: DeliveryType;
  restaurantId?: number;
  requestedTime?: string;
  /**
   * Delivery into located zones (zones/delivery.ts): the restaurants whose zones hold the address,
   * best zone first, each with its zone's minutes to the door. The first that can take the order
   * cooks it. Absent: a city without zones (any active restaurant, the city's delivery minutes).
   */
  deliveryOptions?: { restaurantId: number; deliveryMinutes: number }[];
}

/**
 * Restaurants, pauses, busy mode and opening hours: what a city offers now, who may change it,
 * and where (and by when) a new order is cooked. Writers run inside the caller's transaction and
 * announce `city-status-updated` with the city's status after the change.
 */
export class RestaurantsService {
  /*
   * The order path reads a city and its active restaurants for every order: prepared once, and only
   * the columns a placement needs, so no row is mapped per order (both showed as most of an order's
   * cost in CPU profiles: server/bench/README.md).
   */
  private readonly q;
  private readonly decode: (row: unknown) => RestaurantRow;
  /**
   * City and placeable rows are read for every order and change rarely: in memory while the
   * catalogue's version holds (db/catalogue-version.ts; pauses still end by the clock, at read).
   */
  private readonly cityMemo: CatalogueMemo<number, CityRow | undefined>;
  private readonly placeable: CatalogueMemo<number, PlaceableRow[]>;

  constructor(
    sql: Sql,
    private readonly announce: Pick<Announce, 'cityStatusUpdated'>,
  ) {
    const CITY = columnsOf(cities);
    const rest = tableRows(restaurants);
    const R = rest.columns;
    this.decode = rest.decode;
    this.q = {
      cityById: sql.prepare<{ id: number }, CityRow>(`SELECT ${CITY} FROM cities WHERE id = @id`),
      allCities: sql.prepare<void, CityRow>(`SELECT ${CITY} FROM cities ORDER BY id`),
      zones: sql.prepare<void, { id: number; tz: string }>('SELECT id, timezone AS tz FROM cities'),
      // Of one city (or all: null), active only (1) or all (0), within a list of cities (or all: null).
      // (The CAST: PostgreSQL cannot type a parameter first met in `@p IS NULL`.)
      rows: sql.prepare<{ cityId: number | null; activeOnly: number; cities: string | null }, RestaurantRow>(
        sqlText`SELECT ${R} FROM restaurants
         WHERE (CAST(@cityId AS BIGINT) IS NULL OR city_id = @cityId) AND (@activeOnly = 0 OR active = 1)
           AND ${inJsonIntsOrAll('city_id', 'cities')}
         ORDER BY id`,
      ),
      placeableOfCity: sql.prepare<{ cityId: number }, PlaceableRow>(
        `SELECT id, name_en AS "nameEn", prep_minutes AS "prepMinutes", hours, paused_at AS "pausedAt", pause_reason AS "pauseReason",
           paused_until AS "pausedUntil"
         FROM restaurants WHERE city_id = @cityId AND active = 1 ORDER BY id`,
      ),
      restaurant: sql.prepare<{ id: number }, RestaurantRow>(`SELECT ${R} FROM restaurants WHERE id = @id`),
      byCode: sql.prepare<{ code: string }, { id: number }>('SELECT id FROM restaurants WHERE code = @code'),
      insert: sql.prepare<NewRestaurant, RestaurantRow>(
        `INSERT INTO restaurants (city_id, code, name, name_en, address, address_en, phone, lat, lng, prep_minutes, hours, active)
         VALUES (@cityId, @code, @name, @nameEn, @address, @addressEn, @phone, @lat, @lng, @prepMinutes, @hours, @active)
         RETURNING ${R}`,
      ),
      // Null leaves a column as it is; phone, lat and lng may become null, so each has its flag.
      update: sql.prepare<RestaurantEdit, RestaurantRow>(
        `UPDATE restaurants SET code = coalesce(@code, code), name = coalesce(@name, name), name_en = coalesce(@nameEn, name_en),
           address = coalesce(@address, address), address_en = coalesce(@addressEn, address_en),
           phone = CASE WHEN @setPhone = 1 THEN @phone ELSE phone END,
           lat = CASE WHEN @setLat = 1 THEN @lat ELSE lat END, lng = CASE WHEN @setLng = 1 THEN @lng ELSE lng END,
           prep_minutes = coalesce(@prepMinutes, prep_minutes), hours = coalesce(@hours, hours), active = coalesce(@active, active),
           updated_at = @at
         WHERE id = @id RETURNING ${R}`,
      ),
      cityStatus: sql.prepare<{ id: number; setPause: number; pausedAt: string | null; pauseReason: string | null; pausedUntil: string | null; busyMinutes: number | null }>(
        `UPDATE cities SET paused_at = CASE WHEN @setPause = 1 THEN @pausedAt ELSE paused_at END,
           pause_reason = CASE WHEN @setPause = 1 THEN @pauseReason ELSE pause_reason END,
           paused_until = CASE WHEN @setPause = 1 THEN @pausedUntil ELSE paused_until END,
           busy_minutes = coalesce(@busyMinutes, busy_minutes)
         WHERE id = @id`,
      ),
      restaurantStatus: sql.prepare<{ id: number; pausedAt: string | null; pauseReason: string | null; pausedUntil: string | null; at: string }>(
        'UPDATE restaurants SET paused_at = @pausedAt, pause_reason = @pauseReason, paused_until = @pausedUntil, updated_at = @at WHERE id = @id',
      ),
      expireCities: sql.prepare<{ at: string }, { id: number }>(
        'UPDATE cities SET paused_at = NULL, pause_reason = NULL, paused_until = NULL WHERE paused_until IS NOT NULL AND paused_until <= @at RETURNING id',
      ),
      expireRestaurants: sql.prepare<{ at: string }, { cityId: number }>(
        'UPDATE restaurants SET paused_at = NULL, pause_reason = NULL, paused_until = NULL WHERE paused_until IS NOT NULL AND paused_until <= @at RETURNING city_id AS "cityId"',
      ),
      anyExpired: sql.prepare<{ at: string }, { one: number }>(
        `SELECT 1 AS one WHERE EXISTS (SELECT 1 FROM cities WHERE paused_until IS NOT NULL AND paused_until <= @at)
           OR EXISTS (SELECT 1 FROM restaurants WHERE paused_until IS NOT NULL AND paused_until <= @at)`,
      ),
    };
    const { cityById, placeableOfCity } = this.q;
    this.cityMemo = new CatalogueMemo(sql, (id: number) => cityById.get({ id }));
    this.placeable = new CatalogueMemo(sql, (cityId: number) => placeableOfCity.all({ cityId }));
  }

  /* Reading */

  private async cityRow(cityId: number): Promise<CityRow> {
    const city = await this.cityMemo.get(cityId);
    if (!city) throw notFound(`City ${cityId} not found`, 'unknown_city');
    return city;
  }

  private async rowsOf(cityId: number | undefined, activeOnly: boolean, cityIds: readonly number[] | null = null): Promise<RestaurantRow[]> {
    const rows = await this.q.rows.all({ cityId: cityId ?? null, activeOnly: activeOnly ? 1 : 0, cities: cityIds && JSON.stringify(cityIds) });
    return rows.map(this.decode);
  }

  /** A city as the public list and the menu show it: its status and active restaurants now. */
  async cityView(city: CityRow, now = new Date()): Promise<City> {
    const active = (await this.rowsOf(city.id, true)).map((r) => restaurantView(r, city.timezone, now));
    return { id: city.id, name: city.name, name_en: city.nameEn, timezone: city.timezone, code: city.code, phone: city.phone, status: cityStatus(city, active, now), restaurants: active };
  }

  async cities(now = new Date()): Promise<City[]> {
    const out: City[] = [];
    for (const c of await this.q.allCities.all()) out.push(await this.cityView(c, now));
    return out;
  }

  async city(cityId: number, now = new Date()): Promise<City | undefined> {
    const c = await this.q.cityById.get({ id: cityId });
    return c && this.cityView(c, now);
  }

  /** Public list: active restaurants, of one city or all. */
  async listPublic(cityId: number | undefined, now = new Date()): Promise<Restaurant[]> {
    const zones = await this.zones();
    return (await this.rowsOf(cityId, true)).map((r) => restaurantView(r, zones.get(r.cityId)!, now));
  }

  /** Staff list: inactive ones too, within the staff member's cities. */
  async listForStaff(principal: Principal, cityId: number | undefined, now = new Date()): Promise<Restaurant[]> {
    if (cityId !== undefined) assertCity(principal, cityId);
    const zones = await this.zones();
    const scope = seesAllCities(principal.role) ? null : principal.cityIds;
    return (await this.rowsOf(cityId, false, scope)).map((r) => restaurantView(r, zones.get(r.cityId)!, now));
  }

  private async zones(): Promise<Map<number, string>> {
    return new Map((await this.q.zones.all()).map((c) => [c.id, c.tz]));
  }

  /* Managing restaurants (admin/ceo) */

  async create(principal: Principal, body: CreateRestaurantBody): Promise<Restaurant> {
    assertAdmin(principal);
    const city = await this.q.cityById.get({ id: body.cityId });
    if (!city) throw unprocessable(`City ${body.cityId} does not exist`, 'unknown_city');
    checkHours(body.hours);
    const code = body.code ?? `R-${Date.now().toString(36).toUpperCase()}`;
    await this.assertCodeFree(code, null);
    const row = this.decode(
      await this.q.insert.get({
        cityId: city.id,
        code,
        name: cleanText(body.name),
        nameEn: cleanText(body.name_en),
        address: cleanText(body.address),
        addressEn: cleanText(body.address_en ?? body.address),
        phone: body.phone ?? null,
        lat: body.lat ?? null,
        lng: body.lng ?? null,
        prepMinutes: body.prep_minutes,
        hours: JSON.stringify(body.hours),
        active: body.active === false ? 0 : 1,
      }),
    );
    await this.announceCity(city.id);
    return restaurantView(row, city.timezone, new Date());
  }

  async update(principal: Principal, id: number, body: UpdateRestaurantBody): Promise<Restaurant> {
    assertAdmin(principal);
    const row = await this.restaurantRow(id);
    if (body.hours) checkHours(body.hours);
    if (body.code !== undefined) await this.assertCodeFree(body.code, id);
    const updated = this.decode(
      await this.q.update.get({
        id,
        code: body.code ?? null,
        name: body.name !== undefined ? cleanText(body.name) : null,
        nameEn: body.name_en !== undefined ? cleanText(body.name_en) : null,
        address: body.address !== undefined ? cleanText(body.address) : null,
        addressEn: body.address_en !== undefined ? cleanText(body.address_en) : null,
        setPhone: body.phone !== undefined ? 1 : 0,
        phone: body.phone ?? null,
        setLat: body.lat !== undefined ? 1 : 0,
        lat: body.lat ?? null,
        setLng: body.lng !== undefined ? 1 : 0,
        lng: body.lng ?? null,
        prepMinutes: body.prep_minutes ?? null,
        hours: body.hours !== undefined ? JSON.stringify(body.hours) : null,
        active: body.active === undefined ? null : body.active ? 1 : 0,
        at: new Date().toISOString(),
      }),
    );
    await this.announceCity(row.cityId);
    return restaurantView(updated, (await this.cityRow(row.cityId)).timezone, new Date());
  }

  private async restaurantRow(id: number): Promise<RestaurantRow> {
    const row = await this.q.restaurant.get({ id });
    if (!row) throw notFound(`Restaurant ${id} not found`, 'unknown_restaurant');
    return this.decode(row);
  }

  private async assertCodeFree(code: string, self: number | null): Promise<void> {
    const other = await this.q.byCode.get({ code });
    if (other && other.id !== self) throw conflict(`Restaurant code ${code} is taken`, 'code_taken');
  }

  /* Pausing and busy mode (managers in their cities, admin/ceo everywhere) */

  async setCityStatus(principal: Principal, cityId: number, body: CityStatusBody, now = new Date()): Promise<CityStatusResponse> {
    assertCity(principal, cityId);
    const city = await this.cityRow(cityId);
    if (body.paused === undefined && body.busyMinutes === undefined) {
      throw badRequest('Nothing to change: send paused and/or busyMinutes', 'nothing_to_change');
    }
    if (body.paused === undefined && (body.until !== undefined || body.reason !== undefined)) {
      throw badRequest('reason and until go with paused', 'invalid_until');
    }
    const pause = body.paused === undefined ? null : pauseColumns(body, now);
    await this.q.cityStatus.run({
      id: city.id,
      setPause: pause ? 1 : 0,
      pausedAt: pause?.pausedAt ?? null,
      pauseReason: pause?.pauseReason ?? null,
      pausedUntil: pause?.pausedUntil ?? null,
      busyMinutes: body.busyMinutes ?? null,
    });
    return this.announceCity(city.id, now);
  }

  async setRestaurantStatus(principal: Principal, id: number, body: RestaurantStatusBody, now = new Date()): Promise<CityStatusResponse> {
    const row = await this.restaurantRow(id);
    assertCity(principal, row.cityId);
    await this.q.restaurantStatus.run({ id, ...pauseColumns(body, now), at: now.toISOString() });
    return this.announceCity(row.cityId, now);
  }

  /**
   * Pauses whose `until` has passed: cleared, and each city announced, so open apps see the city
   * reopen without a reload. The clearing UPDATE decides which node announces. Returns how many.
   */
  async expirePauses(now = new Date()): Promise<number> {
    const at = now.toISOString();
    const cityIds = new Set<number>();
    for (const c of await this.q.expireCities.all({ at })) cityIds.add(c.id);
    for (const r of await this.q.expireRestaurants.all({ at })) cityIds.add(r.cityId);
    for (const id of cityIds) await this.announceCity(id, now);
    return cityIds.size;
  }

  /** Whether any pause has run out (a read, so the timer opens a write transaction only when there is work). */
  async hasExpiredPauses(now = new Date()): Promise<boolean> {
    return (await this.q.anyExpired.get({ at: now.toISOString() })) !== undefined;
  }

  private async announceCity(cityId: number, now = new Date()): Promise<CityStatusResponse> {
    const city = await this.cityRow(cityId);
    const view = await this.cityView(city, now);
    await this.announce.cityStatusUpdated({ cityId, status: view.status, restaurants: view.restaurants, timestamp: now.toISOString() });
    return { status: view.status, restaurants: view.restaurants };
  }

  /* The order path */

  /**
   * Where a new order is cooked and when it is due, or the refusal: 409 `city_paused`,
   * `restaurant_paused`, `closed` (with `reopens_at`); 400 for a pickup without its restaurant
   * in a city of several, or a requested time that cannot be kept; 422 for a restaurant of
   * another city. Pickup: the chosen restaurant. Delivery: the first active restaurant (by id)
   * that is not paused and can keep the time.
   */
  async placement(req: PlacementRequest, now = new Date(), known?: CityRow): Promise<Placement> {
    // The order path has just read the city: it passes the row instead of a second read.
    const city = known?.id === req.cityId ? known : await this.cityRow(req.cityId);
    const zone = city.timezone;
    const cityPause = activePause(city, now);
    if (cityPause) {
      const until = cityPause.until ? ` until ${clock(new Date(cityPause.until), zone)}` : '';
      throw conflict(`${city.nameEn} is not taking orders${until}: ${cityPause.reason}`, 'city_paused', { reopens_at: cityPause.until });
    }
    const requested = req.requestedTime ? new Date(req.requestedTime) : null;
    if (requested && Number.isNaN(requested.getTime())) throw badRequest('requestedTime is not a valid time', 'invalid_requested_time');
    const deliveryMinutes = req.type === 'delivery' ? city.deliveryMinutes : 0;
    const promise = (prepMinutes: number, hours: WeekHours | null, minutes = deliveryMinutes): PromiseOutcome =>
      promiseTime({ now, zone, prepMinutes, deliveryMinutes: minutes, busyMinutes: city.busyMinutes, hours, requestedTime: requested });
    const placed = (restaurantId: number | null, o: PromiseOutcome & { ok: true }): Placement => ({
      restaurantId,
      promisedAt: o.promisedAt.toISOString(),
      requestedTime: requested ? requested.toISOString() : null,
    });

    const active = await this.placeable.get(city.id);
    if (active.length === 0) return placed(null, accept(promise(city.prepMinutes, null)));

    if (req.type === 'pickup') {
      let r: PlaceableRow | undefined;
      if (req.restaurantId !== undefined) {
        r = active.find((x) => x.id === req.restaurantId);
        if (!r) throw unprocessable(`Restaurant ${req.restaurantId} is not a pickup point in ${city.nameEn}`, 'unknown_restaurant');
      } else if (active.length === 1) {
        r = active[0]!;
      } else {
        throw badRequest(`${city.nameEn} has ${active.length} pickup points: choose one (restaurantId)`, 'restaurant_required');
      }
      const pause = activePause(r, now);
      if (pause) {
        const until = pause.until ? ` until ${clock(new Date(pause.until), zone)}` : '';
        throw conflict(`${r.nameEn} is not taking orders${until}: ${pause.reason}`, 'restaurant_paused', { reopens_at: pause.until });
      }
      return placed(r.id, accept(promise(r.prepMinutes, parsedHours(r.hours))));
    }

    if (req.deliveryOptions) return this.placeInZones(req.deliveryOptions, active, now, zone, promise, placed);
    const taking = active.filter((r) => !activePause(r, now));
    if (taking.length === 0) {
      const untils = active.map((r) => activePause(r, now)!.until);
      const reopens = untils.includes(null) ? null : (untils as string[]).sort()[0]!;
      throw conflict(`${city.nameEn}: every restaurant is paused: ${activePause(active[0]!, now)!.reason}`, 'restaurant_paused', { reopens_at: reopens });
    }
    const refusals: (PromiseOutcome & { ok: false })[] = [];
    for (const r of taking) {
      const o = promise(r.prepMinutes, parsedHours(r.hours));
      if (o.ok) return placed(r.id, o);
      refusals.push(o);
    }
    // None can: report the soonest reopening among the closed ones, else the first refusal.
    const closed = refusals.filter((o): o is PromiseOutcome & { ok: false; error: 'closed' } => o.error === 'closed' && o.reopensAt !== null);
    closed.sort((a, b) => a.reopensAt!.getTime() - b.reopensAt!.getTime());
    return placed(null, accept(closed[0] ?? refusals[0]!));
  }

  /**
   * Delivery to a located address: the zones' restaurants in the zones' order, each with its
   * zone's minutes; the first active, unpaused one that can keep the time cooks it. None: the
   * refusal of the best zone's restaurant (paused, or closed with its reopening).
   */
  private placeInZones(
    options: { restaurantId: number; deliveryMinutes: number }[],
    active: PlaceableRow[],
    now: Date,
    zone: string,
    promise: (prep: number, hours: WeekHours | null, minutes: number) => PromiseOutcome,
    placed: (restaurantId: number | null, o: PromiseOutcome & { ok: true }) => Placement,
  ): Placement {
    let firstRefusal: (() => never) | null = null;
    for (const o of options) {
      const r = active.find((x) => x.id === o.restaurantId);
      if (!r) continue;
      const pause = activePause(r, now);
      if (pause) {
        const until = pause.until ? ` until ${clock(new Date(pause.until), zone)}` : '';
        firstRefusal ??= () => {
          throw conflict(`${r.nameEn}, which delivers to this address, is not taking orders${until}: ${pause.reason}`, 'restaurant_paused', { reopens_at: pause.until });
        };
        continue;
      }
      const outcome = promise(r.prepMinutes, parsedHours(r.hours), o.deliveryMinutes);
      if (outcome.ok) return placed(r.id, outcome);
      firstRefusal ??= () => {
        accept(outcome);
        throw new Error('unreachable');
      };
    }
    if (firstRefusal) firstRefusal();
    throw badRequest('No restaurant delivers to this address', 'outside_delivery_zones');
  }
}

/** A refused promise as the HTTP error the customer reads. */
function accept(o: PromiseOutcome): PromiseOutcome & { ok: true } {
  if (o.ok) return o;
  if (o.error === 'closed') throw conflict(o.message, 'closed', { reopens_at: o.reopensAt?.toISOString() ?? null });
  throw badRequest(o.message, o.error);
}

function assertAdmin(p: Principal): void {
  if (!seesAllCities(p.role)) throw forbidden('Only admin and ceo manage restaurants', 'admins_only');
}

function checkHours(hours: WeekHours): void {
  const bad = hours.findIndex((d) => !validDay(d));
  if (bad >= 0) throw badRequest(`hours[${bad}]: close must be after open`, 'invalid_hours');
}

/** The pause columns for a pause (reason required; `until` in the future) or a resume. */
function pauseColumns(body: { paused?: boolean; reason?: string; until?: string | null }, now: Date) {
  if (!body.paused) {
    if (body.until) throw badRequest('until only goes with paused: true', 'invalid_until');
    return { pausedAt: null, pauseReason: null, pausedUntil: null };
  }
  const reason = cleanText(body.reason ?? '');
  if (!reason) throw badRequest('A pause needs a reason', 'reason_required');
  let until: string | null = null;
  if (body.until) {
    const t = new Date(body.until);
    if (Number.isNaN(t.getTime()) || t.getTime() <= now.getTime()) throw badRequest('until must be a time in the future', 'invalid_until');
    until = t.toISOString();
  }
  return { pausedAt: now.toISOString(), pauseReason: reason, pausedUntil: until };
}
