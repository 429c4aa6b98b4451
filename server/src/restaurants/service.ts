import { and, asc, eq, isNotNull, lte, sql } from 'drizzle-orm';
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
import { assertCity, cityFilter } from '../auth/scope';
import type { Db } from '../db/client';
import { cities, restaurants } from '../db/schema';
import type { Announce } from '../events/announce';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../lib/errors';
import { promiseTime, type PromiseOutcome } from '../orders/promise';
import { clock, validDay } from './hours';
import { activePause, cityStatus, parsedHours, restaurantView, type CityRow, type RestaurantRow } from './status';
import { columnsOf } from '../db/rows';
import { CatalogueMemo } from '../db/catalogue-version';

/** Where a new order is cooked and when it is due. */
export interface Placement {
  restaurantId: number | null;
  promisedAt: string;
  requestedTime: string | null;
}

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
   * The order path reads a city and its active restaurants for every order: prepared once on
   * better-sqlite3 itself, and only the columns a placement needs, so no query is built and no row
   * mapped per order (both showed as most of an order's cost in CPU profiles: server/bench/README.md).
   */
  private readonly cityById;
  private readonly activeOfCity;
  private readonly placeableOfCity;

  constructor(
    private readonly db: Db,
    private readonly announce: Pick<Announce, 'cityStatusUpdated'>,
  ) {
    const sqlite = db.$client;
    // City and placeable rows are read for every order and change rarely: in memory while the
    // catalogue's version holds (db/catalogue-version.ts; pauses still end by the clock, at read).
    const cityById = sqlite.prepare<[number], CityRow>(`SELECT ${columnsOf(cities)} FROM cities WHERE id = ?`);
    this.cityById = new CatalogueMemo(sqlite, (id: number) => cityById.get(id));
    this.activeOfCity = db
      .select()
      .from(restaurants)
      .where(and(eq(restaurants.cityId, sql.placeholder('cityId')), eq(restaurants.active, true)))
      .orderBy(asc(restaurants.id))
      .prepare();
    const placeableOfCity = sqlite.prepare<[number], PlaceableRow>(
      `SELECT id, name_en AS nameEn, prep_minutes AS prepMinutes, hours, paused_at AS pausedAt, pause_reason AS pauseReason,
         paused_until AS pausedUntil
       FROM restaurants WHERE city_id = ? AND active = 1 ORDER BY id`,
    );
    this.placeableOfCity = new CatalogueMemo(sqlite, (cityId: number) => placeableOfCity.all(cityId));
  }

  /* Reading */

  private cityRow(cityId: number): CityRow {
    const city = this.cityById.get(cityId);
    if (!city) throw notFound(`City ${cityId} not found`, 'unknown_city');
    return city;
  }

  private rowsOf(cityId: number | undefined, activeOnly: boolean): RestaurantRow[] {
    if (cityId !== undefined && activeOnly) return this.activeOfCity.all({ cityId });
    const conds = [cityId !== undefined ? eq(restaurants.cityId, cityId) : undefined, activeOnly ? eq(restaurants.active, true) : undefined];
    return this.db.select().from(restaurants).where(and(...conds)).orderBy(asc(restaurants.id)).all();
  }

  /** A city as the public list and the menu show it: its status and active restaurants now. */
  cityView(city: CityRow, now = new Date()): City {
    const active = this.rowsOf(city.id, true).map((r) => restaurantView(r, city.timezone, now));
    return { id: city.id, name: city.name, name_en: city.nameEn, timezone: city.timezone, code: city.code, phone: city.phone, status: cityStatus(city, active, now), restaurants: active };
  }

  cities(now = new Date()): City[] {
    return this.db.select().from(cities).orderBy(asc(cities.id)).all().map((c) => this.cityView(c, now));
  }

  city(cityId: number, now = new Date()): City | undefined {
    const c = this.db.select().from(cities).where(eq(cities.id, cityId)).get();
    return c && this.cityView(c, now);
  }

  /** Public list: active restaurants, of one city or all. */
  listPublic(cityId: number | undefined, now = new Date()): Restaurant[] {
    const zones = this.zones();
    return this.rowsOf(cityId, true).map((r) => restaurantView(r, zones.get(r.cityId)!, now));
  }

  /** Staff list: inactive ones too, within the staff member's cities. */
  listForStaff(principal: Principal, cityId: number | undefined, now = new Date()): Restaurant[] {
    if (cityId !== undefined) assertCity(principal, cityId);
    const zones = this.zones();
    const scope = cityFilter(principal, restaurants.cityId);
    return this.db
      .select()
      .from(restaurants)
      .where(and(cityId !== undefined ? eq(restaurants.cityId, cityId) : undefined, scope))
      .orderBy(asc(restaurants.id))
      .all()
      .map((r) => restaurantView(r, zones.get(r.cityId)!, now));
  }

  private zones(): Map<number, string> {
    return new Map(this.db.select({ id: cities.id, tz: cities.timezone }).from(cities).all().map((c) => [c.id, c.tz]));
  }

  /* Managing restaurants (admin/ceo) */

  create(principal: Principal, body: CreateRestaurantBody): Restaurant {
    assertAdmin(principal);
    const city = this.db.select().from(cities).where(eq(cities.id, body.cityId)).get();
    if (!city) throw unprocessable(`City ${body.cityId} does not exist`, 'unknown_city');
    checkHours(body.hours);
    const code = body.code ?? `R-${Date.now().toString(36).toUpperCase()}`;
    this.assertCodeFree(code, null);
    const row = this.db
      .insert(restaurants)
      .values({
        cityId: city.id,
        code,
        name: cleanText(body.name),
        nameEn: cleanText(body.name_en),
        address: cleanText(body.address),
        addressEn: cleanText(body.address_en ?? body.address),
        phone: body.phone,
        lat: body.lat,
        lng: body.lng,
        prepMinutes: body.prep_minutes,
        hours: JSON.stringify(body.hours),
        active: body.active ?? true,
      })
      .returning()
      .get();
    this.announceCity(city.id);
    return restaurantView(row, city.timezone, new Date());
  }

  update(principal: Principal, id: number, body: UpdateRestaurantBody): Restaurant {
    assertAdmin(principal);
    const row = this.restaurantRow(id);
    if (body.hours) checkHours(body.hours);
    if (body.code !== undefined) this.assertCodeFree(body.code, id);
    const updated = this.db
      .update(restaurants)
      .set({
        ...(body.code !== undefined && { code: body.code }),
        ...(body.name !== undefined && { name: cleanText(body.name) }),
        ...(body.name_en !== undefined && { nameEn: cleanText(body.name_en) }),
        ...(body.address !== undefined && { address: cleanText(body.address) }),
        ...(body.address_en !== undefined && { addressEn: cleanText(body.address_en) }),
        ...(body.phone !== undefined && { phone: body.phone }),
        ...(body.lat !== undefined && { lat: body.lat }),
        ...(body.lng !== undefined && { lng: body.lng }),
        ...(body.prep_minutes !== undefined && { prepMinutes: body.prep_minutes }),
        ...(body.hours !== undefined && { hours: JSON.stringify(body.hours) }),
        ...(body.active !== undefined && { active: body.active }),
        updatedAt: new Date().toISOString(),
      })
      .where(eq(restaurants.id, id))
      .returning()
      .get()!;
    this.announceCity(row.cityId);
    return restaurantView(updated, this.cityRow(row.cityId).timezone, new Date());
  }

  private restaurantRow(id: number): RestaurantRow {
    const row = this.db.select().from(restaurants).where(eq(restaurants.id, id)).get();
    if (!row) throw notFound(`Restaurant ${id} not found`, 'unknown_restaurant');
    return row;
  }

  private assertCodeFree(code: string, self: number | null): void {
    const other = this.db.select({ id: restaurants.id }).from(restaurants).where(eq(restaurants.code, code)).get();
    if (other && other.id !== self) throw conflict(`Restaurant code ${code} is taken`, 'code_taken');
  }

  /* Pausing and busy mode (managers in their cities, admin/ceo everywhere) */

  setCityStatus(principal: Principal, cityId: number, body: CityStatusBody, now = new Date()): CityStatusResponse {
    assertCity(principal, cityId);
    const city = this.cityRow(cityId);
    if (body.paused === undefined && body.busyMinutes === undefined) {
      throw badRequest('Nothing to change: send paused and/or busyMinutes', 'nothing_to_change');
    }
    if (body.paused === undefined && (body.until !== undefined || body.reason !== undefined)) {
      throw badRequest('reason and until go with paused', 'invalid_until');
    }
    const pause = body.paused === undefined ? {} : pauseColumns(body, now);
    this.db
      .update(cities)
      .set({ ...pause, ...(body.busyMinutes !== undefined && { busyMinutes: body.busyMinutes }) })
      .where(eq(cities.id, city.id))
      .run();
    return this.announceCity(city.id, now);
  }

  setRestaurantStatus(principal: Principal, id: number, body: RestaurantStatusBody, now = new Date()): CityStatusResponse {
    const row = this.restaurantRow(id);
    assertCity(principal, row.cityId);
    this.db
      .update(restaurants)
      .set({ ...pauseColumns(body, now), updatedAt: now.toISOString() })
      .where(eq(restaurants.id, id))
      .run();
    return this.announceCity(row.cityId, now);
  }

  /**
   * Pauses whose `until` has passed: cleared, and each city announced, so open apps see the city
   * reopen without a reload. The clearing UPDATE decides which node announces. Returns how many.
   */
  expirePauses(now = new Date()): number {
    const at = now.toISOString();
    const due = (t: typeof cities | typeof restaurants) => and(isNotNull(t.pausedUntil), lte(t.pausedUntil, at));
    const cleared = { pausedAt: null, pauseReason: null, pausedUntil: null };
    const cityIds = new Set<number>();
    for (const c of this.db.update(cities).set(cleared).where(due(cities)).returning({ id: cities.id }).all()) cityIds.add(c.id);
    for (const r of this.db.update(restaurants).set(cleared).where(due(restaurants)).returning({ cityId: restaurants.cityId }).all()) {
      cityIds.add(r.cityId);
    }
    for (const id of cityIds) this.announceCity(id, now);
    return cityIds.size;
  }

  /** Whether any pause has run out (a read, so the timer opens a write transaction only when there is work). */
  hasExpiredPauses(now = new Date()): boolean {
    const at = now.toISOString();
    const one = (t: typeof cities | typeof restaurants) =>
      this.db.select({ id: t.id }).from(t).where(and(isNotNull(t.pausedUntil), lte(t.pausedUntil, at))).limit(1).get();
    return one(cities) !== undefined || one(restaurants) !== undefined;
  }

  private announceCity(cityId: number, now = new Date()): CityStatusResponse {
    const city = this.cityRow(cityId);
    const view = this.cityView(city, now);
    this.announce.cityStatusUpdated({ cityId, status: view.status, restaurants: view.restaurants, timestamp: now.toISOString() });
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
  placement(req: PlacementRequest, now = new Date(), known?: CityRow): Placement {
    // The order path has just read the city: it passes the row instead of a second read.
    const city = known?.id === req.cityId ? known : this.cityRow(req.cityId);
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

    const active = this.placeableOfCity.get(city.id);
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
