import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Restaurant, WeekHours } from '@ordercast/shared';
import { bearer, buildTestApp, placeOrder, signInCustomer, signInStaff, type TestApp } from '../helpers/app';
import { testSql } from '../helpers/db';

const every = (open: string, close: string): WeekHours => Array.from({ length: 7 }, () => ({ open, close }));
const NEW_PLACE = {
  cityId: 3,
  code: 'NSK-AKADEM',
  name: 'Гуляш в Академгородке',
  name_en: 'Goulash Akademgorodok',
  address: 'Морской пр., 2',
  phone: '+7 383 300-00-02',
  lat: 54.8386,
  lng: 83.1051,
  prep_minutes: 15,
  hours: every('09:00', '23:00'),
};

describe('restaurants: who manages them, pickup choice, opening hours', () => {
  let t: TestApp;
  let admin: string, ceo: string, manager1: string;
  let customer: string;

  beforeAll(async () => {
    t = await buildTestApp({ POS_SYNC_WORKER: 'false' });
    admin = (await signInStaff(t.app, 'admin')).token;
    ceo = (await signInStaff(t.app, 'ceo')).token;
    manager1 = (await signInStaff(t.app, 'manager1')).token;
    customer = (await signInCustomer(t.app)).token;
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (token: string, body: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/admin/restaurants', headers: bearer(token), payload: body });
  const patch = (token: string, id: number, body: Record<string, unknown>) =>
    t.app.inject({ method: 'PATCH', url: `/api/admin/restaurants/${id}`, headers: bearer(token), payload: body });

  it('only admin and ceo create and edit restaurants; bad hours and taken codes are refused; managers list their cities', async () => {
    expect((await create(manager1, { ...NEW_PLACE, cityId: 1, code: 'MSK-NEW' })).statusCode).toBe(403);
    expect((await create(customer, NEW_PLACE)).statusCode).toBe(403);
    expect((await create(admin, { ...NEW_PLACE, hours: every('23:00', '09:00') })).json()).toMatchObject({ error: 'invalid_hours' });
    expect((await create(admin, { ...NEW_PLACE, hours: every('9:00', '23:00') })).statusCode).toBe(400);
    expect((await create(admin, { ...NEW_PLACE, cityId: 99 })).statusCode).toBe(422);
    expect((await create(admin, { ...NEW_PLACE, code: 'MSK-TVER' })).json()).toMatchObject({ error: 'code_taken' });

    const made = await create(ceo, NEW_PLACE);
    expect(made.statusCode, made.body).toBe(201);
    const r = made.json().restaurant as Restaurant;
    expect(r).toMatchObject({ city_id: 3, code: 'NSK-AKADEM', address_en: 'Морской пр., 2', active: true, pause: null });

    expect((await patch(manager1, r.id, { name_en: 'X' })).statusCode).toBe(403);
    // A manager may not edit even in their own city.
    expect((await patch(manager1, 1, { prep_minutes: 5 })).statusCode).toBe(403);
    expect((await patch(admin, r.id, {})).statusCode).toBe(400);
    const edited = await patch(admin, r.id, { prep_minutes: 25, address_en: '2 Morskoy Ave' });
    expect(edited.json().restaurant).toMatchObject({ prep_minutes: 25, address_en: '2 Morskoy Ave' });
    expect((await patch(admin, 9999, { prep_minutes: 25 })).statusCode).toBe(404);

    const mine = (await t.app.inject({ url: '/api/admin/restaurants', headers: bearer(manager1) })).json().items as Restaurant[];
    expect(new Set(mine.map((x) => x.city_id))).toEqual(new Set([1]));
    expect((await t.app.inject({ url: '/api/admin/restaurants?cityId=3', headers: bearer(manager1) })).statusCode).toBe(403);
    const all = (await t.app.inject({ url: '/api/admin/restaurants', headers: bearer(admin) })).json().items as Restaurant[];
    expect(all.map((x) => x.code)).toContain('NSK-AKADEM');

    // Public: the city's active restaurants; a deactivated one disappears from it.
    const pub = (await t.app.inject({ url: '/api/restaurants?cityId=3' })).json().items as Restaurant[];
    expect(pub.map((x) => x.code)).toEqual(['NSK-KRASNY', 'NSK-AKADEM']);
    await patch(admin, r.id, { active: false });
    expect(((await t.app.inject({ url: '/api/restaurants?cityId=3' })).json().items as Restaurant[]).map((x) => x.code)).toEqual(['NSK-KRASNY']);
  });

  it('pickup names its restaurant where the city has several, of that city', async () => {
    const none = await placeOrder(t.app, customer, { restaurantId: undefined });
    expect(none.statusCode).toBe(400);
    expect(none.json().error).toBe('restaurant_required');
    const otherCity = await placeOrder(t.app, customer, { restaurantId: 3 });
    expect(otherCity.statusCode).toBe(422);
    expect(otherCity.json().error).toBe('unknown_restaurant');
    // One restaurant in the city: chosen without asking.
    const spb = await placeOrder(t.app, customer, { cityId: 2, restaurantId: undefined });
    expect(spb.json().order.restaurant_id).toBe(3);
    const ok = await placeOrder(t.app, customer, { restaurantId: 1 });
    expect(ok.json().order).toMatchObject({ restaurant_id: 1, requested_time: null });
  });

  describe('opening hours', () => {
    // Saint Petersburg is moved to a fixed-offset zone where it is now between 09:00 and 10:00, and
    // its one restaurant opens 12:00–20:00: closed now, open later today, whatever the real clock says.
    let zone: string;
    let today: DateTime;
    beforeAll(async () => {
      const utcHour = new Date().getUTCHours();
      let offset = 9 - utcHour;
      if (offset < -12) offset += 24;
      if (offset > 14) offset -= 24;
      zone = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
      await testSql(t.app).run('UPDATE cities SET timezone = @zone WHERE id = 2', { zone });
      today = DateTime.now().setZone(zone).startOf('day');
      expect((await patch(admin, 3, { hours: every('12:00', '20:00') })).statusCode).toBe(200);
    });

    it('closed now: ASAP is refused with 409 closed and when it opens', async () => {
      const opens = today.set({ hour: 12 }).toUTC().toISO();
      const res = await placeOrder(t.app, customer, { cityId: 2 });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: 'closed', reopens_at: new Date(opens!).toISOString() });
      expect(res.json().message).toMatch(/opens at 12:00/);
      const status = ((await t.app.inject({ url: '/api/cities' })).json() as { id: number; status: { refusal: string; next_open_at: string } }[]).find((c) => c.id === 2)!.status;
      expect(status).toMatchObject({ refusal: 'closed', open_now: false, next_open_at: new Date(opens!).toISOString() });
    });

    it('a time later today within the hours is accepted and becomes the promise; outside them or tomorrow is a 400', async () => {
      const at14 = today.set({ hour: 14 }).toUTC().toJSDate().toISOString();
      const ok = await placeOrder(t.app, customer, { cityId: 2, requestedTime: at14 });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json().order).toMatchObject({ promised_at: at14, requested_time: at14, restaurant_id: 3 });

      const delivery = await placeOrder(t.app, customer, { cityId: 2, requestedTime: at14, delivery: { type: 'delivery', address: 'Nevsky 2' } });
      expect(delivery.json().order.promised_at).toBe(at14);

      for (const bad of [today.set({ hour: 21 }), today.set({ hour: 11 }), today.plus({ days: 1 }).set({ hour: 14 })]) {
        const res = await placeOrder(t.app, customer, { cityId: 2, requestedTime: bad.toUTC().toISO() });
        expect(res.statusCode, bad.toISO()!).toBe(400);
        expect(res.json().error).toBe('invalid_requested_time');
      }
      expect((await placeOrder(t.app, customer, { cityId: 2, requestedTime: 'at two' })).statusCode).toBe(400);
    });
  });
});
