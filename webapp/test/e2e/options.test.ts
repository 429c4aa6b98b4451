/*
 * Product options end to end in real Chromium (issue 16): the customer finds a dish by a misspelt
 * search, chooses a size and extras and watches the price follow, orders; the admin board's card
 * and the POS simulator (over HTTP) show the options; "Repeat" brings the dishes back at today's
 * menu and names what is gone.
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Order } from '@ordercast/shared';
import { launchChromium } from '../../../server/test/helpers/browser';
import { bearer, TEST_BOT_TOKEN } from '../../../server/test/helpers/app';
import { buildServer, posOrders, startSimulator, waitFor } from '../../../server/test/pos/helpers';
import type { PosSimulator } from '../../../server/src/pos/simulator/index';
import { demoInitData, launchHash } from '../../../server/src/auth/telegram';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const ARTIFACTS = join(ROOT, 'test-artifacts/options');

/** Both apps built (npm test builds them first; alone, build what is missing). */
function ensureBuilt(): void {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_ENV' && k !== 'TEST'));
  for (const mode of ['webapp', 'admin']) {
    if (!existsSync(join(ROOT, mode, 'dist/index.html'))) execSync(`npx vite build --mode ${mode}`, { cwd: ROOT, stdio: 'pipe', timeout: 170_000, env });
  }
}

let sim: PosSimulator;
let t: Awaited<ReturnType<typeof buildServer>>;
let browser: Browser;

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  sim = await startSimulator();
  t = await buildServer(sim, { SERVE_APPS: 'true' });
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await t?.close();
  await sim?.close();
});

const mainButton = (page: Page) => page.getByTestId('main-button');

