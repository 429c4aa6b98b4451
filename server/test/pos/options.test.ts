import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Menu } from '@ordercast/shared';
import { placeOrder, signInCustomer } from '../helpers/app';
import type { PosOrderBody } from '../../src/pos/wire';
import { orderRow, posOrderBody, posOrders, simPost, startPosEnv, waitFor, type PosEnv } from './helpers';

/** Options through the real simulator over HTTP: sent with their codes and checked there; imported from its menu. */
describe('POS: product options', () => {
  let env: PosEnv;
  beforeAll(async () => {
    env = await startPosEnv({ MENU_SYNC_INTERVAL_MS: '150' });
    await waitFor(async () => (await env.app.pos.menu.state()).status === 'ok', 'first import');
  });
  afterAll(() => env.close());

  it('the first import of the identical nomenclature (options, weight, kcal included) changes nothing', async () => {
    expect(await env.app.pos.menu.state()).toMatchObject({ status: 'ok', last_changes: 0 });
  });

  it('sends an order’s options with their POS codes and prices; the POS accepts it', async () => {
    const { app } = env;
    const { token } = await signInCustomer(app);
    const res = await placeOrder(app, token, {
      items: [
        { productId: 7, quantity: 2, options: [12, 21, 22] },
        { productId: 13, quantity: 1, options: [71] },
        { productId: 1, quantity: 1 },
      ],
    });
    expect(res.statusCode, res.body).toBe(201);
    const orderId = res.json().order.id as number;
    await waitFor(async () => (await orderRow(app, orderId)).sync_status === 'synced', 'order synced');
    const [pos] = await posOrders(env.sim, orderId);
    expect(pos!.items).toEqual([
      {
        code: 'GL-0007',
        name: 'Пельмени',
        price: 450,
        quantity: 2,
        options: [
          { code: 'GL-0007-M12', name: '20 штук', price: 250 },
          { code: 'GL-0007-M21', name: 'Сметана', price: 40 },
          { code: 'GL-0007-M22', name: 'Бульон', price: 50 },
        ],
      },
      { code: 'GL-0013', name: 'Цезарь с курицей', price: 430, quantity: 1, options: [{ code: 'GL-0013-M71', name: 'Без гренок', price: 0 }] },
      { code: 'GL-0001', name: 'Гуляш-суп', price: 390, quantity: 1 },
    ]);
    expect(pos!.total).toBe((450 + 250 + 40 + 50) * 2 + 430 + 390);
  });

  describe('the simulator checks options like dishes (422)', () => {
    const body = (options: PosOrderBody['items'][number]['options'], externalId: number, unit = 450 + 250): PosOrderBody =>
      posOrderBody(externalId, { orderNumber: `T-${externalId}`, items: [{ code: 'GL-0007', price: 450, quantity: 1, options }], subtotal: unit, total: unit });
    const post = (b: PosOrderBody) => simPost<{ code: string; message: string }>(env.sim, '/orders', b);

    it('an unknown code, or another dish’s option: OPTION_NOT_FOUND', async () => {
      expect(await post(body([{ code: 'GL-0007-M99', price: 250 }], 900_001))).toMatchObject({ status: 422, json: { code: 'OPTION_NOT_FOUND' } });
      expect(await post(body([{ code: 'GL-0013-M62', price: 250 }], 900_002))).toMatchObject({ status: 422, json: { code: 'OPTION_NOT_FOUND' } });
    });

    it('another price: PRICE_MISMATCH; a stopped option: OPTION_UNAVAILABLE; totals include options', async () => {
      expect(await post(body([{ code: 'GL-0007-M12', price: 200 }], 900_003))).toMatchObject({ status: 422, json: { code: 'PRICE_MISMATCH', message: expect.stringMatching(/modifier GL-0007-M12/) } });
      expect(await post(body([{ code: 'GL-0007-M12', price: 250 }], 900_004, 450))).toMatchObject({ status: 422, json: { code: 'TOTAL_MISMATCH' } });
      const stopped = await simPost(env.sim, '/menu/items', { cityId: 3, code: 'GL-0007-M12', available: false });
      expect(stopped.status).toBe(200);
      const b = { ...body([{ code: 'GL-0007-M12', price: 230 }], 900_005, 410 + 230), cityId: 3 };
      b.items[0]!.price = 410;
      expect(await post(b)).toMatchObject({ status: 422, json: { code: 'OPTION_UNAVAILABLE' } });
      expect(await post(body([{ code: 'GL-0007-M12', price: 250 }], 900_006))).toMatchObject({ status: 201 });
    });
  });

  it('imports option prices and stop-list per city, and dishes’ weight and kcal', async () => {
    const { app } = env;
    const patch = async (b: Record<string, unknown>) => {
      const res = await simPost(env.sim, '/menu/items', b);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
    };
    await patch({ cityId: 1, code: 'GL-0007-M12', price: 270 });
    await patch({ cityId: 2, code: 'GL-0007-M21', available: false });
    await patch({ cityId: 1, code: 'GL-0007-M11', price: 0 });
    await patch({ cityId: 1, code: 'GL-0007', weight: 270, kcal: 600 });
    const menu = async (cityId: number): Promise<Menu> => (await app.inject({ url: `/api/menu?cityId=${cityId}` })).json();
    const option = (m: Menu, id: number) => m.products.flatMap((p) => p.option_groups.flatMap((g) => g.options)).find((o) => o.id === id)!;
    await waitFor(async () => option(await menu(1), 12).price === 270 && !option(await menu(2), 21).available, 'options imported');
    await waitFor(async () => (await menu(1)).products.find((p) => p.id === 7)!.weight === 270, 'weight imported');
    const m1 = await menu(1);
    expect(m1.products.find((p) => p.id === 7)).toMatchObject({ weight: 270, kcal: 600 });
    expect(option(m1, 21).available).toBe(true); // other cities untouched
    expect(option(await menu(2), 12).price).toBe(260);
    // Orders follow the imported menu.
    const { token } = await signInCustomer(app);
    const ok = await placeOrder(app, token, { items: [{ productId: 7, quantity: 1, options: [12] }] });
    expect(ok.json().order.subtotal).toBe(450 + 270);
    const refused = await placeOrder(app, token, { cityId: 2, items: [{ productId: 7, quantity: 1, options: [11, 21] }] });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toBe('option_unavailable');
  });
});
