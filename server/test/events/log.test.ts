import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { openDatabase, runMigrations } from '../../src/db/client';
import { events } from '../../src/db/schema';
import type { BusEvent } from '../../src/events/types';
import type { EventLog } from '../../src/events/log';
import { bearer, giveBonuses, placeOrder, signInCustomer, signInStaff, testEnv, useTestApp, type TestApp } from '../helpers/app';

const collect = (t: TestApp) => {
  const seen: BusEvent[] = [];
  const off = t.app.events.bus.subscribe((e) => seen.push(e));
  return { seen, off };
};
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('event log (transactional outbox)', () => {
  // The POS worker is off: these tests count every event, and sync-error retries would add some.
  const t = useTestApp({ POS_SYNC_WORKER: 'false' });

  it('publishes what a committed order appended, in id order, with the exact wire JSON', async () => {
    const { seen, off } = collect(t);
    const { token, user } = await signInCustomer(t.app);
    await giveBonuses(t.app, user.id, 50);
    const order = (await placeOrder(t.app, token, { bonusesToUse: 50 })).json().order;
    await settle();
    off();
    const mine = seen.filter((e) => e.rooms.includes(`user-${user.id}`) || e.rooms.includes('city-1-orders'));
    expect(mine.map((e) => e.type)).toEqual(['bonus-updated', 'new-order', 'order-created', 'bonus-updated']);
    const ids = seen.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const created = mine.find((e) => e.type === 'new-order')!;
    expect(created.rooms).toEqual(['admin-orders', 'city-1-orders']);
    expect(JSON.parse(created.json)).toEqual({ type: 'new-order', data: order, id: created.id });
    const used = JSON.parse(mine[3]!.json);
    expect(used.data).toMatchObject({ balance: 0, operation: { type: 'used', amount: 50, orderId: order.id } });
    expect(used.data.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('a transaction that fails writes no event and publishes nothing', async () => {
    const { seen, off } = collect(t);
    const before = await t.app.events.log.highestId();
    await expect(
      t.app.tx(async () => {
        await t.app.events.append('sync-success', ['admin-orders'], { entity: 'order', entityId: 1, timestamp: new Date().toISOString() });
        throw new Error('boom after the append');
      }),
    ).rejects.toThrow('boom');
    // A real failure mid-order: the ledger refuses, the order and its events roll back with it.
    const { token, user } = await signInCustomer(t.app);
    await giveBonuses(t.app, user.id, 5);
    const afterCredit = await t.app.events.log.highestId();
    const res = await placeOrder(t.app, token, { bonusesToUse: 6 });
    expect(res.statusCode).toBe(422);
    await settle();
    off();
    expect(await t.app.events.log.highestId()).toBe(afterCredit);
    expect(seen.filter((e) => e.id > before && e.type !== 'bonus-updated')).toEqual([]);
    await expect(t.app.events.append('sync-success', [], { entity: 'order', entityId: 1, timestamp: '' })).rejects.toThrow(/outside a transaction/);
  });

  it('events come out in commit order across interleaved requests', async () => {
    const { seen, off } = collect(t);
    const admin = (await signInStaff(t.app, 'admin')).token;
    const customers = await Promise.all([1, 2, 3, 4].map(() => signInCustomer(t.app)));
    const placed = await Promise.all(customers.flatMap((c) => [placeOrder(t.app, c.token), placeOrder(t.app, c.token, { cityId: 2 })]));
    await Promise.all(
      placed.map((r) => t.app.inject({ method: 'POST', url: `/api/admin/orders/${r.json().order.id}/status`, headers: bearer(admin), payload: { status: 'confirmed' } })),
    );
    await settle();
    off();
    const ids = seen.map((e) => e.id);
    expect(ids.length).toBe(8 * 3);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => ids[0]! + i));
    // Per order: new-order and order-created before its status update.
    for (const r of placed) {
      const id = r.json().order.id as number;
      const idx = (type: string) => seen.findIndex((e) => e.type === type && JSON.parse(e.json).data[type === 'order-status-updated' ? 'orderId' : 'id'] === id);
      expect(idx('new-order')).toBeLessThan(idx('order-status-updated'));
    }
  });

  it('a failing bus never fails the API call; the event stays in the log', async () => {
    const original = t.app.events.bus.publish.bind(t.app.events.bus);
    t.app.events.bus.publish = async () => {
      throw new Error('bus down');
    };
    try {
      const { token } = await signInCustomer(t.app);
      const res = await placeOrder(t.app, token);
      expect(res.statusCode).toBe(201);
      await settle();
      const last = await t.app.events.log.after(await t.app.events.log.highestId() - 2);
      expect(last.map((e) => e.type)).toEqual(['new-order', 'order-created']);
    } finally {
      t.app.events.bus.publish = original;
    }
  });

  it('prunes by age and by size, and then refuses to resume from before the cut', async () => {
    const log = t.app.events.log;
    const highest = await log.highestId();
    expect(await log.canResumeFrom(0)).toBe(true);
    expect(await log.canResumeFrom(highest)).toBe(true);
    expect(await log.canResumeFrom(highest + 5)).toBe(false);
    t.app.db.$client.prepare(`UPDATE events SET created_at = '2000-01-01T00:00:00.000Z' WHERE id <= ?`).run(5);
    expect(await log.prune(1, 1_000_000)).toBe(5);
    expect((await log.bounds()).min).toBe(6);
    expect(await log.canResumeFrom(5)).toBe(true);
    expect(await log.canResumeFrom(4)).toBe(false);
    await log.prune(1_000, 3);
    expect(t.app.db.select().from(events).all()).toHaveLength(3);
    expect(await log.canResumeFrom(highest)).toBe(true);
  });

  it('prunes by age across gaps in the ids, and finds the cut by rowid seeks, not a scan', async () => {
    const db = t.app.db.$client;
    const log = t.app.events.log as EventLog;
    db.prepare('DELETE FROM events').run();
    const ids = await t.app.tx(async () => {
      const out: number[] = [];
      for (let i = 0; i < 40; i++) out.push(await log.insert('sync-success', ['admin-orders'], '{}'));
      return out;
    });
    // Gaps, as rolled-back appends and earlier prunes leave them; ages 40 h … 1 h (half-hour offsets).
    for (const id of ids.filter((_, i) => i % 3 === 1)) db.prepare('DELETE FROM events WHERE id = ?').run(id);
    const setAge = db.prepare('UPDATE events SET created_at = ? WHERE id = ?');
    ids.forEach((id, i) => setAge.run(new Date(Date.now() - (40 - i - 0.5) * 3_600_000).toISOString(), id));
    const kept = (hours: number) => ids.filter((_, i) => i % 3 !== 1 && 40 - i - 0.5 < hours);

    const before = db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number };
    expect(await log.prune(20, 1_000_000)).toBe(before.n - kept(20).length);
    expect(db.prepare('SELECT id FROM events ORDER BY id').all().map((r) => (r as { id: number }).id)).toEqual(kept(20));
    expect(await log.prune(20, 1_000_000)).toBe(0);
    expect(await log.prune(2, 1_000_000)).toBe(kept(20).length - kept(2).length);
    expect((await log.bounds()).min).toBe(kept(2)[0]);
    // A cut just before the newest keeps only it.
    await log.prune(1, 1_000_000);
    expect((await log.bounds()).min).toBe(kept(1)[0] ?? null);

    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan('SELECT id, created_at FROM events WHERE id >= 5 ORDER BY id LIMIT 1')).toMatch(/SEARCH events USING INTEGER PRIMARY KEY/);
    expect(plan('DELETE FROM events WHERE id < 5')).toMatch(/SEARCH events USING INTEGER PRIMARY KEY/);
  });
});

