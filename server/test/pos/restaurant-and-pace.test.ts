import { describe, expect, it } from 'vitest';
import { FAST_STEP_MINUTES, REALISTIC_STEP_MINUTES } from '../../src/pos/wire';
import { placeOrder, signInCustomer } from '../helpers/app';
import { orderRow, posOrders, setControl, sleep, usePosEnv, waitFor } from './helpers';

/** The real server and the real simulator over HTTP: the restaurant reaches the POS; the kitchen's pace is set per step. */
describe('POS: the restaurant with the order, minutes per kitchen step', () => {
  const env = usePosEnv();

  it('sends the restaurant that cooks the order (its code) and the promised time; the simulator shows them', async () => {
    const { token } = await signInCustomer(env.app);
    const order = (await placeOrder(env.app, token, { cityId: 1, restaurantId: 1, delivery: { type: 'pickup' } })).json().order;
    expect(order.restaurant_id).toBe(1);
    const code = 'MSK-TVER';
    await waitFor(async () => (await orderRow(env.app, order.id)).sync_status === 'synced', 'order synced');
    const [pos] = await posOrders(env.sim, order.id);
    expect(pos).toMatchObject({ restaurantCode: code, promisedAt: order.promised_at });

    // Delivery: assigned to the city's first open restaurant (Saint Petersburg has one).
    const delivery = (await placeOrder(env.app, token, { cityId: 2, items: [{ productId: 5, quantity: 1 }], delivery: { type: 'delivery', address: 'Nevsky 10' } })).json().order;
    expect(delivery.restaurant_id).toBe(3);
    await waitFor(async () => (await orderRow(env.app, delivery.id)).sync_status === 'synced', 'delivery synced');
    expect((await posOrders(env.sim, delivery.id))[0]).toMatchObject({ restaurantCode: 'SPB-NEVSKY' });
  });

  it('takes minutes per step through /control: a preset, or any of the steps; fast by default', async () => {
    const control = (await (await fetch(`${env.sim.url}/control`)).json()) as { stepMinutes: unknown };
    expect(control.stepMinutes).toEqual(FAST_STEP_MINUTES);
    expect((await setControl(env.sim, { stepMinutes: 'realistic' })).stepMinutes).toEqual(REALISTIC_STEP_MINUTES);
    const bad = await fetch(`${env.sim.url}/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stepMinutes: { cooking: -1 } }) });
    expect(bad.status).toBe(400);

    // At realistic minutes and speed 1 an accepted order stays accepted (two minutes) …
    const { token } = await signInCustomer(env.app, { id: 555_001, first_name: 'Pace' });
    const slow = (await placeOrder(env.app, token)).json().order;
    await waitFor(async () => (await orderRow(env.app, slow.id)).sync_status === 'synced', 'synced');
    await setControl(env.sim, { kitchenSpeed: 1 });
    await sleep(300);
    expect((await posOrders(env.sim, slow.id))[0]!.status).toBe('accepted');

    // … and with a few seconds' worth of minutes for every step the same order goes all the way through.
    const tiny = 0.002; // 120 ms
    const now = await setControl(env.sim, { stepMinutes: { accepted: tiny, cooking: tiny, awaiting_pickup: tiny } });
    expect(now.stepMinutes).toEqual({ ...REALISTIC_STEP_MINUTES, accepted: tiny, cooking: tiny, awaiting_pickup: tiny });
    await waitFor(async () => (await orderRow(env.app, slow.id)).status === 'completed', 'pickup order completed at the configured pace');
    await setControl(env.sim, { kitchenSpeed: 0, stepMinutes: 'fast' });
  });
});
