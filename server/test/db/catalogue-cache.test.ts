import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '@ordercast/shared';
import { CatalogueMemo, catalogueVersion } from '../../src/db/catalogue-version';
import { demoDeliveryPoint, demoPickupPoint } from '../../src/db/seed-data';
import { placeOrder, signInCustomer, useTestApp } from '../helpers/app';

/*
 * The order path keeps cities, restaurants, zones, prices and option groups in memory while the
 * catalogue's version row holds (src/db/catalogue-version.ts, migration 0014). These tests change
 * the catalogue through a second connection to the same file — as another process sharing it
 * would, with no message to this one — and expect the very next order to see the change.
 */

const CATALOGUE_TABLES = ['cities', 'restaurants', 'delivery_zones', 'products', 'product_prices', 'product_option_groups', 'product_options', 'product_option_prices'];

describe('catalogue caches: a change by another connection on the same file is seen by the next order', () => {
  const t = useTestApp();
  let other: Database.Database;
  let customer: string;

  beforeAll(async () => {
    other = new Database(t.config.DATABASE_PATH);
    other.pragma('busy_timeout = 5000');
    customer = (await signInCustomer(t.app)).token;
  });
  afterAll(() => other.close());

  const version = () => other.prepare("SELECT value FROM system_state WHERE key = 'catalogue-version'").pluck().get() as string;
  const order = async (body: Record<string, unknown>) => {
    const res = await placeOrder(t.app, customer, body);
    return { status: res.statusCode, body: res.json() as { order: Order; error?: string } };
  };
  const pickup = (items: unknown[]) => order({ cityId: 1, items, delivery: { type: 'pickup' } });

  it('holding: one version for the work inside it (even past its own change), read again after it; nothing held outside a transaction', async () => {
    const v = catalogueVersion(t.app.sql);
    const bump = t.app.sql.prepare("UPDATE system_state SET value = 'bumped-in-tx' WHERE key = 'catalogue-version'");
    const before = await v.current();
    await expect(
      t.app.sql.tx(async () => {
        await v.holding(async () => {
          await bump.run();
          expect(await v.current()).toBe(before);
        });
        expect(await v.current()).toBe('bumped-in-tx');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await v.holding(async () => {
      other.prepare("UPDATE system_state SET value = 'bumped-outside' WHERE key = 'catalogue-version'").run();
      expect(await v.current()).toBe('bumped-outside');
    });
  });

  it('every insert, update and delete of a catalogue table changes the version; an order does not', async () => {
    for (const table of CATALOGUE_TABLES) {
      const before = version();
      other.prepare(`UPDATE ${table} SET rowid = rowid WHERE rowid = (SELECT min(rowid) FROM ${table})`).run();
      expect(version(), `update of ${table}`).not.toBe(before);
    }
    let before = version();
    const id = other.prepare("INSERT INTO products (category_id, pos_code, name, name_en) VALUES (1, 'PROBE', 'Проба', 'Probe') RETURNING id").pluck().get();
    expect(version()).not.toBe(before);
    before = version();
    other.prepare('DELETE FROM products WHERE id = ?').run(id);
    expect(version()).not.toBe(before);

    before = version();
    expect((await pickup([{ productId: 1, quantity: 1 }])).status).toBe(201);
    expect(version()).toBe(before);
  });

  it('prices and the stop-list', async () => {
    const price = () => other.prepare('SELECT price FROM product_prices WHERE product_id = 1 AND city_id = 1').pluck().get() as number;
    const first = await pickup([{ productId: 1, quantity: 1 }]);
    expect(first.body.order.items[0]!.price * 100).toBe(price());

    other.prepare('UPDATE product_prices SET price = price + 10000 WHERE product_id = 1 AND city_id = 1').run();
    const second = await pickup([{ productId: 1, quantity: 1 }]);
    expect(second.body.order.items[0]!.price).toBe(first.body.order.items[0]!.price + 100);

    other.prepare('UPDATE product_prices SET available = 0 WHERE product_id = 1 AND city_id = 1').run();
    const stopped = await pickup([{ productId: 1, quantity: 1 }]);
    expect(stopped).toMatchObject({ status: 422, body: { error: 'product_unavailable' } });
    other.prepare('UPDATE product_prices SET available = 1 WHERE product_id = 1 AND city_id = 1').run();
    expect((await pickup([{ productId: 1, quantity: 1 }])).status).toBe(201);
  });

  it('option prices, availability and group rules', async () => {
    // Dish 7 has a required portion (options 11: 12 pieces, 12: 20 pieces).
    const line = (options: number[]) => pickup([{ productId: 7, quantity: 1, options }]);
    const before = (await line([12])).body.order.items[0]!;
    other.prepare('UPDATE product_option_prices SET price = price + 5000 WHERE option_id = 12 AND city_id = 1').run();
    const after = (await line([12])).body.order.items[0]!;
    expect(after.line_total).toBe(before.line_total + 50);

    other.prepare('UPDATE product_option_prices SET available = 0 WHERE option_id = 12 AND city_id = 1').run();
    expect(await line([12])).toMatchObject({ status: 422, body: { error: 'option_unavailable' } });

    other.prepare('UPDATE product_option_groups SET min_choices = 0 WHERE id = 1').run();
    expect((await line([])).status).toBe(201);
  });

  it('a restaurant paused, and the city code in the order number', async () => {
    const restaurantId = demoPickupPoint(1)!;
    other.prepare("UPDATE restaurants SET paused_at = ?, pause_reason = 'Inventory' WHERE id = ?").run(new Date().toISOString(), restaurantId);
    expect(await pickup([{ productId: 1, quantity: 1 }])).toMatchObject({ status: 409, body: { error: 'restaurant_paused' } });
    other.prepare('UPDATE restaurants SET paused_at = NULL, pause_reason = NULL WHERE id = ?').run(restaurantId);

    other.prepare("UPDATE cities SET code = 'Q' WHERE id = 1").run();
    const placed = await pickup([{ productId: 1, quantity: 1 }]);
    expect(placed.status).toBe(201);
    expect(placed.body.order.order_number).toMatch(/^Q-\d{4}$/);
  });

  it('delivery zones: terms and shapes', async () => {
    const point = demoDeliveryPoint(1)!;
    const delivery = () => order({ cityId: 1, items: [{ productId: 1, quantity: 1 }], delivery: { type: 'delivery', address: 'Тверская 1', location: point } });
    const first = await delivery();
    expect(first.status).toBe(201);
    const zoneId = first.body.order.delivery_zone_id!;

    other.prepare('UPDATE delivery_zones SET delivery_fee = 33300, free_from = NULL, min_order = 0 WHERE id = ?').run(zoneId);
    expect((await delivery()).body.order.delivery_fee).toBe(333);

    // The zone moved far away: the point is in no zone of the city any more.
    const far = { type: 'Polygon', coordinates: [[[0, 0], [0, 1], [1, 1], [0, 0]]] };
    other.prepare('UPDATE delivery_zones SET geometry = ? WHERE city_id = 1').run(JSON.stringify(far));
    expect(await delivery()).toMatchObject({ status: 400, body: { error: 'outside_delivery_zones' } });
  });

  it('rows read inside a transaction that rolled back are not kept (the version is random, not a counter)', async () => {
    const sql = t.app.sql;
    const read = sql.prepare<void, { price: number }>('SELECT price FROM product_prices WHERE product_id = 2 AND city_id = 2');
    const setPrice = sql.prepare<{ price: number }>('UPDATE product_prices SET price = @price WHERE product_id = 2 AND city_id = 2');
    const memo = new CatalogueMemo(sql, async () => (await read.get())!.price);
    const original = await memo.get(0);
    await expect(
      t.app.tx(async () => {
        await setPrice.run({ price: 1 });
        expect(await memo.get(0)).toBe(1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await memo.get(0)).toBe(original);
    // Another change after the rollback is seen too.
    other.prepare('UPDATE product_prices SET price = 7700 WHERE product_id = 2 AND city_id = 2').run();
    expect(await memo.get(0)).toBe(7700);
    expect(await catalogueVersion(sql).current()).toBe(version());
  });
});
