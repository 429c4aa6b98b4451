import { beforeAll, describe, expect, it } from 'vitest';
import type { StatsResponse } from '@ordercast/shared';
import { localDay } from '../../../src/lib/time';
import { bearer, useTestApp, placeOrder, signInCustomer, signInStaff } from '../../helpers/app';
import { testSql } from '../../helpers/db';

describe('GET /api/admin/stats', () => {
  const t = useTestApp();
  let admin: string;
  let manager1: string;
  let customer: string;

  const move = async (id: number, status: string, reason?: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/admin/orders/${id}/status`,
      headers: bearer(admin),
      payload: reason ? { status, reason } : { status },
    });
    expect(res.statusCode, res.body).toBe(200);
  };
  const stats = (token: string, qs = '') => t.app.inject({ url: `/api/admin/stats${qs}`, headers: bearer(token) });

  beforeAll(async () => {
    admin = (await signInStaff(t.app, 'admin')).token;
    manager1 = (await signInStaff(t.app, 'manager1')).token;
    customer = (await signInCustomer(t.app)).token;

    // City 1: a completed pickup (2 × 390 = 780), a cancelled one, a pending delivery (290).
    const a = (await placeOrder(t.app, customer)).json().order;
    const b = (await placeOrder(t.app, customer)).json().order;
    const c = (await placeOrder(t.app, customer, { items: [{ productId: 4, quantity: 1 }], delivery: { type: 'delivery', address: 'Tverskaya 1' } })).json().order;
    expect(c.total).toBe(290);
    for (const s of ['confirmed', 'preparing', 'ready', 'completed']) await move(a.id, s);
    await move(b.id, 'cancelled', 'out_of_stock');
    // City 2 (its own prices: 2 × 410): one order, which manager1 must never see.
    expect((await placeOrder(t.app, customer, { cityId: 2 })).statusCode).toBe(201);

    // Spread order a's moves out over known minutes: placed, +4 confirmed, +10 preparing, +25 ready, +27 completed.
    const db = testSql(t.app);
    const hist = await db.all<{ id: number; fromStatus: string | null; toStatus: string }>(
      'SELECT id, from_status AS "fromStatus", to_status AS "toStatus" FROM order_status_history WHERE order_id = @id',
      { id: a.id },
    );
    const base = Date.parse(a.created_at);
    const offsets: Record<string, number> = { pending: 0, confirmed: 4, preparing: 10, ready: 25, completed: 27 };
    for (const h of hist) {
      // stage_ms is what the database stored at the move: rewritten with the time it now stands for.
      await db.run('UPDATE order_status_history SET created_at = @createdAt, stage_ms = @stageMs WHERE id = @id', {
        id: h.id,
        createdAt: new Date(base + offsets[h.toStatus]! * 60_000).toISOString(),
        stageMs: h.fromStatus ? (offsets[h.toStatus]! - offsets[h.fromStatus]!) * 60_000 : null,
      });
    }
  });

  it("gives a manager today's figures for their city only", async () => {
    const res = await stats(manager1);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as StatsResponse;
    expect(body.cities.map((c) => c.city_id)).toEqual([1]);
    const c1 = body.cities[0]!;
    expect(c1.date).toBe(localDay(new Date(), 'Europe/Moscow'));
    expect(c1).toMatchObject({
      orders: 3,
      completed: 1,
      cancelled: 1,
      active: 1,
      revenue: 780 + 290, // every order not cancelled
      completed_revenue: 780,
      average_check: 535,
      cancellation_rate: 0.3333,
    });
    expect(c1.orders_per_hour).toHaveLength(24);
    expect(c1.orders_per_hour.reduce((a, b) => a + b, 0)).toBe(3);
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Moscow', hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
    // Placed moments ago: the current Moscow hour (or the one before, right at the turn of an hour).
    expect(c1.orders_per_hour[hour]! + c1.orders_per_hour[(hour + 23) % 24]!).toBe(3);
  });

  it('averages the minutes per stage from the status history', async () => {
    const c1 = (await stats(manager1, '?cityId=1')).json().cities[0] as StatsResponse['cities'][number];
    const stage = (from: string, to: string) => c1.stages.find((s) => s.from === from && s.to === to)!;
    expect(stage('pending', 'confirmed')).toEqual({ from: 'pending', to: 'confirmed', count: 1, avg_minutes: 4 });
    expect(stage('confirmed', 'preparing').avg_minutes).toBe(6);
    expect(stage('preparing', 'ready').avg_minutes).toBe(15);
    expect(stage('ready', 'completed')).toMatchObject({ count: 1, avg_minutes: 2 });
    expect(stage('ready', 'delivering')).toMatchObject({ count: 0, avg_minutes: null });
    // The cancel is not a kitchen stage.
    expect(c1.stages.every((s) => s.to !== 'cancelled')).toBe(true);
  });

  it('lets admin see every city, one city, or another day', async () => {
    const all = (await stats(admin)).json() as StatsResponse;
    expect(all.cities.map((c) => c.city_id)).toEqual([1, 2, 3]);
    expect(all.cities[1]).toMatchObject({ orders: 1, revenue: 820, cancellation_rate: 0 });
    expect(all.cities[2]).toMatchObject({ orders: 0, revenue: 0, average_check: 0, cancellation_rate: 0 });
    const one = (await stats(admin, '?cityId=2')).json() as StatsResponse;
    expect(one.cities.map((c) => c.city_id)).toEqual([2]);
    const old = (await stats(admin, '?cityId=1&date=2020-01-01')).json() as StatsResponse;
    expect(old.cities[0]).toMatchObject({ date: '2020-01-01', orders: 0 });
  });

  it('refuses another city, unknown cities, bad dates and customers', async () => {
    expect((await stats(manager1, '?cityId=2')).statusCode).toBe(403);
    expect((await stats(manager1, '?cityId=2')).json().error).toBe('other_city');
    expect((await stats(admin, '?cityId=99')).statusCode).toBe(404);
    expect((await stats(admin, '?date=2024-02-30')).statusCode).toBe(400);
    expect((await stats(admin, '?date=yesterday')).statusCode).toBe(400);
    expect((await stats(customer)).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/admin/stats' })).statusCode).toBe(401);
  });

  it('counts by the city-local day the order belongs to', async () => {
    // An order from yesterday (city-local) is not today's.
    const o = (await placeOrder(t.app, customer)).json().order;
    await testSql(t.app).run("UPDATE orders SET order_day = '2020-01-02' WHERE id = @id", { id: o.id });
    const today = (await stats(manager1)).json().cities[0];
    expect(today.orders).toBe(3);
    const that = (await stats(manager1, '?date=2020-01-02')).json().cities[0];
    expect(that.orders).toBe(1);
  });
});
