import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { EVENT_CATALOGUE } from '@ordercast/shared/schemas';
import { SERVER_EVENT_TYPES, type ServerEventType } from '@ordercast/shared';
import { CATALOGUE_PATH, renderEventCatalogue } from '../../scripts/events-catalogue';
import { bearer, buildTestApp, giveBonuses, placeOrder, signInCustomer, signInStaff } from '../helpers/app';

describe('the realtime event catalogue (docs/events.md)', () => {
  it('is up to date with ./shared (run `npm run docs:events` after changing a message)', async () => {
    expect(readFileSync(CATALOGUE_PATH, 'utf8')).toBe(renderEventCatalogue());
  });

  it('lists every event type', async () => {
    expect(Object.keys(EVENT_CATALOGUE).sort()).toEqual([...SERVER_EVENT_TYPES].sort());
    const md = renderEventCatalogue();
    for (const t of SERVER_EVENT_TYPES) expect(md).toContain(`### \`${t}\``);
  });

  it('says what the server really sends: the data matches the schema, the rooms match the patterns', async () => {
    const t = await buildTestApp();
    try {
      const customer = await signInCustomer(t.app);
      await giveBonuses(t.app, customer.user.id, 100);
      const order = (await placeOrder(t.app, customer.token, { bonusesToUse: 10 })).json().order;
      const staff = await signInStaff(t.app, 'admin');
      await t.app.inject({ method: 'POST', url: `/api/admin/orders/${order.id}/status`, headers: bearer(staff.token), payload: { status: 'confirmed' } });
      const second = (await placeOrder(t.app, customer.token)).json().order;
      await t.app.inject({ method: 'POST', url: `/api/orders/${second.id}/cancel`, headers: bearer(customer.token), payload: {} });
      await t.app.inject({
        method: 'POST',
        url: '/api/admin/products/1/availability',
        headers: bearer(staff.token),
        payload: { cityId: 1, available: false },
      });

      const db = new Database(join(t.dir, 'app.db'), { readonly: true });
      const rows = db.prepare('SELECT type, rooms, payload FROM events ORDER BY id').all() as { type: ServerEventType; rooms: string; payload: string }[];
      db.close();
      const seen = new Set(rows.map((r) => r.type));
      for (const t of ['new-order', 'order-created', 'order-status-updated', 'bonus-updated', 'menu-updated'] as const) expect(seen).toContain(t);
      for (const r of rows) {
        const entry = EVENT_CATALOGUE[r.type];
        expect(entry, r.type).toBeDefined();
        expect(Value.Check(entry.data, JSON.parse(r.payload)), `${r.type} data`).toBe(true);
        const patterns = entry.to.map((p) => new RegExp(`^${p.replace(/\{\w+\}/g, '[1-9]\\d*')}$`));
        const rooms = JSON.parse(r.rooms) as string[];
        expect(rooms.filter((room) => !patterns.some((p) => p.test(room))), `${r.type} rooms`).toEqual([]);
        expect(patterns.filter((p) => !rooms.some((room) => p.test(room))).map(String), `${r.type} rooms`).toEqual([]);
      }
    } finally {
      await t.close();
    }
  });
});
