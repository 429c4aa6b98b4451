import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, buildTestApp, giveBonuses, placeOrder, signInCustomer, signInStaff, withPickupPoint, type TestApp } from '../helpers/app';
import { testSql } from '../helpers/db';
import { holdOpen } from '../helpers/hold-open';
import { freshDatabase, type TestDatabase } from '../helpers/pg';
import { requireService } from '../helpers/services';

/**
 * Issue 13: the order path's guarantees under real concurrency on PostgreSQL, where transactions
 * do run at the same time (SQLite has one writer, so these races cannot happen there). Real HTTP
 * through app.inject, all requests of a race started at once.
 *
 * The server gets a database of its own (freshDatabase) and the file is left out of the suite's
 * PostgreSQL pass (vite.config.ts): it is about PostgreSQL whichever pass runs it, so it runs once,
 * wherever PostgreSQL answers, and is skipped with the usual line where it does not.
 */
describe('concurrent writers on PostgreSQL', await requireService('postgres'), () => {
  let db: TestDatabase;
  let t: TestApp;
  let admin: string;
  let manager1: string;
  let manager1b: string;

  beforeAll(async () => {
    db = await freshDatabase();
    // No POS worker: the orders stay where the test puts them.
    t = await buildTestApp({ DATABASE_URL: db.url, POS_SYNC_WORKER: 'false' });
    admin = (await signInStaff(t.app, 'admin')).token;
    manager1 = (await signInStaff(t.app, 'manager1')).token;
    // A second manager of the same city.
    const made = await t.app.inject({
      method: 'POST',
      url: '/api/admin/staff',
      headers: bearer(admin),
      payload: { username: 'manager1b', password: 'second-manager', name: 'Second Manager', role: 'manager', cityIds: [1] },
    });
    expect(made.statusCode, made.body).toBe(201);
    manager1b = (await signInStaff(t.app, 'manager1b', 'second-manager')).token;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const sql = () => testSql(t.app);
  const balanceOf = async (token: string) => (await t.app.inject({ url: '/api/bonuses', headers: bearer(token) })).json().balance as number;
  const statusMove = (token: string, id: number, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: `/api/admin/orders/${id}/status`, headers: bearer(token), payload });
  const codes = (results: LightMyRequestResponse[]) => results.map((r) => r.statusCode).sort();
  /** The order's status events appended since `before`, in log order. */
  const statusEvents = async (orderId: number, before: number) =>
    (await t.app.events.log.after(before))
      .filter((e) => e.type === 'order-status-updated')
      .map((e) => (JSON.parse(e.json) as { data: { orderId: number; oldStatus: string; newStatus: string } }).data)
      .filter((d) => d.orderId === orderId);

  it('30 concurrent spends of one balance: never overdrawn, every refusal the cap, the balance and the ledger agree', async () => {
    const { token, user } = await signInCustomer(t.app);
    await giveBonuses(t.app, user.id, 1000);
    // 2 × 390 = 780, so each order may spend up to 234; 100 each: exactly 10 fit in 1000.
    const results = await Promise.all(Array.from({ length: 30 }, () => placeOrder(t.app, token, { bonusesToUse: 100 })));
    expect(codes(results)).toEqual([...Array(10).fill(201), ...Array(20).fill(422)]);
    for (const r of results.filter((x) => x.statusCode === 422)) expect(r.json().error).toBe('bonus_limit_exceeded');
    expect(await balanceOf(token)).toBe(0);

    const ledger = await sql().all<{ type: string; amount: number; balanceAfter: number }>(
      'SELECT type, amount, balance_after AS "balanceAfter" FROM bonus_ledger WHERE user_id = @userId ORDER BY id',
      { userId: user.id },
    );
    expect(ledger.map((e) => e.type)).toEqual(['adjusted', ...Array(10).fill('used')]);
    // Each row's balance follows from the one before it, and the last is the stored balance.
    let running = 0;
    for (const e of ledger) {
      running += e.amount;
      expect(e.balanceAfter).toBe(running);
    }
    const stored = await sql().get<{ b: number; orders: number; used: number }>(
      `SELECT u.bonus_balance AS b, count(o.id) AS orders, COALESCE(SUM(o.bonuses_used), 0) AS used
         FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE u.id = @userId GROUP BY u.bonus_balance`,
      { userId: user.id },
    );
    expect(stored).toEqual({ b: running, orders: 10, used: 100_00 * 10 });
  });

  it('30 concurrent cancels of one order: one wins, its bonuses come back once, one POS cancel job', async () => {
    const { token, user } = await signInCustomer(t.app);
    await giveBonuses(t.app, user.id, 100);
    const order = (await placeOrder(t.app, token, { bonusesToUse: 100 })).json().order as { id: number };
    // The POS has it (as its callback would record): a cancel must reach the POS through the outbox.
    expect(await t.app.tx(() => t.app.pos.state.posHasOrder(order.id, `P-${order.id}`))).toBe(true);
    expect(await balanceOf(token)).toBe(0);
    const before = await t.app.events.log.highestId();

    // Staff of the city and the customer, all at once.
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0
          ? t.app.inject({ method: 'POST', url: `/api/orders/${order.id}/cancel`, headers: bearer(token), payload: { reason: 'changed my mind' } })
          : statusMove(i % 3 === 1 ? manager1 : admin, order.id, { status: 'cancelled', reason: 'duplicate' }),
      ),
    );
    expect(codes(results)).toEqual([200, ...Array(29).fill(409)]);
    for (const r of results.filter((x) => x.statusCode === 409)) expect(['stale_status', 'invalid_transition']).toContain(r.json().error);

    expect(await balanceOf(token)).toBe(100);
    const refunds = await sql().all('SELECT amount FROM bonus_ledger WHERE order_id = @id AND type = @type', { id: order.id, type: 'refunded' });
    expect(refunds).toEqual([{ amount: 100_00 }]);
    const jobs = await sql().all<{ kind: string }>("SELECT kind FROM pos_sync_jobs WHERE entity = 'order' AND entity_id = @id ORDER BY id", { id: order.id });
    expect(jobs.map((j) => j.kind)).toEqual(['send', 'cancel']);
    expect((await statusEvents(order.id, before)).map((d) => d.newStatus)).toEqual(['cancelled']);
    const history = await sql().all<{ to: string }>('SELECT to_status AS "to" FROM order_status_history WHERE order_id = @id ORDER BY id', { id: order.id });
    expect(history.map((h) => h.to)).toEqual(['pending', 'confirmed', 'cancelled']);
  });

  it('two managers move one order at once: one wins, the other gets 409, one event', async () => {
    const { token } = await signInCustomer(t.app);
    // Several rounds, so that the two requests really meet in the database in some of them.
    for (let round = 0; round < 8; round++) {
      const order = (await placeOrder(t.app, token, { delivery: { type: 'delivery', address: 'Tverskaya 1' } })).json().order as { id: number };
      expect((await statusMove(manager1, order.id, { status: 'confirmed' })).statusCode).toBe(200);
      const before = await t.app.events.log.highestId();
      // The same move by both (a move that follows the other's is a move of its own, not a race).
      const move = round % 2 === 0 ? { status: 'preparing' } : { status: 'cancelled', reason: 'out_of_stock' };
      const [a, b] = await Promise.all([statusMove(manager1, order.id, move), statusMove(manager1b, order.id, move)]);
      expect(codes([a, b]), `${a.body} | ${b.body}`).toEqual([200, 409]);
      const loser = a.statusCode === 409 ? a : b;
      expect(['stale_status', 'invalid_transition']).toContain(loser.json().error);
      const winner = (a.statusCode === 200 ? a : b).json().order as { status: string };

      const events = await statusEvents(order.id, before);
      expect(events).toEqual([{ orderId: order.id, oldStatus: 'confirmed', newStatus: winner.status, timestamp: expect.any(String), ...(winner.status === 'cancelled' && { cancelReason: 'out_of_stock', cancelNote: null }) }]);
      const row = await sql().get<{ status: string }>('SELECT status FROM orders WHERE id = @id', { id: order.id });
      expect(row!.status).toBe(winner.status);
      const history = await sql().all<{ to: string }>('SELECT to_status AS "to" FROM order_status_history WHERE order_id = @id ORDER BY id', { id: order.id });
      expect(history.map((h) => h.to)).toEqual(['pending', 'confirmed', winner.status]);
    }
  });

  /**
   * A cancel whose transaction has written but not yet committed, while `race` runs: what `race`
   * does must wait for it and then see the order cancelled. (Without a lock or a guard, `race` would
   * read the order as it was and write over the cancel once it commits.)
   */
  async function whileCancelling<T>(orderId: number, race: () => Promise<T>): Promise<T> {
    const release = await holdOpen(t.app, () => t.app.orders.changeStatus({ source: 'system' }, orderId, 'cancelled', 'not_paid'));
    const racing = race();
    // Long enough for `race` to reach the database and wait there (the outcome does not depend on it).
    await new Promise((r) => setTimeout(r, 300));
    await release();
    return racing;
  }

  it('a payment racing a cancel waits for it: the money is owed back and the kitchen never gets the order', async () => {
    const { token, user } = await signInCustomer(t.app);
    const order = (await placeOrder(t.app, token)).json().order as { id: number; total: number };
    // An online order as checkout leaves it (the bot, which online payment needs, is off here): unpaid, no POS job yet.
    await sql().run("UPDATE orders SET payment_method = 'online' WHERE id = @id", { id: order.id });
    await sql().run("DELETE FROM pos_sync_jobs WHERE entity = 'order' AND entity_id = @id", { id: order.id });
    const telegramId = (await sql().get<{ tg: number }>('SELECT telegram_id AS tg FROM users WHERE id = @id', { id: user.id }))!.tg;

    const result = await whileCancelling(order.id, () =>
      t.app.payments.paid({
        fromTelegramId: telegramId,
        payload: `order:${order.id}`,
        currency: 'RUB',
        totalAmount: Math.round(order.total * 100),
        telegramChargeId: `tg-race-${order.id}`,
        providerChargeId: `p-race-${order.id}`,
      }),
    );
    expect(result.outcome).toBe('refund_due');
    expect(await sql().get('SELECT status, payment_status FROM orders WHERE id = @id', { id: order.id })).toEqual({ status: 'cancelled', payment_status: 'refund_due' });
    expect(await sql().all("SELECT kind FROM pos_sync_jobs WHERE entity = 'order' AND entity_id = @id", { id: order.id })).toEqual([]);
  });

  it('moving the promised time while the order is being cancelled: 409 order_closed, the cancelled order keeps its time', async () => {
    const { token } = await signInCustomer(t.app);
    const order = (await placeOrder(t.app, token)).json().order as { id: number; promised_at: string };
    const res = await whileCancelling(order.id, () =>
      t.app.inject({ method: 'POST', url: `/api/admin/orders/${order.id}/eta`, headers: bearer(manager1b), payload: { addMinutes: 15, reason: 'Rush' } }),
    );
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error).toBe('order_closed');
    expect(await sql().get('SELECT status, promised_at FROM orders WHERE id = @id', { id: order.id })).toEqual({ status: 'cancelled', promised_at: order.promised_at });
  });

  it('an order of a city does not wait for another order of that city to commit (the number is drawn outside the transaction)', async () => {
    const first = await signInCustomer(t.app);
    const second = await signInCustomer(t.app);
    // The first order's transaction has written everything and stays open.
    const release = await holdOpen(t.app, async () => {
      const principal = (await t.app.users.principal(first.user.id))!;
      return (await t.app.orders.create(principal, withPickupPoint({ cityId: 1, items: [{ productId: 1, quantity: 1 }], delivery: { type: 'pickup' as const } }), null)).order;
    });
    try {
      // Before: this waited on the city's counter row until the first committed (the test times out).
      const res = await Promise.race([placeOrder(t.app, second.token), new Promise<null>((r) => setTimeout(r, 15_000, null))]);
      expect(res?.statusCode, res?.body).toBe(201);
    } finally {
      await release();
    }
    const a = await release();
    const b = (await sql().get<{ n: string }>('SELECT order_number AS n FROM orders WHERE user_id = @id', { id: second.user.id }))!.n;
    expect(a.order_number).not.toBe(b);
  });
});
