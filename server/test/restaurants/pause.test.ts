import { beforeAll, describe, expect, it } from 'vitest';
import type { City, Menu } from '@ordercast/shared';
import { bearer, placeOrder, signInTeam, useServedApp } from '../helpers/app';
import { TestClient, TestSse, sleep } from '../realtime/helpers';
import { openRoundTheClock } from '../helpers/db';

/** Pausing a city or a restaurant, busy mode, and the `city-status-updated` event, over real sockets. */
describe('pausing and busy mode', () => {
  const t = useServedApp({ POS_SYNC_WORKER: 'false' });
  let admin: string, manager1: string, manager2: string;
  let customer: { token: string; user: { id: number } };
  beforeAll(async () => {
    // Whatever the hour of the run, Arbat can take the delivery that Tverskaya's pause sends it.
    await openRoundTheClock(t.app, 2);
    ({ admin, manager1, manager2, customer } = await signInTeam(t.app));
  });

  const cityStatus = (token: string, cityId: number, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: `/api/admin/cities/${cityId}/status`, headers: bearer(token), payload });
  const ws = async (token: string, rooms: string[] = []) => {
    const c = await TestClient.ready(`${t.url.ws}/ws?token=${token}`);
    t.keep(c);
    for (const roomId of rooms) {
      c.send({ type: 'join-room', data: { roomId } });
      await c.waitFor((m) => m.type === 'room-joined' && m.data.roomId === roomId);
    }
    return c;
  };
  const city = async (id: number): Promise<City> => ((await t.app.inject({ url: '/api/cities' })).json() as City[]).find((c) => c.id === id)!;

  it('a paused city refuses new orders with 409 city_paused, live to its customers and staff; accepted orders stay as they are', async () => {
    const before = (await placeOrder(t.app, customer.token)).json().order;
    const shopper = await ws(customer.token, ['city-1-menu']);
    const m1 = await ws(manager1);
    const m2 = await ws(manager2);
    const boss = await ws(admin);

    expect((await cityStatus(manager2, 1, { paused: true, reason: 'Kitchen flooded' })).statusCode).toBe(403);
    expect((await cityStatus(manager1, 1, { paused: true })).json()).toMatchObject({ error: 'reason_required' });
    const res = await cityStatus(manager1, 1, { paused: true, reason: 'Kitchen flooded' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toMatchObject({ city_id: 1, accepting_orders: false, refusal: 'city_paused', pause: { reason: 'Kitchen flooded', until: null } });

    for (const c of [shopper, m1, boss]) {
      const ev = await c.waitFor((m) => m.type === 'city-status-updated');
      expect(ev.data).toMatchObject({ cityId: 1, status: { pause: { reason: 'Kitchen flooded' }, refusal: 'city_paused' } });
      expect(ev.id).toBeTypeOf('number');
    }
    await sleep(100);
    expect(m2.ofType('city-status-updated')).toEqual([]);

    const refused = await placeOrder(t.app, customer.token);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'city_paused', reopens_at: null });
    expect(refused.json().message).toContain('Kitchen flooded');
    // Other cities go on.
    expect((await placeOrder(t.app, customer.token, { cityId: 2 })).statusCode).toBe(201);
    // What was accepted before stays, and staff still move it.
    const moved = await t.app.inject({ method: 'POST', url: `/api/admin/orders/${before.id}/status`, headers: bearer(manager1), payload: { status: 'confirmed' } });
    expect(moved.statusCode).toBe(200);

    // The apps learn it at load too: the city list and the menu carry the status.
    expect((await city(1)).status).toMatchObject({ refusal: 'city_paused', accepting_orders: false });
    const menu = (await t.app.inject({ url: '/api/menu?cityId=1' })).json() as Menu;
    expect(menu.city.status.pause?.reason).toBe('Kitchen flooded');
    expect(menu.city.restaurants.map((r) => r.code)).toEqual(['MSK-TVER', 'MSK-ARBAT']);

    expect((await cityStatus(admin, 1, { paused: false })).json().status).toMatchObject({ pause: null });
    expect((await placeOrder(t.app, customer.token)).statusCode).toBe(201);
  });

  it('reaches an SSE client that resumes from before the pause', async () => {
    const from = await t.app.events.log.highestId();
    expect((await cityStatus(admin, 2, { paused: true, reason: 'Inventory' })).statusCode).toBe(200);
    const s = new TestSse(`${t.url.http}/sse?token=${manager2}&lastEventId=${from}`);
    t.keep(s);
    const ev = await s.waitFor((m) => m.type === 'city-status-updated' && m.data.cityId === 2);
    expect(ev.data.status.pause.reason).toBe('Inventory');
    await cityStatus(admin, 2, { paused: false });
    const resumed = await s.waitFor((m) => m.type === 'city-status-updated' && m.data.status.pause === null);
    expect(resumed.id).toBeGreaterThan(ev.id!);
  });

  it('a pause with until ends by itself, and says so live', async () => {
    const boss = await ws(admin);
    const until = new Date(Date.now() + 1200).toISOString();
    expect((await cityStatus(admin, 3, { paused: true, reason: 'Short break', until: new Date(Date.now() - 1000).toISOString() })).json()).toMatchObject({
      error: 'invalid_until',
    });
    const res = await cityStatus(admin, 3, { paused: true, reason: 'Short break', until });
    expect(res.json().status).toMatchObject({ refusal: 'city_paused', reopens_at: new Date(until).toISOString() });
    const refused = await placeOrder(t.app, customer.token, { cityId: 3 });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'city_paused', reopens_at: new Date(until).toISOString() });

    const ended = await boss.waitFor((m) => m.type === 'city-status-updated' && m.data.cityId === 3 && m.data.status.pause === null, 5000);
    expect(Date.parse(ended.data.timestamp)).toBeGreaterThanOrEqual(Date.parse(until));
    expect((await placeOrder(t.app, customer.token, { cityId: 3 })).statusCode).toBe(201);
    expect((await city(3)).status.pause).toBeNull();
  });

  it('a paused restaurant: pickup there is refused (restaurant_paused); delivery goes to another; all paused refuses delivery', async () => {
    const pause = (token: string, id: number, body: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: `/api/admin/restaurants/${id}/status`, headers: bearer(token), payload: body });
    // Saint Petersburg's restaurant is not manager1's.
    expect((await pause(manager1, 3, { paused: true, reason: 'Oven' })).statusCode).toBe(403);
    const res = await pause(manager1, 1, { paused: true, reason: 'Oven broke' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().restaurants.find((r: { id: number }) => r.id === 1).pause.reason).toBe('Oven broke');

    const pickup = await placeOrder(t.app, customer.token, { restaurantId: 1 });
    expect(pickup.statusCode).toBe(409);
    expect(pickup.json().error).toBe('restaurant_paused');

    const delivery = await placeOrder(t.app, customer.token, { delivery: { type: 'delivery', address: 'Arbat 1' } });
    // Arbat (ordinary hours) takes it when open; otherwise the city is closed for delivery right now.
    const arbatOpen = (await city(1)).restaurants.find((r) => r.id === 2)!.open_now;
    if (arbatOpen) expect(delivery.json().order.restaurant_id).toBe(2);
    else expect(delivery.json()).toMatchObject({ error: 'closed' });

    await pause(manager1, 2, { paused: true, reason: 'No staff' });
    const none = await placeOrder(t.app, customer.token, { delivery: { type: 'delivery', address: 'Arbat 1' } });
    expect(none.statusCode).toBe(409);
    expect(none.json().error).toBe('restaurant_paused');
    await pause(manager1, 1, { paused: false });
    await pause(manager1, 2, { paused: false });
    expect((await placeOrder(t.app, customer.token, { delivery: { type: 'delivery', address: 'Arbat 1' } })).json().order.restaurant_id).toBe(1);
  });

  it('busy mode adds its minutes to every new promised time', async () => {
    const promised = async () => {
      const t0 = Date.now();
      const o = (await placeOrder(t.app, customer.token, { cityId: 2, delivery: { type: 'delivery', address: 'Nevsky 1' } })).json().order;
      return (Date.parse(o.promised_at) - t0) / 60_000;
    };
    // Nevsky: 20 min preparation + 30 min delivery.
    const normal = await promised();
    expect(normal).toBeGreaterThan(49);
    expect(normal).toBeLessThanOrEqual(51);
    const busy = await cityStatus(manager2, 2, { busyMinutes: 25 });
    expect(busy.json().status).toMatchObject({ busy_minutes: 25, accepting_orders: true });
    const slower = await promised();
    expect(slower - normal).toBeGreaterThan(24);
    expect(slower - normal).toBeLessThan(26);
    expect((await cityStatus(manager2, 2, {})).json().error).toBe('nothing_to_change');
    expect((await cityStatus(manager2, 2, { busyMinutes: 5, until: new Date(Date.now() + 60_000).toISOString() })).json().error).toBe('invalid_until');
    await cityStatus(manager2, 2, { busyMinutes: 0 });
    // Pickup: preparation only.
    const pickup = (await placeOrder(t.app, customer.token, { cityId: 2 })).json().order;
    expect((Date.parse(pickup.promised_at) - Date.parse(pickup.created_at)) / 60_000).toBeLessThanOrEqual(21);
  });
});
