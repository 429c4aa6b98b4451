/*
 * The Mini App in real headless Chromium, opened exactly as Telegram opens it: the built app served
 * by the real server, signed launch parameters in the URL hash. Staff moves the order through the
 * admin API and the page follows live (WebSocket, then SSE with WebSocket blocked).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { Order, OrderDetail, OrderStatus, User } from '@ordercast/shared';
import { bearer, giveBonuses, signInStaff } from '../../../server/test/helpers/app';
import { launchHash } from '../../../server/src/auth/telegram';
import { demoDeliveryPoint } from '../../../server/src/db/seed-data';
import { artifacts, blockWebSocket, launchCustomer, openMiniApp, useBrowserStage } from './helpers/stage';

const ARTIFACTS = artifacts('webapp');

const LIGHT = {
  bg_color: '#ffffff',
  text_color: '#000000',
  hint_color: '#999999',
  link_color: '#2481cc',
  button_color: '#2481cc',
  button_text_color: '#ffffff',
  secondary_bg_color: '#f1f1f4',
};
const DARK = {
  bg_color: '#17212b',
  text_color: '#f5f5f5',
  hint_color: '#708499',
  link_color: '#6ab3f3',
  button_color: '#5288c1',
  button_text_color: '#ffffff',
  secondary_bg_color: '#232e3c',
  section_bg_color: '#17212b',
  bottom_bar_bg_color: '#17212b',
  destructive_text_color: '#ec3942',
};

const t = useBrowserStage(['webapp']);
let managerToken = '';
beforeAll(async () => {
  managerToken = (await signInStaff(t.app, 'manager1')).token;
});

/** A new Telegram customer: signed launch data (as Telegram would sign it) and, for the test's own API calls, a token. */
const newCustomer = (opts: { lang?: string; theme?: Record<string, string>; cityId?: number } = {}) =>
  launchCustomer(t.app, { language_code: opts.lang ?? 'en' }, { theme: opts.theme ?? LIGHT, cityId: opts.cityId });

const openApp = (hash: string | null, path = '/app/', init?: (ctx: BrowserContext) => Promise<unknown>) => openMiniApp(t, path, hash, { deviceScaleFactor: 1, init });

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