describe('events that committed are never lost', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('on start, events committed but not dispatched before a crash go out, in order', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ordercast-crash-'));
    const env = testEnv(dir, { POS_SYNC_WORKER: 'false' });
    // A process that committed three events and died before its dispatcher ran.
    const db = openDatabase(join(dir, 'app.db'));
    runMigrations(db);
    db.$client.prepare('INSERT OR IGNORE INTO event_cursor (id, last_dispatched_id) VALUES (1, 0)').run();
    const insert = db.$client.prepare('INSERT INTO events (type, rooms, payload) VALUES (?, ?, ?)');
    for (let i = 1; i <= 3; i++) insert.run('sync-success', '["admin-orders"]', JSON.stringify({ entity: 'order', entityId: i, timestamp: 'x' }));
    db.$client.close();

    const app = await buildApp(loadConfig(env), { logger: false });
    const seen: number[] = [];
    app.events.bus.subscribe((e) => seen.push(JSON.parse(e.json).data.entityId));
    await app.ready();
    await settle();
    expect(seen).toEqual([1, 2, 3]);
    await app.close();

    // And a second start does not publish them again.
    const again = await buildApp(loadConfig(env), { logger: false });
    const replayed: number[] = [];
    again.events.bus.subscribe((e) => replayed.push(e.id));
    await again.ready();
    await settle();
    expect(replayed).toEqual([]);
    await again.close();
  });
});
