import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROOM, cityMenuRoom, cityOrdersRoom } from '@ordercast/shared';
import { bearer, signInStaff } from '../helpers/app';
import { testSql } from '../helpers/db';
import { lastEventId, readEvents, setControl, sleep, usePosEnv, waitFor } from './helpers';

describe('POS menu import', () => {
  const env = usePosEnv({ MENU_SYNC_INTERVAL_MS: '150' });
  beforeAll(async () => {
    await waitFor(async () => (await env.app.pos.menu.state()).status === 'ok', 'first import');
  });

  const priceRow = async (productId: number, cityId: number) =>
    (await testSql(env.app).get<{ price: number; available: number }>(
      'SELECT price, available FROM product_prices WHERE product_id = @productId AND city_id = @cityId',
      { productId, cityId },
    ))!;
  const patchPos = async (body: Record<string, unknown>) => {
    const res = await fetch(`${env.sim.url}/menu/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
  };

  it('the first import of an identical menu changes nothing and announces nothing', async () => {
    expect(await env.app.pos.menu.state()).toMatchObject({ status: 'ok', last_changes: 0, failures: 0 });
    expect((await readEvents(env.app)).filter((e) => e.type === 'menu-updated')).toEqual([]);
  });

  it('imports price and stop-list changes once, announcing each on the city menu and staff rooms', async () => {
    const { app } = env;
    const before = await lastEventId(app);
    await patchPos({ cityId: 1, code: 'GL-0001', price: 399 });
    await patchPos({ cityId: 2, code: 'GL-0002', available: false });
    await waitFor(async () => (await priceRow(1, 1)).price === 39_900 && (await priceRow(2, 2)).available === 0, 'changes imported');
    expect((await priceRow(1, 2)).price).toBe(41_000); // other cities untouched
    await sleep(400); // two more imports: nothing changes, nothing is announced again
    const updates = (await readEvents(app, before)).filter((e) => e.type === 'menu-updated');
    expect(updates.map((e) => ({ rooms: e.rooms, data: { ...e.data, timestamp: 'x' } }))).toEqual([
      { rooms: [cityMenuRoom(1), ADMIN_ROOM, cityOrdersRoom(1)], data: { cityId: 1, productId: 1, available: true, price: 399, timestamp: 'x' } },
      { rooms: [cityMenuRoom(2), ADMIN_ROOM, cityOrdersRoom(2)], data: { cityId: 2, productId: 2, available: false, price: 370, timestamp: 'x' } },
    ]);
    // Customers see it.
    const menu = (await app.inject({ url: '/api/menu?cityId=2' })).json();
    expect(menu.products.find((p: { id: number }) => p.id === 2)).toMatchObject({ available: false });
  });

  it('a failing import keeps the last good menu, alerts staff, and says so when it recovers', async () => {
    const { app, sim } = env;
    const before = await lastEventId(app);
    const good = await priceRow(1, 1);
    await setControl(sim, { outage: 'refuse' });
    await waitFor(async () => (await readEvents(app, before)).some((e) => e.type === 'sync-error'), 'menu sync-error');
    const err = (await readEvents(app, before)).find((e) => e.type === 'sync-error')!;
    expect(err.rooms).toEqual([ADMIN_ROOM, cityOrdersRoom(1), cityOrdersRoom(2), cityOrdersRoom(3)]);
    expect(err.data).toMatchObject({ entity: 'menu', entityId: 0, attempt: 1, cityId: null });
    expect(err.data.error).toMatch(/^POS unreachable/);
    expect(await priceRow(1, 1)).toEqual(good);
    const { token } = await signInStaff(app, 'manager1');
    const overview = (await app.inject({ url: '/api/admin/sync', headers: bearer(token) })).json();
    expect(overview.menu).toMatchObject({ status: 'failing', last_error: expect.stringMatching(/^POS unreachable/) });
    expect(overview.menu.failures).toBeGreaterThanOrEqual(1);

    await setControl(sim, { outage: false });
    await waitFor(async () => (await readEvents(app, before)).some((e) => e.type === 'sync-success'), 'menu sync-success');
    await sleep(300);
    const successes = (await readEvents(app, before)).filter((e) => e.type === 'sync-success');
    expect(successes).toHaveLength(1); // only the recovery, not every good import
    expect(successes[0]!.data).toMatchObject({ entity: 'menu', entityId: 0 });
    expect(await app.pos.menu.state()).toMatchObject({ status: 'ok', failures: 0, last_error: null });
  });
});
