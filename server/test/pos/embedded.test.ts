import { describe, expect, it } from 'vitest';
import { freePort, placeOrder, signInCustomer, useServedApp } from '../helpers/app';
import { waitFor } from './helpers';

describe('the embedded POS simulator on a port of its own (POS_SIM_PORT alone)', () => {
  // POS_URL '' = unset: the server must find its simulator at POS_SIM_PORT, not at the default 3100.
  const t = useServedApp(async () => ({ POS_SIM_PORT: String(await freePort()), POS_URL: '', POS_SYNC_WORKER: 'true', POS_RETRY_BASE_MS: '20', POS_RETRY_MAX_MS: '80' }));

  it('syncs an order with it', async () => {
    expect(t.config.POS_URL).toBe(`http://127.0.0.1:${t.config.POS_SIM_PORT}`);
    const { token } = await signInCustomer(t.app);
    const order = (await placeOrder(t.app, token)).json().order as { id: number };
    const synced = await waitFor(
      async () => {
        const o = (await t.app.inject({ url: `/api/orders/${order.id}`, headers: { authorization: `Bearer ${token}` } })).json().order;
        return o.sync_status === 'synced' ? o : null;
      },
      'the order to reach the embedded simulator',
    );
    expect(synced.pos_order_id).toMatch(/\S/);
  });
});
