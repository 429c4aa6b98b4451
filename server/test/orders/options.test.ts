import { beforeAll, describe, expect, it } from 'vitest';
import type { Menu, Order } from '@ordercast/shared';
import { bearer, placeOrder, signInCustomer, signInStaff, useTestApp } from '../helpers/app';
import { testSql } from '../helpers/db';

// Demo options (server/src/db/seed-data.ts): pelmeni (7) — portion 12 pcs (11, 0) / 20 pcs (12, +250),
// required; extras up to 3: sour cream (21, +40), broth (22, +50), mustard (23, +20), butter (24, +30).
// Borscht (2) — extras incl. salo (33, stopped in Novosibirsk); removal "no garlic" (41).
// Caesar (13) — removals, at most 2 (71, 72). Moscow prices; other cities follow the city factor.
const t = useTestApp({ POS_SYNC_WORKER: 'false' });
let token: string;

beforeAll(async () => {
  token = (await signInCustomer(t.app)).token;
});

const order = (items: unknown[], extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  placeOrder(t.app, token, { items, ...extra }, headers);

async function refused(items: unknown[], status: number, code: string, message: RegExp) {
  const count = () => testSql(t.app).get('SELECT count(*) AS n FROM orders');
  const before = await count();
  const res = await order(items);
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json()).toMatchObject({ error: code, message: expect.stringMatching(message) });
  // Nothing written.
  expect(await count()).toEqual(before);
}

describe('the menu carries options, weight and energy', () => {
  it('gives each product its option groups (required first) priced in the city, with weight and kcal', async () => {
    const m1: Menu = (await t.app.inject({ url: '/api/menu?cityId=1' })).json();
    const pelmeni = m1.products.find((p) => p.id === 7)!;
    expect(pelmeni).toMatchObject({ weight: 250, kcal: 560 });
    expect(pelmeni.option_groups.map((g) => [g.name_en, g.kind, g.min, g.max])).toEqual([
      ['Portion', 'single', 1, 1],
      ['Extras', 'multiple', 0, 3],
    ]);
    expect(pelmeni.option_groups[0]!.options).toEqual([
      { id: 11, name: '12 штук', name_en: '12 pieces', price: 0, available: true },
      { id: 12, name: '20 штук', name_en: '20 pieces', price: 250, available: true },
    ]);
    expect(m1.products.find((p) => p.id === 1)!.option_groups).toEqual([]);
    const m2: Menu = (await t.app.inject({ url: '/api/menu?cityId=2' })).json();
    expect(m2.products.find((p) => p.id === 7)!.option_groups[0]!.options[1]!.price).toBe(260); // 250 × 1.05, whole tens
    const m3: Menu = (await t.app.inject({ url: '/api/menu?cityId=3' })).json();
    const salo = m3.products.find((p) => p.id === 2)!.option_groups.flatMap((g) => g.options).find((o) => o.id === 33)!;
    expect(salo.available).toBe(false);
  });
});

