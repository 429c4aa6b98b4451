import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, buildTestApp, placeOrder, signInCustomer, type TestApp } from './helpers/app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('places an order with server-side prices', async () => {
    const { token } = await signInCustomer(t.app);
    const res = await placeOrder(t.app, token);
    expect(res.statusCode).toBe(201);
    expect(res.json().order).toMatchObject({ status: 'pending', subtotal: 780, total: 780, order_number: '0001' });
    const list = await t.app.inject({ url: '/api/orders', headers: bearer(token) });
    expect(list.json().total).toBe(1);
  });
});
