import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { columnsOf } from '../../src/db/rows';
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