describe('product options in the Mini App, on the board and in the POS', () => {
  it('search, choose a size and extras, order; the board card and the POS show them; repeat the order', async () => {
    const initData = demoInitData({ id: 730_000_001, first_name: 'Options', language_code: 'en' }, TEST_BOT_TOKEN);
    const { token } = (await t.app.inject({ method: 'POST', url: '/api/auth/telegram', payload: { initData } })).json() as { token: string };
    await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(token), payload: { cityId: 1 } });

    // The phone is in central Moscow (the free zone): a delivery address is located from it.
    const ctx = await browser.newContext({ viewport: { width: 390, height: 800 }, locale: 'en-US', geolocation: { latitude: 55.7643, longitude: 37.6056 }, permissions: ['geolocation'] });
    const page = await ctx.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.goto(`${t.serverUrl}/app/#${launchHash(initData)}`);
    await page.locator('[data-testid="product"]').first().waitFor();

    // Search forgives the typo.
    await page.getByTestId('search').fill('pelmeny');
    await expect.poll(() => page.locator('[data-testid="product"]').count()).toBe(1);
    await page.locator('[data-product-id="7"]').getByTestId('choose').click();

    // The product card: weight and kcal; the required portion first; the price follows the choice.
    await page.getByTestId('product-details').waitFor();
    expect(await page.getByTestId('facts').textContent()).toMatch(/250 g · 560 kcal/);
    expect(await page.locator('[data-testid="option-group"] legend').first().textContent()).toContain('Portion');
    expect(await mainButton(page).textContent()).toContain('Choose: Portion');
    expect(await page.getByTestId('product-price').textContent()).toContain('450');
    const option = (id: number) => page.locator(`[data-testid="option"][data-option-id="${id}"] input`);
    await option(12).check();
    await expect.poll(() => page.getByTestId('product-price').textContent()).toContain('700');
    await option(21).check();
    await option(22).check();
    await option(23).check();
    await expect.poll(() => page.getByTestId('product-price').textContent()).toContain('810');
    expect(await option(24).isDisabled()).toBe(true); // extras: 3 at most
    await option(23).uncheck();
    await expect.poll(() => mainButton(page).textContent()).toMatch(/Add · .*790/);
    await page.screenshot({ path: join(ARTIFACTS, 'product-options.png') });
    await mainButton(page).click();
    // Another portion is another line.
    await option(11).check();
    await expect.poll(() => mainButton(page).textContent()).toMatch(/Add · .*540/);
    await mainButton(page).click();

    await expect.poll(() => mainButton(page).textContent()).toContain('View order');
    await mainButton(page).click();
    await page.getByTestId('cart').waitFor();
    expect(await page.getByTestId('cart-line').count()).toBe(2);
    expect(await page.getByTestId('line-options').allTextContents()).toEqual(['20 pieces, Sour cream, Broth', '12 pieces, Sour cream, Broth']);
    expect(await page.getByTestId('subtotal').textContent()).toContain('1,330');
    await page.screenshot({ path: join(ARTIFACTS, 'cart-options.png') });

    await mainButton(page).click();
    await page.getByTestId('checkout').waitFor();
    await page.locator('input[name="address"]').fill('Tverskaya 1, flat 5');
    await page.getByTestId('locate-me').click();
    await expect.poll(() => page.getByTestId('zone-terms').textContent(), { timeout: 10_000 }).toContain('Центр');
    await expect.poll(() => mainButton(page).isEnabled(), { timeout: 10_000 }).toBe(true);
    await mainButton(page).click();
    await page.getByTestId('order-status').waitFor({ timeout: 15_000 });
    const orderId = Number(/orders\/(\d+)/.exec(page.url())![1]);
    const order = (await t.app.inject({ url: `/api/orders/${orderId}`, headers: bearer(token) })).json().order as Order;
    expect(order.subtotal).toBe(1330);
    expect(await page.getByTestId('order-item').first().textContent()).toContain('20 pieces, Sour cream, Broth');

    // The POS received the options by their codes.
    await waitFor(async () => (await posOrders(sim, orderId)).length === 1, 'order at the POS');
    const [pos] = await posOrders(sim, orderId);
    expect(pos!.items.map((i) => [i.code, i.options?.map((o) => o.code)])).toEqual([
      ['GL-0007', ['GL-0007-M12', 'GL-0007-M21', 'GL-0007-M22']],
      ['GL-0007', ['GL-0007-M11', 'GL-0007-M21', 'GL-0007-M22']],
    ]);

    // The admin board's card shows them.
    const staff = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    const board = await staff.newPage();
    await board.goto(`${t.serverUrl}/admin/`);
    await board.getByTestId('login-username').fill('manager1');
    await board.getByTestId('login-password').fill('demo1234');
    await board.getByTestId('login-submit').click();
    const card = board.locator(`[data-order-id="${orderId}"]`);
    await card.waitFor({ timeout: 15_000 });
    await expect.poll(() => card.getByTestId('card-dishes').textContent()).toMatch(/(20 pieces|20 штук)/);
    await card.click();
    await board.getByTestId('panel-item-options').first().waitFor();
    expect(await board.getByTestId('panel-item-options').count()).toBe(2);
    await board.screenshot({ path: join(ARTIFACTS, 'board-options.png') });
    await staff.close();

    // Broth goes on the stop-list; repeat: the lines that had it cannot come back, and the cart says so.
    t.app.db.$client.prepare('UPDATE product_option_prices SET available = 0 WHERE option_id = 22 AND city_id = 1').run();
    await page.getByTestId('repeat-order').click();
    await page.getByTestId('cart').waitFor();
    expect(await page.getByTestId('repeat-missing').textContent()).toContain('Pelmeni');
    expect(await page.getByTestId('cart-line').count()).toBe(0);
    // With broth back, the same order repeats whole, at today's prices.
    t.app.db.$client.prepare('UPDATE product_option_prices SET available = 1, price = 6000 WHERE option_id = 22 AND city_id = 1').run();
    await page.goto(`${t.serverUrl}/app/orders/${orderId}#${launchHash(initData)}`);
    await page.getByTestId('repeat-order').click();
    await page.getByTestId('cart').waitFor();
    expect(await page.getByTestId('cart-line').count()).toBe(2);
    expect(await page.getByTestId('repeat-missing').count()).toBe(0);
    expect(await page.getByTestId('subtotal').textContent()).toContain('1,350');
    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);
});
