/*
 * Delivery zones in the Mini App, in real Chromium (issue 16): an address outside every zone is
 * refused at checkout before anything is sent; one inside shows its zone's fee, the total with it,
 * and the order the server prices the same way; the address is then offered first next time.
 */
import { execSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { OrderDetail, User } from '@ordercast/shared';
import { launchChromium } from '../../../server/test/helpers/browser';
import { bearer, buildTestApp, TEST_BOT_TOKEN, type TestApp } from '../../../server/test/helpers/app';
import { demoInitData, launchHash } from '../../../server/src/auth/telegram';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const DIST_INDEX = join(ROOT, 'webapp/dist/index.html');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) max = Math.max(max, newestMtime(join(path, name)));
  return max;
}
function ensureBuilt(): void {
  const sources = [join(ROOT, 'webapp/src'), join(ROOT, 'webapp/index.html'), join(ROOT, 'shared/src')];
  if (existsSync(DIST_INDEX) && statSync(DIST_INDEX).mtimeMs >= Math.max(...sources.map(newestMtime))) return;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_ENV' && k !== 'TEST'));
  execSync('npx vite build --mode webapp', { cwd: ROOT, stdio: 'pipe', timeout: 170_000, env });
}

let t: TestApp;
let base = '';
let browser: Browser;
const contexts: BrowserContext[] = [];

// Moscow: outside the MKAD box of the demo zones; inside only the Arbat kitchen's "Запад" zone (149 ₽, free from 1 500, minimum 700).
const OUTSIDE = { latitude: 55.95, longitude: 37.95 };
const WEST = { latitude: 55.72, longitude: 37.5 };

async function customer(): Promise<{ hash: string; token: string; user: User }> {
  const initData = demoInitData({ id: 730_000_000 + Math.floor(Math.random() * 1e6), first_name: 'Zone', language_code: 'en' }, TEST_BOT_TOKEN);
  const res = await t.app.inject({ method: 'POST', url: '/api/auth/telegram', payload: { initData } });
  const { token, user } = res.json() as { token: string; user: User };
  await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(token), payload: { cityId: 1 } });
  return { token, user, hash: launchHash(initData) };
}

/** The app at checkout with a cart of two beef goulash (2 × 590 = 1 180 ₽) and the phone at `where`. */
async function checkout(hash: string, where: { latitude: number; longitude: number }): Promise<{ page: Page; ctx: BrowserContext }> {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 800 }, locale: 'en-US' });
  contexts.push(ctx);
  await ctx.grantPermissions(['geolocation']);
  await ctx.setGeolocation(where);
  await ctx.addInitScript(() => localStorage.setItem('ordercast.cart', JSON.stringify({ cityId: 1, quantities: { 5: 2 } })));
  const page = await ctx.newPage();
  await page.goto(`${base}/app/checkout#${hash}`);
  await page.getByTestId('checkout').waitFor();
  return { page, ctx };
}

const mainButton = (page: Page) => page.getByTestId('main-button');

beforeAll(async () => {
  ensureBuilt();
  t = await buildTestApp({ SERVE_APPS: 'true', POS_SYNC_WORKER: 'false' });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await t?.close();
});

describe('delivery zones in the Mini App', () => {
  it('an address outside every zone is refused before checkout: nothing is sent', async () => {
    const c = await customer();
    const { page } = await checkout(c.hash, OUTSIDE);
    await page.locator('input[name="address"]').fill('Far away 1');
    // Before locating: the customer is asked for the point, and cannot order.
    expect(await page.getByTestId('checkout-why').textContent()).toContain('Use my location');
    await page.getByTestId('locate-me').click();
    await page.getByTestId('zone-outside').waitFor();
    expect(await page.getByTestId('checkout-why').textContent()).toContain('outside our delivery zones');
    await expect.poll(() => mainButton(page).isDisabled()).toBe(true);
    await mainButton(page).click({ force: true });
    const orders = (await t.app.inject({ url: '/api/orders', headers: bearer(c.token) })).json() as { total: number };
    expect(orders.total).toBe(0);
  });

  it("an address inside shows its zone's fee and minimum; the order carries the same fee; the address is offered first next time", async () => {
    const c = await customer();
    const { page } = await checkout(c.hash, WEST);
    await page.locator('input[name="address"]').fill('Kutuzovsky 10, flat 3');
    await page.getByTestId('locate-me').click();
    await expect.poll(() => page.getByTestId('zone-terms').textContent()).toContain('Запад: delivery');
    const terms = (await page.getByTestId('zone-terms').textContent())!;
    expect(terms).toContain('149');
    expect(terms).toContain('1,500');
    expect(terms).toContain('700');
    expect(await page.getByTestId('delivery-fee').textContent()).toContain('149');
    // 1 180 + 149
    expect(await page.getByTestId('to-pay').textContent()).toContain('1,329');
    await expect.poll(() => mainButton(page).textContent()).toContain('1,329');

    await mainButton(page).click();
    await page.getByTestId('order').waitFor();
    const orderId = Number(await page.getByTestId('order').getAttribute('data-order-id'));
    const { order } = (await t.app.inject({ url: `/api/orders/${orderId}`, headers: bearer(c.token) })).json() as { order: OrderDetail };
    expect(order).toMatchObject({ delivery_fee: 149, subtotal: 1180, total: 1329, restaurant_id: 2, delivery: { address: 'Kutuzovsky 10, flat 3', location: { lat: WEST.latitude, lng: WEST.longitude } } });

    // Next checkout: the saved address is chosen at once and located again by the server.
    const again = await checkout(c.hash, OUTSIDE);
    await again.page.getByTestId('saved-address').first().waitFor();
    await expect.poll(() => again.page.getByTestId('zone-terms').textContent()).toContain('Запад');
    expect(await again.page.locator('input[name="saved-address"]').first().isChecked()).toBe(true);
  });
});
