import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROOM, cityMenuRoom, cityOrdersRoom } from '@ordercast/shared';
import { Announce } from '../../src/events/announce';
import { MenuService } from '../../src/menu/service';
import { HttpError } from '../../src/lib/errors';
import { useTestApp } from '../helpers/app';

/** MenuService built on its own from its two dependencies: the database and the announcer. */
describe('MenuService.setAvailability', () => {
  // No POS worker: its start-up menu import (against no POS) would log a sync-error among the events checked here.
  const t = useTestApp({ POS_SYNC_WORKER: 'false' });
  let menu: MenuService;
  beforeAll(async () => {
    menu = new MenuService(t.app.sql, new Announce(t.app.events.append), t.app.restaurants);
  });

  it('changes one city’s dish and announces it once; the same again changes and announces nothing', async () => {
    const before = await t.app.events.log.highestId();
    const first = await t.app.tx(() => menu.setAvailability(2, 3, false));
    expect(first).toMatchObject({ changed: true, update: { cityId: 3, productId: 2, available: false } });
    const again = await t.app.tx(() => menu.setAvailability(2, 3, false));
    expect(again.changed).toBe(false);
    const events = await t.app.events.log.after(before);
    expect(events.map((e) => [e.type, e.rooms])).toEqual([['menu-updated', [cityMenuRoom(3), ADMIN_ROOM, cityOrdersRoom(3)]]]);
    expect((await menu.menu(3)).products.find((p) => p.id === 2)!.available).toBe(false);
    expect((await menu.menu(1)).products.find((p) => p.id === 2)!.available).toBe(true);
  });

  it('refuses a dish that is not on that city’s menu with 404, writing nothing', async () => {
    const before = await t.app.events.log.highestId();
    await expect(t.app.tx(() => menu.setAvailability(9_999, 1, false))).rejects.toThrow(HttpError);
    expect(await t.app.events.log.after(before)).toEqual([]);
  });
});