async function moveStatus(orderId: number, status: OrderStatus): Promise<void> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/admin/orders/${orderId}/status`,
    headers: bearer(managerToken),
    payload: { status },
  });
  expect(res.statusCode, res.body).toBe(200);
}

async function expectStatus(page: Page, status: OrderStatus): Promise<void> {
  await page.waitForSelector(`[data-testid="order-status"][data-status="${status}"]`, { timeout: 15_000 });
}

const mainButton = (page: Page) => page.getByTestId('main-button');

describe('Mini App in a real browser', () => {
  it('chooses a city, fills the cart, checks out with bonuses and follows the order live over WebSocket', async () => {
    const c = await newCustomer();
    await giveBonuses(t.app, c.user.id, 500);
    // The phone's location is at the Tverskaya kitchen (Moscow's free central zone).
    const { page, errors } = await openApp(c.hash, '/app/', async (ctx) => {
      await ctx.grantPermissions(['geolocation']);
      await ctx.setGeolocation({ latitude: 55.7643, longitude: 37.6056 });
    });

    // First launch: the city choice.
    await page.getByTestId('city').first().waitFor();
    await shot(page, '01-city');
    await page.locator('[data-testid="city"][data-city-id="1"]').click();

    // The menu, by category, with pictures and prices; add with counters.
    await page.locator('[data-testid="product"]').first().waitFor();
    const borscht = page.locator('[data-product-id="2"]');
    await borscht.getByTestId('add').click();
    await borscht.getByTestId('qty-plus').click();
    // Pelmeni has a required portion: chosen on its own screen (12 pieces cost nothing extra).
    await page.locator('[data-product-id="7"]').getByTestId('choose').click();
    await page.locator('[data-testid="option"][data-option-id="11"] input').check();
    await mainButton(page).click();
    await page.getByTestId('page-back').click();
    await page.locator('[data-product-id="5"]').getByTestId('add').click();
    expect(await borscht.getByTestId('badge').textContent()).toBe('2');
    // 2 × 350 + 450 + 590
    await expect.poll(() => mainButton(page).textContent()).toContain('View order');
    expect(await mainButton(page).textContent()).toContain('1,740');
    await shot(page, '02-menu');

    // The stop-list is live: a manager takes Solyanka off, the grid shows it at once (menu-updated), and back.
    const setAvailable = async (available: boolean) => {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/admin/products/3/availability',
        headers: bearer(managerToken),
        payload: { cityId: 1, available },
      });
      expect(r.statusCode, r.body).toBeLessThan(300);
    };
    await setAvailable(false);
    await page.waitForSelector('[data-product-id="3"][data-available="false"]', { timeout: 15_000 });
    expect(await page.locator('[data-product-id="3"]').getByTestId('add').count()).toBe(0);
    await setAvailable(true);
    await page.waitForSelector('[data-product-id="3"][data-available="true"]', { timeout: 15_000 });

    // Product details, and back to the grid.
    await page.locator('[data-product-id="15"] a').click();
    await page.getByTestId('product-details').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Syrniki');
    await shot(page, '02b-product');
    await page.getByTestId('page-back').click();
    await page.locator('[data-product-id="15"]').waitFor();
    // City remembered on the server.
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(c.token) });
    expect((me.json() as User).city_id).toBe(1);

    // MainButton: View order → the cart.
    await mainButton(page).click();
    await page.getByTestId('cart').waitFor();
    expect(await page.getByTestId('cart-line').count()).toBe(3);
    expect(await page.getByTestId('subtotal').textContent()).toContain('1,740');
    await shot(page, '03-cart');

    // → checkout: delivery, address, phone, comment, bonuses (cap = min(500, floor(1740 × 0.3)) = 500).
    await mainButton(page).click();
    await page.getByTestId('checkout').waitFor();
    await page.locator('input[name="address"]').fill('Tverskaya 1, flat 5');
    await page.getByTestId('locate-me').click();
    await expect.poll(() => page.getByTestId('zone-terms').textContent()).toContain('free delivery');
    await page.locator('input[name="phone"]').fill('+7 900 123-45-67');
    await page.locator('textarea[name="comment"]').fill('Ring twice');
    await expect.poll(() => page.getByTestId('bonus-balance').textContent()).toContain('500 bonuses');
    // No bonuses spent until the customer says so; then all that is allowed.
    expect(await page.getByTestId('to-pay').textContent()).toContain('1,740');
    await page.getByTestId('bonus-all').click();
    expect(await page.getByTestId('to-pay').textContent()).toContain('1,240');
    expect(await mainButton(page).textContent()).toContain('Place order');
    await shot(page, '04-checkout');

    // → Place order: the order page.
    await mainButton(page).click();
    await page.getByTestId('order').waitFor();
    const orderId = Number(await page.getByTestId('order').getAttribute('data-order-id'));
    await expectStatus(page, 'pending');
    expect(await page.getByTestId('sync-status').textContent()).toMatch(/kitchen/i);
    const detail = (await t.app.inject({ method: 'GET', url: `/api/orders/${orderId}`, headers: bearer(c.token) })).json() as { order: OrderDetail };
    expect(detail.order.bonuses_used).toBe(500);
    expect(detail.order.total).toBe(1240);
    expect(detail.order.delivery).toEqual({ type: 'delivery', address: 'Tverskaya 1, flat 5', location: { lat: 55.7643, lng: 37.6056 } });
    expect(detail.order.comment).toBe('Ring twice');
    await shot(page, '05-order');

    // Staff moves it; the page follows without a reload.
    await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 42));
    for (const s of ['confirmed', 'preparing', 'ready', 'delivering', 'completed'] as const) {
      await moveStatus(orderId, s);
      await expectStatus(page, s);
    }
    expect(await page.locator('[data-testid="step"][data-state="done"]').count()).toBe(6);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(42);
    await shot(page, '06-order-completed');

    // Completion earned 5 % of 1240 = 62 bonuses; the bonus screen shows them (bonus-updated).
    await page.getByTestId('main-button').click();
    await page.getByTestId('nav-bonuses').click();
    await expect.poll(() => page.getByTestId('bonus-balance-big').textContent(), { timeout: 15_000 }).toContain('62');
    expect(await page.getByTestId('ledger-row').count()).toBeGreaterThanOrEqual(3);
    await shot(page, '07-bonuses');

    // Order history.
    await page.getByTestId('page-back').click();
    await page.getByTestId('nav-orders').click();
    await page.getByTestId('order-row').first().waitFor();
    expect(await page.getByTestId('order-row-status').first().textContent()).toBe('Completed');
    await shot(page, '08-orders');
    expect(errors).toEqual([]);
  });

  it('with WebSocket blocked, the SSE fallback carries the status changes (and the page says updates are slower)', async () => {
    const c = await newCustomer({ cityId: 1 });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { ...bearer(c.token), 'idempotency-key': 'e2e-sse-1' },
      payload: { cityId: 1, restaurantId: 1, items: [{ productId: 1, quantity: 1 }], delivery: { type: 'pickup' } },
    });
    expect(res.statusCode).toBe(201);
    const order = (res.json() as { order: Order }).order;

    // A WebSocket that never opens, as behind a proxy that blocks it.
    const { page, errors } = await openApp(c.hash, `/app/orders/${order.id}`, blockWebSocket);
    await expectStatus(page, 'pending');
    await page.waitForSelector('[data-testid="live-indicator"][data-status="fallback-sse"]', { timeout: 15_000 });
    await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 7));
    for (const s of ['confirmed', 'preparing', 'ready', 'completed'] as const) {
      await moveStatus(order.id, s);
      await expectStatus(page, s);
    }
    // Pickup: no "on the way" step.
    expect(await page.locator('[data-step="delivering"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(7);
    await shot(page, '09-order-sse-fallback');
    expect(errors).toEqual([]);
  });

  it('dark theme parameters give a dark page; Russian from language_code; cancelling asks first', async () => {
    const c = await newCustomer({ lang: 'ru', theme: DARK });
    const { page, errors } = await openApp(c.hash);
    await page.getByTestId('city').first().waitFor();
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(23, 33, 43)');
    expect(await page.evaluate(() => document.documentElement.dataset.scheme)).toBe('dark');
    expect(await page.locator('h1').textContent()).toBe('Выберите город');
    await page.locator('[data-testid="city"][data-city-id="2"]').click();
    await page.locator('[data-testid="product"]').first().waitFor();
    // Seeded stop-list: Dobos torte is off in Saint Petersburg.
    expect(await page.locator('[data-product-id="17"]').getAttribute('data-available')).toBe('false');
    await page.locator('[data-product-id="1"]').getByTestId('add').click();
    await expect.poll(() => mainButton(page).textContent()).toMatch(/₽/);
    await shot(page, '10-menu-dark-ru');

    // A theme change while open is followed (Telegram sends theme_changed).
    await page.evaluate((light) => {
      (window as unknown as { Telegram: { WebView: { receiveEvent: (t: string, d: unknown) => void } } }).Telegram.WebView.receiveEvent('theme_changed', {
        theme_params: light,
      });
    }, LIGHT);
    await expect.poll(() => page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(255, 255, 255)');
    await page.evaluate((dark) => {
      (window as unknown as { Telegram: { WebView: { receiveEvent: (t: string, d: unknown) => void } } }).Telegram.WebView.receiveEvent('theme_changed', {
        theme_params: dark,
      });
    }, DARK);
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.scheme)).toBe('dark');

    // Check out (pickup), then cancel while pending: the confirmation comes first.
    await mainButton(page).click();
    await mainButton(page).click();
    await page.getByTestId('delivery-pickup').click();
    await mainButton(page).click();
    await page.getByTestId('order').waitFor();
    await page.getByTestId('cancel-order').click();
    await page.getByTestId('confirm-dialog').waitFor();
    await shot(page, '11-cancel-confirm-dark');
    await page.getByTestId('confirm-yes').click();
    await expectStatus(page, 'cancelled');
    expect(await page.getByTestId('cancel-order').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('an old Telegram client (6.0) gets working fallbacks, never an exception', async () => {
    const c = await newCustomer({ cityId: 3 });
    const hash = launchHash(c.initData, { version: '6.0', platform: 'android', themeParams: LIGHT });
    const { page, errors } = await openApp(hash);
    await page.locator('[data-testid="product"]').first().waitFor();
    // Schnitzel is on Novosibirsk's stop-list from the start.
    expect(await page.locator('[data-product-id="9"]').getAttribute('data-available')).toBe('false');
    expect(await page.locator('[data-product-id="9"]').getByTestId('unavailable').textContent()).toBe('Not available');
    await page.locator('[data-product-id="12"]').getByTestId('add').click();
    await mainButton(page).click();
    await page.getByTestId('cart').waitFor();
    // No native BackButton before 6.1: the page draws one.
    await page.getByTestId('page-back').click();
    await page.locator('[data-testid="product"]').first().waitFor();
    expect(errors).toEqual([]);
  });

  it('without launch data it says to open it from Telegram', async () => {
    const { page, errors } = await openApp(null);
    await page.getByTestId('no-telegram').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Open this from Telegram');
    await shot(page, '12-no-telegram');
    expect(errors).toEqual([]);
  });
});

describe('Mini App walk-through fixes (issue 15)', () => {
  /** A returning customer with a city, an order placed and bonuses, opening the app with `path`. */
  async function returning(opts: { lang: 'ru' | 'en'; theme?: Record<string, string>; city?: number }) {
    const city = opts.city ?? 1;
    const c = await newCustomer({ lang: opts.lang, theme: opts.theme, cityId: city });
    await giveBonuses(t.app, c.user.id, 300);
    const placed = await t.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: bearer(c.token),
      payload: { cityId: city, items: [{ productId: 5, quantity: 2 }, { productId: 18, quantity: 1 }], delivery: { type: 'delivery', address: 'Tverskaya 1', location: demoDeliveryPoint(city) }, bonusesToUse: 100 },
    });
    expect(placed.statusCode, placed.body).toBe(201);
    return { ...c, order: (placed.json() as { order: Order }).order };
  }

  /** Puts dishes into the saved cart before the app starts (as if added on an earlier launch). */
  const withCart = (cityId: number, quantities: Record<number, number>) => (ctx: BrowserContext) =>
    ctx.addInitScript((saved) => localStorage.setItem('ordercast.cart', JSON.stringify(saved)), { cityId, quantities });

  it('in English, order history and the order page name dishes in English and say "Order #"', async () => {
    const c = await returning({ lang: 'en' });
    const { page, errors } = await openApp(c.hash, '/app/orders');
    await page.getByTestId('order-row').first().waitFor();
    const row = await page.getByTestId('order-row').first().textContent();
    expect(row).toContain(`Order #${c.order.order_number}`);
    expect(row).toContain('Beef goulash, Cranberry mors');
    expect(row).not.toMatch(/[А-Яа-я]/);
    await page.getByTestId('order-row').first().click();
    await page.getByTestId('order').waitFor();
    expect(await page.getByTestId('order-number').textContent()).toBe(`Order #${c.order.order_number}`);
    expect(await page.getByTestId('order').textContent()).toContain('2 × Beef goulash');
    expect(errors).toEqual([]);
  });

  it('at 320 px the cart keeps every amount inside the card and the page as wide as the screen; a stopped dish is named and removable', async () => {
    const c = await returning({ lang: 'ru', city: 2 });
    // Dobos torte (17) is on Saint Petersburg's stop-list.
    const { page, errors } = await openApp(c.hash, '/app/cart', withCart(2, { 5: 12, 6: 3, 17: 1, 18: 2 }));
    await page.setViewportSize({ width: 320, height: 640 });
    await page.getByTestId('cart-line').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    const overflow = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="cart-line"]')].map((li) => {
        const card = li.closest('.card')!.getBoundingClientRect();
        return [...li.querySelectorAll('*')].some((el) => el.getBoundingClientRect().right > card.right + 0.5);
      }),
    );
    expect(overflow).toEqual([false, false, false, false]);
    expect(await page.getByTestId('cart-blocked').textContent()).toContain('Добош');
    // 12 × 620 + 3 × price(6) + 2 × 160, without the torte.
    await expect.poll(() => mainButton(page).isDisabled()).toBe(true);
    await page.getByTestId('remove-unavailable').click();
    expect(await page.getByTestId('cart-line').count()).toBe(3);
    await expect.poll(() => mainButton(page).isDisabled()).toBe(false);
    expect(errors).toEqual([]);
  });

  it('checkout amounts line up on the right; Place order stays in progress until the order page shows', async () => {
    const c = await returning({ lang: 'en' });
    const { page, errors } = await openApp(c.hash, '/app/checkout', withCart(1, { 1: 1, 5: 2, 18: 3 }));
    await page.getByTestId('checkout').waitFor();
    await page.getByTestId('delivery-pickup').click();
    // Moscow has two pickup points: the one open round the clock.
    await page.locator('[data-testid="pickup-option"][data-restaurant-id="1"]').click();
    await page.getByTestId('bonus-all').click();
    const rights = await page.evaluate(() =>
      [...document.querySelectorAll('.totals > :nth-child(2n)')].map((el) => {
        const r = document.createRange();
        r.selectNodeContents(el);
        return Math.round(r.getBoundingClientRect().right);
      }),
    );
    expect(new Set(rights).size, String(rights)).toBe(1);

    // Every state the button shows from the tap until the order page is there.
    await page.evaluate(() => {
      const w = window as unknown as { __mb: { busy: string | null; text: string; order: boolean }[] };
      w.__mb = [];
      const btn = () => document.querySelector('[data-testid="main-button"]');
      const record = () => {
        const b = btn();
        w.__mb.push({ busy: b?.getAttribute('aria-busy') ?? null, text: b?.textContent ?? '', order: !!document.querySelector('[data-testid="order"]') });
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await mainButton(page).click();
    await page.getByTestId('order').waitFor();
    const states = await page.evaluate(() => (window as unknown as { __mb: { busy: string | null; text: string; order: boolean }[] }).__mb);
    // Until the order screen takes the button over, it is in progress: never an active "Place order · ₽0".
    const checkoutStates = states.slice(0, states.findIndex((s) => !s.text.includes('Place order') && s.busy !== 'true'));
    expect(checkoutStates.length).toBeGreaterThan(0);
    expect(checkoutStates.filter((s) => s.busy !== 'true')).toEqual([]);
    expect(states.filter((s) => s.busy !== 'true' && s.text.includes('Place order'))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('the built app is served precompressed, hashed files cached for a year and index.html revalidated', async () => {
    const index = await t.app.inject({ url: '/app/', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(index.statusCode).toBe(200);
    expect(index.headers['cache-control']).toBe('no-cache');
    const html = (await t.app.inject({ url: '/app/' })).body;
    const assets = [...html.matchAll(/\/app\/assets\/[\w.-]+\.(?:js|css)/g)].map((m) => m[0]);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const url of assets) {
      const plain = await t.app.inject({ url });
      const br = await t.app.inject({ url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
      const gz = await t.app.inject({ url, headers: { 'accept-encoding': 'gzip' } });
      expect([br.statusCode, br.headers['content-encoding'], gz.headers['content-encoding']], url).toEqual([200, 'br', 'gzip']);
      expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(br.headers['content-type']).toMatch(url.endsWith('.js') ? /javascript/ : /css/);
      expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length);
      expect(plain.headers['content-encoding']).toBeUndefined();
    }
    // A deep link (history mode) gets index.html, never cached.
    const deep = await t.app.inject({ url: '/app/orders/5' });
    expect([deep.statusCode, deep.headers['cache-control']]).toEqual([200, 'no-cache']);
  });

  it('an order refused for a dish that just went off (no live event came) names it in the customer’s language', async () => {
    const c = await returning({ lang: 'en' });
    const { page, errors } = await openApp(c.hash, '/app/checkout', withCart(1, { 1: 1, 4: 1 }));
    await page.getByTestId('checkout').waitFor();
    await page.getByTestId('delivery-pickup').click();
    await page.locator('[data-testid="pickup-option"][data-restaurant-id="1"]').click();
    // Off the menu in the database only, as if the menu-updated event never reached this phone.
    const setAvailable = (available: 0 | 1) =>
      t.app.db.$client.prepare('UPDATE product_prices SET available = ? WHERE product_id = 4 AND city_id = 1').run(available);
    setAvailable(0);
    try {
      await mainButton(page).click();
      await page.getByTestId('error').waitFor();
      expect(await page.getByTestId('error').textContent()).toContain('Some dishes are no longer available: they are marked in your order.');
      await expect.poll(() => page.getByTestId('checkout-blocked').textContent().catch(() => '')).toContain('Chicken noodle soup');
      expect(await page.getByTestId('checkout').textContent()).not.toMatch(/[А-Яа-я]/);
    } finally {
      setAvailable(1);
    }
    expect(errors).toEqual([]);
  });

  it('outside Telegram, a Russian browser gets the Russian page', async () => {
    const ctx = await t.context({ viewport: { width: 390, height: 800 }, locale: 'ru-RU' });
    const page = await ctx.newPage();
    await page.goto(`${t.base}/app/`);
    await page.getByTestId('no-telegram').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Откройте это в Telegram');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ru');
    await shot(page, '12-no-telegram-ru');
  });

  it('screenshots of every screen: 320 and 390 px, light and dark, Russian and English', async () => {
    for (const lang of ['ru', 'en'] as const) {
      for (const [scheme, theme] of [['light', LIGHT], ['dark', DARK]] as const) {
        const c = await returning({ lang, theme, city: 2 });
        const { page, errors } = await openApp(c.hash, '/app/', withCart(2, { 5: 2, 17: 1, 18: 3 }));
        for (const width of [320, 390]) {
          await page.setViewportSize({ width, height: 760 });
          const name = (screen: string) => `walk-${screen}-${width}-${scheme}-${lang}`;
          // The whole page: what is below the fold (totals, notices) is part of the screen too. The app
          // sizes itself to Telegram's viewport, so the viewport grows to the content for the picture.
          const shot = async (_page: Page, file: string) => {
            const height = await page.evaluate(() => Math.max(document.documentElement.scrollHeight, document.body.scrollHeight));
            await page.setViewportSize({ width, height: Math.max(760, height) });
            await page.screenshot({ path: join(ARTIFACTS, `${file}.png`) });
            await page.setViewportSize({ width, height: 760 });
          };
          const go = async (path: string, ready: string) => {
            await page.goto(`${t.base}/app${path}#${c.hash}`);
            await page.getByTestId(ready).first().waitFor();
            await page.waitForLoadState('networkidle');
          };
          await go('/', 'product');
          await shot(page, name('menu'));
          await go('/product/5', 'product-details');
          await shot(page, name('product'));
          await go('/cart', 'cart-line');
          await shot(page, name('cart'));
          await go('/checkout', 'checkout');
          await shot(page, name('checkout'));
          await go(`/orders/${c.order.id}`, 'order');
          await shot(page, name('order'));
          await go('/orders', 'order-row');
          await shot(page, name('orders'));
          await go('/bonuses', 'ledger-row');
          await shot(page, name('bonuses'));
          expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        }
        expect(errors).toEqual([]);
      }
    }
  }, 240_000);
});

describe('Promised time, pausing and pickup points (issue 14)', () => {
  let adminToken = '';
  beforeAll(async () => {
    adminToken = (await signInStaff(t.app, 'admin')).token;
  });

  const customerIn = (city: number, opts: { lang: 'ru' | 'en'; theme?: Record<string, string> }) => newCustomer({ ...opts, cityId: city });

  async function open(hash: string, path: string, opts: { width?: number; cart?: { cityId: number; quantities: Record<number, number> }; geo?: { latitude: number; longitude: number } } = {}) {
    const ctx = await t.context({
      viewport: { width: opts.width ?? 390, height: 800 },
      deviceScaleFactor: 1,
      locale: 'en-US',
      ...(opts.geo && { geolocation: opts.geo, permissions: ['geolocation'] }),
    });
    if (opts.cart) await ctx.addInitScript((saved) => localStorage.setItem('ordercast.cart', JSON.stringify(saved)), opts.cart);
    const page = await ctx.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.goto(`${t.base}${path}#${hash}`);
    return { page, errors };
  }

  const setCity = async (cityId: number, body: Record<string, unknown>) => {
    const res = await t.app.inject({ method: 'POST', url: `/api/admin/cities/${cityId}/status`, headers: bearer(adminToken), payload: body });
    expect(res.statusCode, res.body).toBe(200);
  };

  it('a paused city shows its notice live (reason, when it reopens) and disables checkout; resuming enables it again', async () => {
    // Novosibirsk: one restaurant, open round the clock; no other test orders there.
    const c = await customerIn(3, { lang: 'en' });
    const { page, errors } = await open(c.hash, '/app/checkout', { cart: { cityId: 3, quantities: { 1: 2 } }, geo: { latitude: 55.0302, longitude: 82.9204 } });
    await page.getByTestId('checkout').waitFor();
    // The address located in Novosibirsk's central zone (issue 16), so only the pause can block it.
    await page.getByTestId('locate-me').click();
    await page.getByTestId('zone-terms').waitFor();
    await expect.poll(() => mainButton(page).isDisabled()).toBe(false);
    expect(await page.getByTestId('promised-preview').textContent()).toMatch(/^Delivered by about \d\d:\d\d$/);

    const until = new Date(Date.now() + 2 * 3600_000);
    await setCity(3, { paused: true, reason: 'Kitchen repair', until: until.toISOString() });
    await page.getByTestId('city-notice').waitFor({ timeout: 5000 });
    const reopens = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Novosibirsk' }).format(until);
    expect(await page.getByTestId('city-notice-title').textContent()).toBe('Ordering is paused: Kitchen repair');
    expect(await page.getByTestId('city-notice-detail').textContent()).toContain(reopens);
    expect(await page.getByTestId('checkout-why').textContent()).toBe('Checkout is unavailable while ordering is paused.');
    await expect.poll(() => mainButton(page).isDisabled()).toBe(true);
    await shot(page, 'paused-checkout-390-light-en');

    // The server refuses too, with a clear code.
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: bearer(c.token),
      payload: { cityId: 3, items: [{ productId: 1, quantity: 1 }], delivery: { type: 'delivery', address: 'Krasny 1', location: demoDeliveryPoint(3) } },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toBe('city_paused');

    // Russian, dark, 320 px: the same notice on the menu and at checkout.
    const ru = await customerIn(3, { lang: 'ru', theme: DARK });
    const other = await open(ru.hash, '/app/', { width: 320, cart: { cityId: 3, quantities: { 1: 1 } } });
    await other.page.getByTestId('city-notice').waitFor();
    expect(await other.page.getByTestId('city-notice-title').textContent()).toBe('Приём заказов приостановлен: Kitchen repair');
    await other.page.screenshot({ path: join(ARTIFACTS, 'paused-menu-320-dark-ru.png') });
    await other.page.goto(`${t.base}/app/checkout#${ru.hash}`);
    await other.page.getByTestId('checkout-why').waitFor();
    expect(await other.page.getByTestId('checkout-why').textContent()).toBe('Оформить заказ нельзя, пока приём приостановлен.');
    expect(await other.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await other.page.screenshot({ path: join(ARTIFACTS, 'paused-checkout-320-dark-ru.png'), fullPage: true });

    await setCity(3, { paused: false });
    await page.getByTestId('city-notice').waitFor({ state: 'detached', timeout: 5000 });
    await expect.poll(() => mainButton(page).isDisabled()).toBe(false);
    expect(errors).toEqual([]);
    expect(other.errors).toEqual([]);
  });

  it('pickup lists the restaurants, nearest first with a location; the order page shows where, until when and the promised time, moved live', async () => {
    const c = await customerIn(1, { lang: 'en' });
    // Standing by Tverskaya: it comes first, marked nearest.
    const { page, errors } = await open(c.hash, '/app/checkout', { cart: { cityId: 1, quantities: { 1: 1 } }, geo: { latitude: 55.7645, longitude: 37.6052 } });
    await page.getByTestId('checkout').waitFor();
    await page.getByTestId('delivery-pickup').click();
    expect(await page.getByTestId('pickup-option').count()).toBe(2);
    await page.getByTestId('pickup-locate').click();
    await expect.poll(() => page.getByTestId('pickup-option').first().textContent(), { timeout: 10_000 }).toContain('Nearest');
    expect(await page.getByTestId('pickup-option').first().getAttribute('data-restaurant-id')).toBe('1');
    expect(await page.getByTestId('pickup-km').count()).toBe(2);
    expect(await page.getByTestId('pickup-option').first().getAttribute('aria-checked')).toBe('true');
    expect(await page.getByTestId('promised-preview').textContent()).toMatch(/^Ready by about \d\d:\d\d$/);
    await shot(page, 'pickup-checkout-390-light-en');

    await mainButton(page).click();
    await page.getByTestId('order').waitFor();
    const eta = page.getByTestId('order-eta');
    await eta.waitFor();
    const promisedAt = await eta.getAttribute('data-promised-at');
    const clock = (iso: string) => new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Europe/Moscow' }).format(new Date(iso));
    expect(await eta.textContent()).toContain(`Ready by ${clock(promisedAt!)}`);
    expect(await page.getByTestId('order-pickup').textContent()).toContain('Collect at Goulash Tverskaya');
    expect(await page.getByTestId('order-pickup').textContent()).toContain('12 Tverskaya St');

    // Staff move the time: the page follows live, with the reason.
    const orderId = Number(await page.getByTestId('order').getAttribute('data-order-id'));
    const moved = await t.app.inject({ method: 'POST', url: `/api/admin/orders/${orderId}/eta`, headers: bearer(adminToken), payload: { addMinutes: 20, reason: 'Busy kitchen' } });
    expect(moved.statusCode, moved.body).toBe(200);
    const newAt = (moved.json() as { order: Order }).order.promised_at!;
    await expect.poll(() => eta.textContent(), { timeout: 5000 }).toContain(`Ready by ${clock(newAt)}`);
    expect(await page.getByTestId('order-eta-reason').textContent()).toBe('Busy kitchen');
    await shot(page, 'pickup-order-390-light-en');

    // The same screens at 320 px in the dark theme, and in Russian.
    for (const lang of ['en', 'ru'] as const) {
      const dark = await customerIn(1, { lang, theme: DARK });
      const view = await open(dark.hash, '/app/checkout', { width: 320, cart: { cityId: 1, quantities: { 1: 1 } } });
      await view.page.getByTestId('checkout').waitFor();
      await view.page.getByTestId('delivery-pickup').click();
      await view.page.locator('[data-testid="pickup-option"][data-restaurant-id="1"]').click();
      // "Later today" shows the quarter hours left today (none just before midnight), then back to as soon as possible.
      await view.page.getByTestId('when-later').click();
      await view.page.getByTestId('promised-preview').or(view.page.getByTestId('checkout-why')).first().waitFor();
      expect(await view.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
      await view.page.screenshot({ path: join(ARTIFACTS, `pickup-checkout-320-dark-${lang}.png`), fullPage: true });
      await view.page.getByTestId('when-asap').click();
      await mainButton(view.page).click();
      await view.page.getByTestId('order-eta').waitFor();
      expect(await view.page.getByTestId('order-eta').textContent()).toContain(lang === 'ru' ? 'Будет готов к' : 'Ready by');
      expect(await view.page.getByTestId('order-pickup').textContent()).toContain(lang === 'ru' ? 'Гуляш на Тверской' : 'Goulash Tverskaya');
      await view.page.screenshot({ path: join(ARTIFACTS, `pickup-order-320-dark-${lang}.png`) });
      expect(view.errors).toEqual([]);
    }
    expect(errors).toEqual([]);
  });
});