describe('choosing options when ordering', () => {
  it('prices options on the server, stores them on the item and puts them on the wire', async () => {
    const res = await order([
      { productId: 7, quantity: 2, options: [24, 12, 21] },
      { productId: 1, quantity: 1 },
    ]);
    expect(res.statusCode, res.body).toBe(201);
    const o: Order = res.json().order;
    // (450 + 250 + 40 + 30) × 2 + 390
    expect(o.subtotal).toBe(1930);
    expect(o.items[0]).toEqual({
      product_id: 7,
      name: 'Пельмени',
      name_en: 'Pelmeni',
      price: 450,
      quantity: 2,
      line_total: 1540,
      options: [
        { option_id: 12, group_name: 'Порция', group_name_en: 'Portion', name: '20 штук', name_en: '20 pieces', price: 250 },
        { option_id: 21, group_name: 'Добавки', group_name_en: 'Extras', name: 'Сметана', name_en: 'Sour cream', price: 40 },
        { option_id: 24, group_name: 'Добавки', group_name_en: 'Extras', name: 'Сливочное масло', name_en: 'Butter', price: 30 },
      ],
    });
    expect(o.items[1]).toMatchObject({ product_id: 1, options: [] });
    // Stored with its POS code; the same on every read.
    const stored = await testSql(t.app).all(
      'SELECT option_id, price, pos_code FROM order_item_options WHERE order_item_id IN (SELECT id FROM order_items WHERE order_id = @id) ORDER BY id',
      { id: o.id },
    );
    expect(stored).toEqual([
      { option_id: 12, price: 25_000, pos_code: 'GL-0007-M12' },
      { option_id: 21, price: 4_000, pos_code: 'GL-0007-M21' },
      { option_id: 24, price: 3_000, pos_code: 'GL-0007-M24' },
    ]);
    const again = (await t.app.inject({ url: `/api/orders/${o.id}`, headers: bearer(token) })).json().order;
    expect(again.items).toEqual(o.items);
    const list = (await t.app.inject({ url: '/api/orders', headers: bearer(token) })).json();
    expect(list.items.find((x: Order) => x.id === o.id).items).toEqual(o.items);
    const admin = (await signInStaff(t.app, 'admin')).token;
    const staffView = (await t.app.inject({ url: `/api/admin/orders/${o.id}`, headers: bearer(admin) })).json().order;
    expect(staffView.items).toEqual(o.items);
  });

  it('prices options per city, never from the client', async () => {
    const res = await order([{ productId: 7, quantity: 1, options: [12, 22] }], { cityId: 2 });
    expect(res.statusCode, res.body).toBe(201);
    // 470 + 260 + 50 in Saint Petersburg
    expect(res.json().order).toMatchObject({ subtotal: 780, items: [{ price: 470, line_total: 780 }] });
  });

  it('the same dish with the same options (in any order) is one line; with other options, another line', async () => {
    const res = await order([
      { productId: 7, quantity: 1, options: [11, 21] },
      { productId: 7, quantity: 2, options: [21, 11] },
      { productId: 7, quantity: 1, options: [12] },
    ]);
    expect(res.statusCode, res.body).toBe(201);
    const items: Order['items'] = res.json().order.items;
    expect(items.map((i) => [i.quantity, i.options.map((o) => o.option_id), i.line_total])).toEqual([
      [3, [11, 21], 1470],
      [1, [12], 700],
    ]);
  });

  it('removals cost nothing and are optional', async () => {
    const res = await order([{ productId: 13, quantity: 1, options: [71, 72] }]);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().order.items[0]).toMatchObject({ price: 430, line_total: 430, options: [{ name_en: 'No croutons', price: 0 }, { name_en: 'No dressing', price: 0 }] });
  });

  it('a required group left out: 400 option_required naming the group', async () => {
    await refused([{ productId: 7, quantity: 1 }], 400, 'option_required', /Choose one of "Порция" \(Portion\) for "Пельмени"/);
    await refused([{ productId: 7, quantity: 1, options: [21] }], 400, 'option_required', /"Порция"/);
  });

  it('two sizes of one required single choice: 400 too_many_options', async () => {
    await refused([{ productId: 7, quantity: 1, options: [11, 12] }], 400, 'too_many_options', /Only one of "Порция" \(Portion\) for "Пельмени"/);
  });

  it('more extras than the group allows: 400 too_many_options with its limit', async () => {
    await refused([{ productId: 7, quantity: 1, options: [11, 21, 22, 23, 24] }], 400, 'too_many_options', /At most 3 of "Добавки" \(Extras\) for "Пельмени"/);
    await refused([{ productId: 2, quantity: 1, options: [31, 32, 33, 34] }], 400, 'too_many_options', /At most 3 of "Добавки"/);
  });

  it('an option of another dish, or none at all: 400 unknown_option', async () => {
    await refused([{ productId: 7, quantity: 1, options: [11, 31] }], 400, 'unknown_option', /Option 31 is not an option of "Пельмени"/);
    await refused([{ productId: 1, quantity: 1, options: [11] }], 400, 'unknown_option', /Option 11 is not an option of "Гуляш-суп"/);
  });

  it('the same option twice: 400 duplicate_option', async () => {
    await refused([{ productId: 7, quantity: 1, options: [11, 21, 21] }], 400, 'duplicate_option', /listed twice/);
  });

  it('an option on the city stop-list: 422 option_unavailable', async () => {
    const res = await order([{ productId: 2, quantity: 1, options: [33] }], { cityId: 3 });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: 'option_unavailable', message: expect.stringMatching(/"Сало" \(Salo\) of "Борщ" is not available/) });
    // The same in Moscow is fine.
    expect((await order([{ productId: 2, quantity: 1, options: [33] }])).statusCode).toBe(201);
  });

  it('a malformed choice is refused by the schema', async () => {
    await refused([{ productId: 7, quantity: 1, options: ['x'] }], 400, 'validation_failed', /options/);
    await refused([{ productId: 7, quantity: 1, options: [0] }], 400, 'validation_failed', /options/);
  });

  it('an Idempotency-Key replays the same options in any order, and refuses other options', async () => {
    const headers = { 'idempotency-key': 'options-key-1' };
    const first = await order([{ productId: 7, quantity: 1, options: [12, 21] }], {}, headers);
    expect(first.statusCode).toBe(201);
    const replay = await order([{ productId: 7, quantity: 1, options: [21, 12] }], {}, headers);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().order.id).toBe(first.json().order.id);
    const other = await order([{ productId: 7, quantity: 1, options: [11, 21] }], {}, headers);
    expect(other.statusCode).toBe(422);
    expect(other.json().error).toBe('idempotency_key_reused');
  });
});
