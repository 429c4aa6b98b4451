import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, useTestApp, signInCustomer, signInStaff } from '../helpers/app';

/** Numbers a client may put in a query string or path: each answers 400, never 500, and changes nothing. */
const HUGE = ['18446744073709551616', '9223372036854775808', '1e30', '99999999999999999999999'];

describe('numeric query and path parameters are bounded', () => {
  const t = useTestApp();
  let customer: string;
  let admin: string;
  beforeAll(async () => {
    customer = (await signInCustomer(t.app)).token;
    admin = (await signInStaff(t.app, 'admin')).token;
  });

  it.each(HUGE)('%s as offset, limit, id or cityId → 400 validation_failed', async (n) => {
    const cases: [string, string, string, Record<string, unknown>?][] = [
      ['GET', `/api/orders?offset=${n}`, customer],
      ['GET', `/api/orders?limit=${n}`, customer],
      ['GET', `/api/orders/${n}`, customer],
      ['POST', `/api/orders/${n}/cancel`, customer],
      ['GET', `/api/menu?cityId=${n}`, customer],
      ['GET', `/api/admin/orders?offset=${n}`, admin],
      ['GET', `/api/admin/orders?cityId=${n}`, admin],
      ['GET', `/api/admin/orders/${n}`, admin],
      ['GET', `/api/admin/menu?cityId=${n}`, admin],
      ['GET', `/api/admin/stats?cityId=${n}`, admin],
      ['POST', `/api/admin/sync/${n}/retry`, admin],
      ['PATCH', `/api/admin/staff/${n}`, admin, { name: 'X' }],
      ['POST', `/api/admin/orders/${n}/status`, admin, { status: 'confirmed' }],
      ['POST', `/api/admin/products/${n}/availability`, admin, { cityId: 1, available: false }],
    ];
    for (const [method, url, token, payload] of cases) {
      const res = await t.app.inject({ method: method as 'GET', url, headers: bearer(token), ...(payload && { payload }) });
      expect([url, res.statusCode]).toEqual([url, 400]);
      expect(res.json()).toMatchObject({ error: 'validation_failed' });
    }
  });

  it('the largest offset still allowed answers an empty page', async () => {
    const res = await t.app.inject({ url: '/api/orders?offset=2147483647', headers: bearer(customer) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ items: [] });
  });
});
