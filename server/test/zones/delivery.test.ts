import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryQuote, toMajor, toMinor, type LocateResponse, type Order } from '@ordercast/shared';
import { bearer, placeOrder, signInCustomer, signInStaff } from '../helpers/app';
import { testSql } from '../helpers/db';
import { posOrders, startPosEnv, waitFor, orderRow, setControl, type PosEnv } from '../pos/helpers';

/*
 * A zone with a slanted border, south of Novosibirsk's demo zones (nothing else covers it): the
 * border runs from (54.80, 83.05) to (54.85, 83.10). Points a hair (1e-6°, about 10 cm) either side
 * of it must be located, priced and ordered the same way by the preview and by the order path.
 */
const ACADEM = {
  type: 'Polygon',
  coordinates: [[[83.05, 54.8], [83.1, 54.85], [83.15, 54.8], [83.05, 54.8]]],
};
// On the slanted edge lat − 54.80 = lng − 83.05; inside is below it (smaller lat).
const onBorder = { lat: 54.825, lng: 83.075 };
const inside = { lat: onBorder.lat - 1e-6, lng: onBorder.lng };
const outside = { lat: onBorder.lat + 1e-6, lng: onBorder.lng };

// Novosibirsk prices (factor 0.9): goulash soup 350, beef goulash 530.
const soup = (n: number) => [{ productId: 1, quantity: n }];

describe('delivery zones: located and priced by the server on both sides of a border, sent to the POS', () => {
  let env: PosEnv;
  let customer: string;
  let zoneId: number;

  beforeAll(async () => {
    env = await startPosEnv();
    await setControl(env.sim, { kitchenSpeed: 0 });
    const admin = (await signInStaff(env.app, 'admin')).token;
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/admin/zones',
      headers: bearer(admin),
      payload: { restaurantId: 4, name: 'Академгородок', deliveryFee: 120, freeFrom: 1400, minOrder: 700, deliveryMinutes: 45, geometry: { type: 'Feature', properties: {}, geometry: ACADEM } },
    });
    expect(res.statusCode).toBe(201);
    zoneId = res.json().zone.id;
    customer = (await signInCustomer(env.app)).token;
  });
  afterAll(() => env.close());

  const locate = async (location: { lat: number; lng: number }) =>
    (await env.app.inject({ method: 'POST', url: '/api/zones/locate', headers: bearer(customer), payload: { cityId: 3, location } })).json() as LocateResponse;
  const order = (location: { lat: number; lng: number }, items = soup(2)) =>
    placeOrder(env.app, customer, { cityId: 3, items, delivery: { type: 'delivery', address: 'Ильича 1', location } });
  const countOrders = async () => (await testSql(env.app).get<{ n: number }>('SELECT count(*) AS n FROM orders'))!.n;

  it('a point just inside (and one on the border) is in the zone; one just outside is in none', async () => {
    expect((await locate(inside)).zone).toMatchObject({ id: zoneId, delivery_fee: 120, free_from: 1400, min_order: 700, delivery_minutes: 45, restaurant_id: 4 });
    expect((await locate(onBorder)).zone?.id).toBe(zoneId);
    expect(await locate(outside)).toEqual({ zoned: true, zone: null, location: outside });
  });

  it('outside every zone: 400 with a clear message, nothing written', async () => {
    const before = await countOrders();
    const res = await order(outside);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'outside_delivery_zones', message: expect.stringContaining('outside every delivery zone') });
    expect(await countOrders()).toBe(before);
  });

  it('under the minimum: 400 naming the minimum and what is missing, nothing written', async () => {
    const before = await countOrders();
    const res = await order(inside, soup(1));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('below_minimum');
    expect(res.json().message).toMatch(/minimum order for delivery to Академгородок is ₽700; add ₽350 more/);
    expect(await countOrders()).toBe(before);
  });

  it('a city with zones needs the point; a saved address of another customer is 404', async () => {
    const res = await env.app.inject({ method: 'POST', url: '/api/orders', headers: bearer(customer), payload: { cityId: 3, items: soup(2), delivery: { type: 'delivery', address: 'Ильича 1' } } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('location_required');
    const other = (await signInCustomer(env.app)).token;
    const saved = (await env.app.inject({ method: 'POST', url: '/api/addresses', headers: bearer(other), payload: { label: 'Дом', address: 'Ильича 2', ...inside } })).json().address;
    const theirs = await env.app.inject({ method: 'POST', url: '/api/orders', headers: bearer(customer), payload: { cityId: 3, items: soup(2), delivery: { type: 'delivery', addressId: saved.id } } });
    expect(theirs.statusCode).toBe(404);
  });

  it('the fee below the free threshold, none from it; the preview (locate + the shared quote) says the same; the POS gets it', async () => {
    for (const [items, fee] of [[soup(2), 120], [soup(4), 0]] as const) {
      const zone = (await locate(inside)).zone!;
      const subtotal = items[0]!.quantity * 350;
      const preview = deliveryQuote({ feeMinor: toMinor(zone.delivery_fee), freeFromMinor: zone.free_from === null ? null : toMinor(zone.free_from), minOrderMinor: toMinor(zone.min_order) }, toMinor(subtotal));
      expect(toMajor(preview.feeMinor)).toBe(fee);

      const res = await order(inside, items);
      expect(res.statusCode).toBe(201);
      const o = res.json().order as Order;
      expect(o).toMatchObject({ delivery_fee: fee, delivery_zone_id: zoneId, subtotal, total: subtotal + fee, restaurant_id: 4, delivery: { type: 'delivery', address: 'Ильича 1', location: inside } });
      // The zone's 45 minutes to the door (plus Krasny's 20 of cooking), not the city's 30.
      expect((Date.parse(o.promised_at!) - Date.parse(o.created_at)) / 60_000).toBeGreaterThan(64);

      await waitFor(async () => (await orderRow(env.app, o.id)).sync_status === 'synced', 'order synced');
      const [pos] = await posOrders(env.sim, o.id);
      expect(pos).toMatchObject({ total: subtotal + fee, deliveryFee: fee });
    }
  });

  it('pickup has no fee and no zone', async () => {
    const o = (await placeOrder(env.app, customer, { cityId: 3, items: soup(1) })).json().order as Order;
    expect(o).toMatchObject({ delivery_fee: 0, delivery_zone_id: null, total: 350 });
  });

  it('the address an order used is saved once (deduplicated), with its point', async () => {
    const list = (await env.app.inject({ url: '/api/addresses', headers: bearer(customer) })).json().items as { address: string; lat: number; label: string }[];
    expect(list.filter((a) => a.address === 'Ильича 1')).toEqual([expect.objectContaining({ label: '', lat: inside.lat })]);
  });
});
