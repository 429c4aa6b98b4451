import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { columnsOf, defaultsOf } from '../../src/db/rows';
import { cities, orderItems, orders, productPrices, users } from '../../src/db/schema';
import { placeOrder, signInCustomer, useTestApp } from '../helpers/app';

describe('columnsOf: raw rows in the schema shape', () => {
  const t = useTestApp({ POS_SYNC_WORKER: 'false' });

  it('reads an order, its items and a city exactly as drizzle does', async () => {
    const { token } = await signInCustomer(t.app);
    const { id } = (await placeOrder(t.app, token)).json().order as { id: number };
    const raw = t.app.db.$client;
    expect(raw.prepare(`SELECT ${columnsOf(orders)} FROM orders WHERE id = ?`).get(id)).toStrictEqual(
      t.app.db.select().from(orders).where(eq(orders.id, id)).get(),
    );
    expect(raw.prepare(`SELECT ${columnsOf(orderItems)} FROM order_items WHERE order_id = ? ORDER BY id`).all(id)).toStrictEqual(
      t.app.db.select().from(orderItems).where(eq(orderItems.orderId, id)).orderBy(orderItems.id).all(),
    );
    expect(raw.prepare(`SELECT ${columnsOf(cities)} FROM cities ORDER BY id`).all()).toStrictEqual(t.app.db.select().from(cities).orderBy(cities.id).all());
  });

  it('refuses tables with columns that need decoding', async () => {
    expect(() => columnsOf(users)).toThrow(/users\.active \(SQLiteBoolean\) needs decoding/);
    expect(() => columnsOf(productPrices)).toThrow(/product_prices\.available/);
  });
});

describe('defaultsOf: a new order built in JS is the row the database stored', () => {
  const t = useTestApp({ POS_SYNC_WORKER: 'false' });

  it('the order a create returns equals the same order read back: pickup, delivery in a zone with comment and phone, options, cash with change, card', async () => {
    const { token } = await signInCustomer(t.app);
    const bodies = [
      {},
      { delivery: { type: 'delivery', address: 'Тверская 1' }, comment: 'Домофон 12', phone: '+7 900 000-00-00', items: [{ productId: 1, quantity: 1 }, { productId: 7, quantity: 2, options: [12, 21] }, { productId: 2, quantity: 3 }] },
      { payment: { method: 'cash', changeFrom: 5000 } },
      { payment: { method: 'card' } },
    ];
    for (const body of bodies) {
      const res = await placeOrder(t.app, token, body);
      expect(res.statusCode, res.body).toBe(201);
      const created = res.json().order as { id: number };
      const read = await t.app.inject({ method: 'GET', url: `/api/orders/${created.id}`, headers: { authorization: `Bearer ${token}` } });
      expect(read.json().order).toMatchObject(created);
    }
  });

  it('refuses, at start, to leave out a column whose default is an SQL expression', () => {
    expect(() => defaultsOf(orders, ['orderNumber'])).toThrow(/created_at has an SQL default/);
  });
});
