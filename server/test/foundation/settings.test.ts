import { describe, expect, it } from 'vitest';
import { bearer, signInCustomer, signInStaff, useTestApp } from '../helpers/app';

describe('GET /api/admin/settings', () => {
  const t = useTestApp({ ORDER_WARN_MINUTES: '7', ORDER_LATE_MINUTES: '12', ORDER_ETA_WARN_MINUTES: '4', BONUS_MAX_SHARE: '0.25', POS_SYNC_WORKER: 'false' });

  it('gives staff the thresholds and bonus rules the server runs with', async () => {
    const { token } = await signInStaff(t.app, 'manager1');
    const res = await t.app.inject({ url: '/api/admin/settings', headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ order_warn_minutes: 7, order_late_minutes: 12, order_eta_warn_minutes: 4, bonus_earn_rate: 0.05, bonus_max_share: 0.25 });
  });

  it('is for staff only', async () => {
    const { token } = await signInCustomer(t.app);
    expect((await t.app.inject({ url: '/api/admin/settings', headers: bearer(token) })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/admin/settings' })).statusCode).toBe(401);
  });
});
