/*
 * Issue 14 in real Chromium, both apps at once: a manager cancels a cooking order on the admin
 * board (card → Cancel → reason and note) and the customer's open Mini App shows the cancellation
 * live, with its reason and the bonuses returned, and no "order placed" banner above it.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Order, OrderDetail } from '@ordercast/shared';
import { launchChromium } from '../../../server/test/helpers/browser';
import { bearer, buildTestApp, giveBonuses, placeOrder, TEST_BOT_TOKEN, type TestApp } from '../../../server/test/helpers/app';
import { demoInitData, launchHash } from '../../../server/src/auth/telegram';
import { ensureBuilt, ROOT } from './helpers/build';

const ARTIFACTS = join(ROOT, 'test-artifacts/cancel');

describe('cancel in both apps, in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ensureBuilt('webapp');
    ensureBuilt('admin');
    t = await buildTestApp({ SERVE_APPS: 'true' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await t?.close();
  });

  it("a manager cancels a cooking order; the customer's open Mini App shows the reason and the refund", async () => {
    // The customer: 500 bonuses, an order paid partly with them, its page open in the Mini App.
    const initData = demoInitData({ id: 730_000_001, first_name: 'Vera', language_code: 'en' }, TEST_BOT_TOKEN);
    const auth = (await t.app.inject({ method: 'POST', url: '/api/auth/telegram', payload: { initData } })).json() as { token: string; user: { id: number } };
    giveBonuses(t.app, auth.user.id, 500);
    await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(auth.token), payload: { cityId: 1 } });
    const order = (await placeOrder(t.app, auth.token, { items: [{ productId: 5, quantity: 3 }], bonusesToUse: 500, delivery: { type: 'delivery', address: 'Tverskaya 1' } })).json()
      .order as Order;
    expect(order.order_number).toMatch(/^M-\d{4}$/);

    const customerCtx = await browser.newContext({ viewport: { width: 390, height: 800 }, locale: 'en-US' });
    const customer = await customerCtx.newPage();
    const errors: Error[] = [];
    customer.on('pageerror', (e) => errors.push(e));
    // As checkout leaves it: the order's page with the "placed" banner.
    await customer.goto(`${base}/app/orders/${order.id}?placed=1#${launchHash(initData)}`);
    await customer.getByTestId('order').waitFor({ timeout: 20_000 });
    await customer.getByTestId('placed').waitFor();

    // The manager on the board: the order is cooking.
    const staffCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    const staff = await staffCtx.newPage();
    await staff.goto(`${base}/admin/`);
    await staff.getByTestId('login-username').fill('manager1');
    await staff.getByTestId('login-password').fill('demo1234');
    await staff.getByTestId('login-submit').click();
    await staff.getByTestId('board').waitFor({ timeout: 15_000 });
    const managerToken = (await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'manager1', password: 'demo1234' } })).json().token as string;
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
    await customerCtx.close();
    await staffCtx.close();
  }, 120_000);
});
