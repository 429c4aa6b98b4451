import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROOM, cityMenuRoom, cityOrdersRoom, type Menu } from '@ordercast/shared';
import { bearer, useTestApp, placeOrder, signInCustomer, signInStaff } from '../../helpers/app';
import { testSql } from '../../helpers/db';

describe('stop-list: POST /api/admin/products/:id/availability, GET /api/admin/menu', () => {
  const t = useTestApp();
  let admin: string;
  let manager1: string;
  let customer: string;

  const setAvailability = (token: string, productId: number, body: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: `/api/admin/products/${productId}/availability`, headers: bearer(token), payload: body });
  const availableIn = async (productId: number, cityId: number) => {
    const row = await testSql(t.app).get<{ a: number }>('SELECT available AS a FROM product_prices WHERE product_id = @productId AND city_id = @cityId', { productId, cityId });
    return row && row.a === 1;
  };

  beforeAll(async () => {
    admin = (await signInStaff(t.app, 'admin')).token;
    manager1 = (await signInStaff(t.app, 'manager1')).token;
    customer = (await signInCustomer(t.app)).token;
  });

  it('lets a manager stop a product in their city, announced to the city menu and staff rooms in the same transaction', async () => {
    const before = await t.app.events.log.highestId();
    const res = await setAvailability(manager1, 1, { cityId: 1, available: false });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.changed).toBe(true);
    expect(body.update).toMatchObject({ cityId: 1, productId: 1, available: false, price: 390 });
    expect(await availableIn(1, 1)).toBe(false);
    expect(await availableIn(1, 2)).toBe(true);

    const events = await t.app.events.log.after(before);
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('menu-updated');
    // The same rooms as a change imported from the POS (events/announce.ts): customers with the menu
    // open, and the staff of that city (their stop-list screens follow too).
    expect(events[0]!.rooms).toEqual([cityMenuRoom(1), ADMIN_ROOM, cityOrdersRoom(1)]);
    const wire = JSON.parse(events[0]!.json);
    expect(wire).toEqual({ type: 'menu-updated', id: events[0]!.id, data: body.update });
    expect(typeof wire.data.timestamp).toBe('string');

    // The public menu and ordering follow at once.
    const menu = (await t.app.inject({ url: '/api/menu?cityId=1' })).json() as Menu;
    expect(menu.products.find((p) => p.id === 1)!.available).toBe(false);
    const order = await placeOrder(t.app, customer, { items: [{ productId: 1, quantity: 1 }] });
    expect(order.statusCode).toBe(422);
    expect(order.json().error).toBe('product_unavailable');
  });

  it('writes no event when nothing changes, and puts it back on the menu', async () => {
    const before = await t.app.events.log.highestId();
    const same = await setAvailability(manager1, 1, { cityId: 1, available: false });
    expect(same.statusCode).toBe(200);
    expect(same.json().changed).toBe(false);
    expect(await t.app.events.log.after(before)).toHaveLength(0);

    const back = await setAvailability(manager1, 1, { cityId: 1, available: true });
    expect(back.json()).toMatchObject({ changed: true, update: { available: true } });
    const events = await t.app.events.log.after(before);
    expect(events.map((e) => e.type)).toEqual(['menu-updated']);
    expect(await availableIn(1, 1)).toBe(true);
  });

  it("refuses a manager another city's stop-list, and customers altogether", async () => {
    const before = await t.app.events.log.highestId();
    const res = await setAvailability(manager1, 1, { cityId: 2, available: false });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('other_city');
    expect(await availableIn(1, 2)).toBe(true);
    expect((await setAvailability(customer, 1, { cityId: 1, available: false })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/api/admin/products/1/availability', payload: { cityId: 1, available: false } })).statusCode).toBe(401);
    expect(await t.app.events.log.after(before)).toHaveLength(0);
  });

  it('lets admin change any city; unknown products and bad bodies are client errors', async () => {
    const res = await setAvailability(admin, 2, { cityId: 3, available: false });
    expect(res.statusCode, res.body).toBe(200);
    expect(await availableIn(2, 3)).toBe(false);
    expect((await setAvailability(admin, 999, { cityId: 1, available: false })).statusCode).toBe(404);
    expect((await setAvailability(admin, 1, { cityId: 1 })).statusCode).toBe(400);
    expect((await setAvailability(admin, 1, { cityId: 1, available: 'no' })).statusCode).toBe(400);
    expect((await setAvailability(admin, 1, { cityId: 1, available: false, price: 1 })).statusCode).toBe(400);
  });

  it('serves the menu with stopped products for the stop-list screen, scoped like the rest', async () => {
    const res = await t.app.inject({ url: '/api/admin/menu?cityId=3', headers: bearer(admin) });
    expect(res.statusCode).toBe(200);
    const menu = res.json() as Menu;
    expect(menu.city.id).toBe(3);
    expect(menu.products.find((p) => p.id === 2)!.available).toBe(false);
    expect((await t.app.inject({ url: '/api/admin/menu?cityId=1', headers: bearer(manager1) })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/admin/menu?cityId=2', headers: bearer(manager1) })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/admin/menu?cityId=42', headers: bearer(admin) })).statusCode).toBe(404);
  });
});
