/*
 * Issue 14 in real Chromium, both apps at once: a manager cancels a cooking order on the admin
 * board (card → Cancel → reason and note) and the customer's open Mini App shows the cancellation
 * live, with its reason and the bonuses returned, and no "order placed" banner above it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Order, OrderDetail } from '@ordercast/shared';
import { bearer, giveBonuses, placeOrder, signInStaff } from '../../../server/test/helpers/app';
import { artifacts, launchCustomer, openBoard, openMiniApp, useBrowserStage } from './helpers/stage';

const ARTIFACTS = artifacts('cancel');

describe('cancel in both apps, in Chromium', () => {
  const t = useBrowserStage(['webapp', 'admin']);

  it("a manager cancels a cooking order; the customer's open Mini App shows the reason and the refund", async () => {
    // The customer: 500 bonuses, an order paid partly with them, its page open in the Mini App.
    const auth = await launchCustomer(t.app, { id: 730_000_001, first_name: 'Vera' }, { cityId: 1 });
    await giveBonuses(t.app, auth.user.id, 500);
    const order = (await placeOrder(t.app, auth.token, { items: [{ productId: 5, quantity: 3 }], bonusesToUse: 500, delivery: { type: 'delivery', address: 'Tverskaya 1' } })).json()
      .order as Order;
    expect(order.order_number).toMatch(/^M-\d{4}$/);

    // As checkout leaves it: the order's page with the "placed" banner.
    const { page: customer, errors } = await openMiniApp(t, `/app/orders/${order.id}?placed=1`, auth.hash);
    await customer.getByTestId('order').waitFor({ timeout: 20_000 });
    await customer.getByTestId('placed').waitFor();

    // The manager on the board: the order is cooking.
    const staff = await openBoard(t, 'manager1');
    const managerToken = (await signInStaff(t.app, 'manager1')).token;
    for (const status of ['confirmed', 'preparing']) {
      const r = await t.app.inject({ method: 'POST', url: `/api/admin/orders/${order.id}/status`, headers: bearer(managerToken), payload: { status } });
      expect(r.statusCode, r.body).toBe(200);
    }
    await customer.waitForSelector('[data-testid="order-status"][data-status="preparing"]', { timeout: 15_000 });
    // Too late for the customer to cancel: the restaurant's phone instead.
    await customer.getByTestId('call-restaurant-link').waitFor({ timeout: 10_000 });
    expect(await customer.getByTestId('call-restaurant-link').getAttribute('href')).toBe('tel:+74950001313');
    expect(await customer.getByTestId('cancel-order').count()).toBe(0);

    const card = staff.getByTestId(`order-card-${order.order_number}`);
    await card.waitFor({ timeout: 15_000 });
    await card.getByTestId('card-cancel').click();
    const dialog = staff.getByTestId('cancel-dialog');
    await dialog.waitFor();
    await dialog.getByTestId('cancel-reason-out_of_stock').check();
    await dialog.getByTestId('cancel-note').fill('No paprika left');
    await staff.screenshot({ path: join(ARTIFACTS, 'admin-cancel-dialog.png') });
    await dialog.getByTestId('cancel-confirm').click();
    await expect.poll(() => staff.getByTestId('panel-status').textContent(), { timeout: 10_000 }).toBe('Cancelled');
    await expect.poll(() => staff.getByTestId('panel-cancel-reason').textContent()).toContain('Out of stock');

    // The customer's page, live: cancelled, why, and the bonuses back; no "order placed" banner.
    await customer.waitForSelector('[data-testid="order-status"][data-status="cancelled"]', { timeout: 15_000 });
    await expect.poll(() => customer.getByTestId('cancel-reason').textContent(), { timeout: 10_000 }).toBe('Reason: a dish ran out');
    expect(await customer.getByTestId('cancel-note').textContent()).toContain('No paprika left');
    expect(await customer.getByTestId('bonuses-returned').textContent()).toBe('500 bonuses returned to your balance');
    expect(await customer.getByTestId('placed').count()).toBe(0);
    expect(await customer.getByTestId('call-restaurant').count()).toBe(0);
    await customer.screenshot({ path: join(ARTIFACTS, 'webapp-cancelled.png') });
    const mine = (await t.app.inject({ url: `/api/orders/${order.id}`, headers: bearer(auth.token) })).json().order as OrderDetail;
    expect(mine).toMatchObject({ status: 'cancelled', cancel_reason: 'out_of_stock', cancel_note: 'No paprika left' });
    expect((await t.app.inject({ url: '/api/bonuses', headers: bearer(auth.token) })).json().balance).toBe(500);
    expect(errors).toEqual([]);
  }, 120_000);
});
