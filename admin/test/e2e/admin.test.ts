/**
 * The admin app end to end: the real server (real SQLite, realtime, POS sync against the real
 * POS simulator on its own port), the built app served at /admin/, and Debian's Chromium.
 * Screenshots land in test-artifacts/admin/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../../server/test/helpers/browser';
import { ROOT, ensureBuilt } from './build';
import WebSocket from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { cityMenuRoom, happyPath, nextStatuses, type Menu, type MenuUpdated, type Order, type OrderDetail } from '@ordercast/shared';
import { statusLabel } from '../../src/lib/board';
import { createRealtimeClient, type RealtimeClient } from '@ordercast/shared/client';
import { bearer, buildTestApp, placeOrder, signInCustomer, signInStaff, type TestApp } from '../../../server/test/helpers/app';
import { startPosSimulator, type PosSimulator } from '../../../server/src/pos/simulator/index';

const ARTIFACTS = join(ROOT, 'test-artifacts/admin');
const WEBHOOK_SECRET = 'e2e-admin-webhook-secret';

async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('admin app in Chromium', () => {
  let t: TestApp;
  let pos: PosSimulator;
  let base: string;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let customer: { token: string; user: { id: number } };
  let feed: RealtimeClient;
  const feedEvents: { orderId: number; newStatus: string }[] = [];
  const menuEvents: MenuUpdated[] = [];
  /** POST /api/admin/sync exists once the POS sync (issue 4) has landed; the outage test needs it. */
  let posSyncReady = false;
  let adminToken: string;
  let city1Order: Order;
  let city2Order: Order;

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
  const card = (o: Order) => page.getByTestId(`order-card-${o.order_number}`).and(page.locator(`[data-order-id="${o.id}"]`));

  async function signIn(username: string): Promise<void> {
    await page.goto(`${base}/admin/`);
    await page.getByTestId('login-username').fill(username);
    await page.getByTestId('login-password').fill('demo1234');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('board').waitFor({ timeout: 10_000 });
    await waitFor(async () => (await page.getByTestId('connection').getAttribute('data-status')) === 'live', 15_000, 'live connection');
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ensureBuilt();
    // The kitchen is paused (kitchenSpeed 0): every status move in this test is made by hand in the UI.
    pos = await startPosSimulator({ port: 0, host: '127.0.0.1', webhookSecret: WEBHOOK_SECRET, control: { kitchenSpeed: 0 } });
    t = await buildTestApp({
      SERVE_APPS: 'true',
      POS_URL: pos.url,
      POS_WEBHOOK_SECRET: WEBHOOK_SECRET,
      POS_TIMEOUT_MS: '1000',
      POS_RETRY_BASE_MS: '200',
      POS_RETRY_MAX_MS: '1000',
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    pos.setServerUrl(base);
    customer = await signInCustomer(t.app, { first_name: 'Olga' });
    adminToken = (await signInStaff(t.app, 'admin')).token;
    posSyncReady = (await t.app.inject({ url: '/api/admin/sync', headers: bearer(adminToken) })).statusCode === 200;

    // The customer's own live feed, as the Mini App would have it.
    feed = createRealtimeClient({
      baseUrl: base,
      getToken: () => customer.token,
      WebSocket: WebSocket as unknown as NonNullable<Parameters<typeof createRealtimeClient>[0]['WebSocket']>,
    });
    feed.on('order-status-updated', (ev) => feedEvents.push({ orderId: ev.orderId, newStatus: ev.newStatus }));
    feed.on('menu-updated', (ev) => menuEvents.push(ev));
    feed.joinRoom(cityMenuRoom(1)); // as the Mini App does for the customer's city
    feed.connect();

    browser = await launchChromium();
    ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    page = await ctx.newPage();
  }, 240_000); // a build of the app and a browser start, on a busy machine

  beforeEach(async () => {
    if (page && (await page.getByTestId('order-panel').count())) await page.keyboard.press('Escape');
  });

  afterAll(async () => {
    feed?.close();
    await ctx?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await t?.close();
    await pos?.close();
  });

  it('manager1 signs in; a city 1 order appears within a second with a toast, a city 2 order does not', async () => {
    await signIn('manager1');
    // Browsers allow audio only after a click: the sign-in click already unlocked the chime (sound is on by
    // default); otherwise the header button does it.
    if ((await page.getByTestId('sound-toggle').getAttribute('data-sound')) !== 'on') await page.getByTestId('sound-toggle').click();
    await expect.poll(() => page.getByTestId('sound-toggle').getAttribute('data-sound')).toBe('on');
    const chimes = async () => Number(await page.getByTestId('sound-toggle').getAttribute('data-chimes'));
    const chimesBefore = await chimes();
    expect(await page.getByTestId('city-fixed').textContent()).toContain('Moscow');

    const placed = Date.now();
    const res = await placeOrder(t.app, customer.token, { phone: '+7 912 345-67-89', comment: 'Extra sour cream, please' });
    expect(res.statusCode).toBe(201);
    city1Order = res.json().order;
    await card(city1Order).waitFor({ timeout: 1000 });
    const tookMs = Date.now() - placed;
    expect(tookMs).toBeLessThan(1000);
    await expect.poll(() => page.getByTestId('toast').filter({ hasText: `#${city1Order.order_number}` }).count()).toBe(1);
    await expect.poll(chimes).toBe(chimesBefore + 1);

    city2Order = (await placeOrder(t.app, customer.token, { cityId: 2 })).json().order;
    // A second city 1 order after it: once that one is on the board, the city 2 one had every chance to show.
    const later = (await placeOrder(t.app, customer.token, { items: [{ productId: 5, quantity: 1 }], delivery: { type: 'delivery', address: 'Tverskaya 7' } })).json().order as Order;
    await card(later).waitFor({ timeout: 1000 });
    expect(await page.locator('[data-role="order-card"][data-city="2"]').count()).toBe(0);
    const counted = async () => {
      let n = 0;
      for (const s of ['pending', 'confirmed', 'preparing', 'ready', 'delivering']) n += Number(await page.getByTestId(`count-${s}`).textContent());
      return n;
    };
    expect(await counted()).toBe(2);
    await page.waitForTimeout(300); // let the toasts settle for the picture
    await shot('board-manager1');
  });

  it("moves the order through its statuses from the side panel; the customer's feed follows", async () => {
    await card(city1Order).click();
    const panel = page.getByTestId('order-panel');
    await panel.waitFor();
    await expect.poll(() => panel.textContent()).toContain('Extra sour cream, please');
    expect(await panel.textContent()).toContain('+7 912 345-67-89');
    // The POS may already have accepted it (accepted = confirmed): start from wherever it is now.
    const now = (await t.app.inject({ url: `/api/admin/orders/${city1Order.id}`, headers: bearer(adminToken) })).json().order as OrderDetail;
    await expect.poll(() => panel.getByTestId('panel-status').textContent()).toBe(statusLabel(now.status));
    // Only the transition table's moves.
    const shown = () => panel.locator('[data-testid^="action-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(await shown()).toEqual(nextStatuses(now.status, 'pickup').map((s) => `action-${s}`));
    await shot('details-panel');

    const path = happyPath('pickup');
    for (const to of path.slice(path.indexOf(now.status) + 1)) {
      await panel.getByTestId(`action-${to}`).click();
      await expect.poll(() => panel.getByTestId('panel-status').textContent()).toBe(statusLabel(to));
      expect(await shown()).toEqual(nextStatuses(to, 'pickup').map((s) => `action-${s}`));
    }
    const mine = await t.app.inject({ url: `/api/orders/${city1Order.id}`, headers: bearer(customer.token) });
    const order = mine.json().order as OrderDetail;
    expect(order.status).toBe('completed');
    expect(order.history.map((h) => h.to)).toEqual(['pending', 'confirmed', 'preparing', 'ready', 'completed']);
    // The customer's live feed carried every move, in order.
    const moves = () => feedEvents.filter((e) => e.orderId === city1Order.id).map((e) => e.newStatus);
    await waitFor(() => moves().length === 4, 5000, "the customer's live events");
    expect(moves()).toEqual(['confirmed', 'preparing', 'ready', 'completed']);
    await page.keyboard.press('Escape');
    await card(city1Order).waitFor({ state: 'detached' });
  });

  it('cancelling asks for a reason, which the customer sees', async () => {
    const o = (await placeOrder(t.app, customer.token)).json().order as Order;
    await card(o).click();
    const panel = page.getByTestId('order-panel');
    await panel.getByTestId('action-cancelled').click();
    await expect.poll(() => panel.getByTestId('cancel-confirm').isDisabled()).toBe(true);
    await panel.getByTestId('cancel-note').fill('Kitchen closed early');
    // A reason from the list is required; the note is optional.
    await expect.poll(() => panel.getByTestId('cancel-confirm').isDisabled()).toBe(true);
    await panel.getByTestId('cancel-reason-other').check();
    await panel.getByTestId('cancel-confirm').click();
    await expect.poll(() => panel.getByTestId('panel-status').textContent()).toBe('Cancelled');
    await expect.poll(() => panel.getByTestId('panel-cancel-reason').textContent()).toContain('Kitchen closed early');
    const mine = (await t.app.inject({ url: `/api/orders/${o.id}`, headers: bearer(customer.token) })).json().order as OrderDetail;
    expect(mine).toMatchObject({ status: 'cancelled', cancel_reason: 'other', cancel_note: 'Kitchen closed early' });
    await page.keyboard.press('Escape');
  });

  it('after a dropped connection the board catches up by resume, without a reload or duplicate cards', async () => {
    // Record every state the connection badge passes through.
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid="connection"]')!;
      const seen: string[] = ((window as unknown as { __statuses: string[] }).__statuses = []);
      new MutationObserver(() => seen.push(el.getAttribute('data-status') ?? '')).observe(el, { attributes: true, attributeFilter: ['data-status'] });
      (window as unknown as { __marker: number }).__marker = 1; // gone if the page reloads
    });
    for (const c of t.app.realtime.hub.conns) {
      if (c.principal.role === 'manager') (c as unknown as { terminate(): void }).terminate();
    }
    // Placed while the manager is cut off: only resume can bring it.
    const missed = (await placeOrder(t.app, customer.token, { phone: '+7 901 000-00-01' })).json().order as Order;
    await card(missed).waitFor({ timeout: 10_000 });
    await waitFor(async () => (await page.getByTestId('connection').getAttribute('data-status')) === 'live', 10_000, 'live again');
    const statuses = await page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses);
    expect(statuses).toContain('reconnecting');
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(1);
    await page.waitForTimeout(500);
    expect(await page.locator(`[data-order-id="${missed.id}"]`).count()).toBe(1);
  });

  it('shows a sync alert during a POS outage and clears it after recovery', async ({ skip }) => {
    // Needs the POS sync worker (issue 4); skipped, not failed, on a server without GET /api/admin/sync.
    if (!posSyncReady) skip();
    pos.setControl({ outage: 'refuse' });
    const o = (await placeOrder(t.app, customer.token)).json().order as Order;
    const alert = page.locator(`[data-testid="sync-alert"][data-entity="order:${o.id}"]`);
    await alert.waitFor({ timeout: 15_000 });
    // One toast when the problem starts, not one per automatic retry.
    // In a manager's words: what is wrong and that we keep retrying (the jargon only in the panel's details).
    const syncToasts = () => page.getByTestId('toast').filter({ hasText: `Order #${o.order_number}` }).filter({ hasText: 'kitchen system' });
    await expect.poll(() => syncToasts().count()).toBe(1);
    expect(await syncToasts().textContent()).toMatch(/The kitchen system is not answering; we keep retrying/);
    // Each retry updates the same alert (attempts climb), and does not toast again.
    const attempts = async () => Number((await alert.textContent())?.match(/attempts: (\d+)/)?.[1] ?? 0);
    await expect.poll(attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(await syncToasts().count()).toBe(1);
    expect(await alert.getByTestId('sync-plain').textContent()).toMatch(/^The kitchen system is not answering; we keep retrying, next try (in \d+ s|now)$/);
    expect(await page.locator('[data-testid="sync-alert"]').count()).toBe(1);
    await expect.poll(() => page.getByTestId('pos-state').textContent()).toContain('POS down');
    await shot('sync-alert');
    pos.setControl({ outage: false });
    await alert.waitFor({ state: 'detached', timeout: 20_000 });
    await expect.poll(() => card(o).getByTestId('card-sync').textContent(), { timeout: 10_000 }).toBe('POS ✓');
    await expect.poll(() => page.getByTestId('pos-state').textContent()).toContain('POS online');
  });

  it('shows the dashboard with the day in numbers and a chart', async () => {
    await page.getByTestId('nav-dashboard').click();
    await page.getByTestId('dashboard').waitFor();
    await expect.poll(() => page.getByTestId('kpi-orders').textContent()).not.toBe('0');
    await page.locator('canvas').waitFor();
    await page.waitForTimeout(300);
    await shot('dashboard');
  });

  it("stop-list: the manager stops a product and the customer's menu follows live", async () => {
    await page.getByTestId('nav-stop-list').click();
    const toggle = page.getByTestId('toggle-3');
    await toggle.waitFor({ state: 'attached' });
    expect(await toggle.isChecked()).toBe(true);
    await page.getByTestId('product-3').locator('.switch').click();
    await waitFor(() => menuEvents.find((e) => e.productId === 3 && e.cityId === 1 && !e.available), 5000, 'menu-updated at the customer');
    const menu = (await t.app.inject({ url: '/api/menu?cityId=1' })).json() as Menu;
    expect(menu.products.find((p) => p.id === 3)!.available).toBe(false);
    await expect.poll(() => page.getByTestId('product-3').getAttribute('class')).toContain('off');
    await page.waitForTimeout(300); // the switch's transition
    await shot('stop-list');
    await page.getByTestId('product-3').locator('.switch').click();
    await waitFor(() => menuEvents.find((e) => e.productId === 3 && e.available), 5000, 'back on the menu');
  });

  it('an expired session goes to sign-in and comes back to the same page', async () => {
    await page.getByTestId('nav-orders').click();
    await page.getByTestId('orders-table').waitFor();
    // A token the server no longer accepts (as after expiry or a secret rotation).
    await page.evaluate(() => localStorage.setItem('ordercast.admin.token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.invalid'));
    await page.reload();
    await page.getByTestId('login-form').waitFor({ timeout: 10_000 });
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/orders');
    await page.getByTestId('expired-notice').waitFor();
    await page.getByTestId('login-username').fill('manager1');
    await page.getByTestId('login-password').fill('demo1234');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('orders-table').waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/orders');
    // The finished and cancelled orders of the day, newest first.
    await expect.poll(() => page.locator('[data-testid^="orders-row-"]').count()).toBeGreaterThanOrEqual(2);
    await shot('orders-list');
  });

  it('admin sees both cities, with a city filter', async () => {
    if (await page.getByTestId('sign-out').count()) await page.getByTestId('sign-out').click();
    await page.getByTestId('login-form').waitFor();
    await signIn('admin');
    await card(city2Order).waitFor({ timeout: 5000 });
    const filter = page.getByTestId('city-filter');
    await filter.selectOption({ label: 'All cities' });
    const cities = await page.locator('[data-role="order-card"]').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-city')))].sort());
    expect(cities).toEqual(['1', '2']);
    const fresh = (await placeOrder(t.app, customer.token, { cityId: 2 })).json().order as Order;
    await card(fresh).waitFor({ timeout: 1000 });
    await shot('board-admin');
    await filter.selectOption({ label: 'Saint Petersburg' });
    await expect.poll(() => page.locator('[data-role="order-card"][data-city="1"]').count()).toBe(0);
    expect(await page.locator('[data-role="order-card"][data-city="2"]').count()).toBeGreaterThan(0);
    await filter.selectOption({ label: 'All cities' });
  });

  it('admin creates a manager for a city, who can then sign in to it', async () => {
    await page.getByTestId('nav-staff').click();
    const form = page.getByTestId('staff-create');
    await form.locator('input').nth(0).fill('Nina Novosibirsk');
    await form.locator('input').nth(1).fill('manager3');
    await form.locator('input').nth(2).fill('long-enough-pw');
    await form.getByLabel('Novosibirsk').check();
    await form.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('staff-table').getByText('manager3').waitFor();
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'manager3', password: 'long-enough-pw' } });
    expect(login.statusCode).toBe(200);
    expect(login.json().user).toMatchObject({ role: 'manager', city_ids: [3] });
  });
  // Issue 15 (admin): the walk-through at 1440 × 900 (and 1280), in English and Russian.
  const noSidewaysScroll = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  it('staff screen: city checkboxes sit inline with their labels; Edit and Disable do not touch', async () => {
    await page.getByTestId('nav-staff').click();
    const labels = await page.getByTestId('staff-create-cities').locator('label.check').all();
    expect(labels.length).toBe(3);
    for (const label of labels) {
      const box = (await label.locator('input').boundingBox())!;
      const whole = (await label.boundingBox())!;
      expect(box.x - whole.x).toBeLessThan(4); // the box starts the line…
      expect(Math.abs(box.y + box.height / 2 - (whole.y + whole.height / 2))).toBeLessThan(3); // …on the label's line
      expect(whole.height).toBeLessThan(30);
    }
    const edit = (await page.getByTestId('staff-edit-manager1').boundingBox())!;
    const toggle = (await page.getByTestId('staff-toggle-manager1').boundingBox())!;
    expect(toggle.x - (edit.x + edit.width)).toBeGreaterThanOrEqual(6);
    await shot('staff-1440-en');
  });

  it('board at 1440 px: five columns on one row; cards carry name, dishes, address, comment mark and a tel: link', async () => {
    await page.getByTestId('nav-board').click();
    // The filter change refetches the board. The order below is new to this page whether the live
    // `new-order` or that refetch brings it first, so the test need not wait for either.
    await page.getByTestId('city-filter').selectOption({ label: 'Moscow' });
    const o = (
      await placeOrder(t.app, customer.token, { phone: '+7 912 345-67-89', comment: 'Door code 45', delivery: { type: 'delivery', address: 'Tverskaya 7, flat 12' } })
    ).json().order as Order;
    const c = card(o);
    await c.waitFor({ timeout: 15_000 });
    expect(await c.getByTestId('card-customer').textContent()).toContain('Olga');
    expect((await c.getByTestId('card-dishes').textContent())!.trim()).not.toBe('');
    expect(await c.getByTestId('card-where').textContent()).toContain('Tverskaya 7, flat 12');
    await c.getByTestId('card-comment').waitFor();
    expect(await c.getByTestId('card-phone').getAttribute('href')).toBe('tel:+79123456789');
    // Nobody opened it yet: marked, and the chime repeats for it until someone does.
    await expect.poll(() => c.getAttribute('data-unseen'), { timeout: 10_000 }).toBe('true');
    const tops = await page.locator('.column').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
    expect(tops).toHaveLength(5);
    expect(new Set(tops).size).toBe(1);
    expect(await noSidewaysScroll()).toBeLessThanOrEqual(0);
    await page.waitForTimeout(300);
    await shot('board-cards-1440-en');

    await c.click();
    const panel = page.getByTestId('order-panel');
    await panel.waitFor();
    await expect.poll(() => c.getAttribute('data-unseen'), { timeout: 10_000 }).toBeNull();
    await page.waitForTimeout(300); // the panel's slide-in
    // The panel's times are on the city's clock (Moscow), whatever the browser's zone.
    const moscow = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Moscow', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(o.created_at));
    await expect.poll(() => panel.getByTestId('panel-placed').textContent(), { timeout: 10_000 }).toContain(moscow);

    // A toast while the panel is open stands beside it, not over its history.
    const another = (await placeOrder(t.app, customer.token)).json().order as Order;
    // The new-order toast (the POS sync may add error toasts naming the same order).
    const toast = page.locator('[data-testid="toast"].toast-order').filter({ hasText: `#${another.order_number}` });
    await toast.waitFor();
    // Once the toast's and the panel's slide-ins are over (they take longer on a busy machine).
    const toastRight = async () => {
      const [tb, pb] = [await toast.boundingBox(), await panel.boundingBox()];
      return tb && pb ? tb.x + tb.width - pb.x : Infinity;
    };
    await expect.poll(toastRight, { timeout: 10_000 }).toBeLessThanOrEqual(0);
    await shot('panel-with-toast-1440-en');

    // Printing: the button opens the print dialog; the print stylesheet puts only the ticket on paper.
    await page.evaluate(() => {
      const w = window as unknown as { __printed: number };
      w.__printed = 0;
      window.print = () => void w.__printed++;
    });
    for (const kind of ['kitchen', 'courier'] as const) {
      await panel.getByTestId(`print-${kind}`).click();
      await page.emulateMedia({ media: 'print' });
      expect(await page.getByTestId(`ticket-${kind}`).isVisible()).toBe(true);
      expect(await page.getByTestId('board').isVisible()).toBe(false);
      await page.screenshot({ path: join(ARTIFACTS, `ticket-${kind}.png`) });
      await page.emulateMedia({ media: 'screen' });
      expect(await page.getByTestId(`ticket-${kind}`).isVisible()).toBe(false);
    }
    expect(await page.evaluate(() => (window as unknown as { __printed: number }).__printed)).toBe(2);
    expect(await page.getByTestId('ticket-courier').textContent()).toContain('Tverskaya 7, flat 12');
    await page.keyboard.press('Escape');
  });

  it('orders list: each status once in the filter', async () => {
    await page.getByTestId('nav-orders').click();
    await page.getByTestId('orders-table').waitFor();
    const labels = await page.getByTestId('orders-status').locator('option').allTextContents();
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels.filter((l) => l.trim() === 'Cancelled')).toHaveLength(1);
    expect(labels.filter((l) => l.trim() === 'Completed')).toHaveLength(1);
  });

  it('dashboard at 1440×900 with three cities: no sideways scroll, today in the date field, one clock for the chart', async () => {
    await page.getByTestId('city-filter').selectOption({ label: 'All cities' });
    expect((await placeOrder(t.app, customer.token, { cityId: 3 })).statusCode).toBe(201);
    await page.getByTestId('nav-dashboard').click();
    await page.getByTestId('dashboard').waitFor();
    await expect.poll(() => page.locator('[data-testid="city-stats"] tbody tr').count()).toBe(3);
    await page.locator('canvas').waitFor();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now());
    expect(await page.getByTestId('dash-date').inputValue()).toBe(today);
    expect(await page.getByTestId('chart-clock').getAttribute('data-zone')).toBe('Europe/Moscow');
    expect(await page.getByTestId('chart-clock').textContent()).toContain('Europe/Moscow');
    expect(await noSidewaysScroll()).toBeLessThanOrEqual(0);
    await page.waitForTimeout(300);
    await shot('dashboard-1440-en');
  });

  it('Russian: the switch turns every screen Russian and is remembered per user', async () => {
    await page.getByTestId('lang-ru').click();
    await expect.poll(() => page.getByTestId('nav-board').textContent()).toContain('Заказы онлайн');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ru');
    await page.reload();
    await page.getByTestId('dashboard').waitFor();
    await expect.poll(() => page.getByTestId('nav-board').textContent()).toContain('Заказы онлайн');

    // Screens in both languages at both widths, for a person to look at.
    const screens = [
      ['board', 'board'],
      ['orders', 'orders-table'],
      ['dashboard', 'dashboard'],
      ['stop-list', 'stoplist-city'],
      ['staff', 'staff-table'],
    ] as const;
    for (const width of [1440, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      for (const lang of ['ru', 'en'] as const) {
        await page.getByTestId(`lang-${lang}`).click();
        for (const [nav, ready] of screens) {
          await page.getByTestId(`nav-${nav}`).click();
          await page.getByTestId(ready).waitFor();
          await page.waitForTimeout(250);
          expect(await noSidewaysScroll()).toBeLessThanOrEqual(0);
          await shot(`${nav}-${width}-${lang}`);
        }
        await page.getByTestId('nav-board').click();
        await page.locator('[data-role="order-card"]').first().click();
        await page.getByTestId('order-panel').waitFor();
        await page.waitForTimeout(250);
        await shot(`panel-${width}-${lang}`);
        await page.keyboard.press('Escape');
      }
    }
    await page.setViewportSize({ width: 1440, height: 900 });

    // admin chose English last; manager1 signs in from a Russian sign-in page and picks Russian too.
    await page.getByTestId('sign-out').click();
    await page.getByTestId('login-form').waitFor();
    await page.getByTestId('lang-ru').click();
    expect(await page.getByTestId('login-submit').textContent()).toContain('Войти');
    // "Enable sound" is offered at sign-in: the sign-in click itself unlocks the chime.
    expect(await page.getByTestId('login-sound').isChecked()).toBe(true);
    await shot('login-ru');
    await signIn('manager1');
    await expect.poll(() => page.getByTestId('nav-board').textContent()).toContain('Заказы онлайн');
    expect(await page.getByTestId('sound-toggle').getAttribute('data-sound')).toBe('on');
    await page.getByTestId('lang-ru').click();
    await page.getByTestId('sign-out').click();
    await page.getByTestId('login-form').waitFor();
    await signIn('admin');
    await expect.poll(() => page.getByTestId('nav-board').textContent()).toContain('Live board');
    await page.getByTestId('sign-out').click();
    await signIn('manager1');
    await expect.poll(() => page.getByTestId('nav-board').textContent()).toContain('Заказы онлайн');
  });
});
