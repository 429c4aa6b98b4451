/**
 * Issue 14 in the admin app, in real Chromium against the real server: the board's countdown to
 * the promised time (amber, then red, live on `order-eta-updated`), moving the time from the order
 * panel, pausing a city, and the restaurants screen. Screenshots land in test-artifacts/admin/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '@ordercast/shared';
import { bearer, placeOrder, signInCustomer, signInStaff } from '../../../server/test/helpers/app';
import { artifacts, openBoard, useBrowserStage } from '../../../webapp/test/e2e/helpers/stage';

const ARTIFACTS = artifacts('admin');

describe('admin app: promised times, pausing, restaurants (issue 14)', () => {
  const t = useBrowserStage(['admin']);
  let customer: { token: string };
  let adminToken: string;
  beforeAll(async () => {
    customer = await signInCustomer(t.app, { first_name: 'Olga' });
    adminToken = (await signInStaff(t.app, 'admin')).token;
  });

  /** Signed in on the board, its connection live. */
  async function signIn(username: string, opts: { width?: number; lang?: 'ru' | 'en' } = {}): Promise<Page> {
    const page = await openBoard(t, username, { width: opts.width, locale: opts.lang === 'ru' ? 'ru-RU' : 'en-GB' });
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-status'), { timeout: 15_000 }).toBe('live');
    return page;
  }

  const moveEta = async (id: number, promisedAt: Date) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/admin/orders/${id}/eta`,
      headers: bearer(adminToken),
      payload: { promisedAt: promisedAt.toISOString(), reason: 'Test move' },
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { order: Order }).order;
  };

  it("the board's countdown turns amber near the promised time and red once late, live", async () => {
    const page = await signIn('manager1');
    const res = await placeOrder(t.app, customer.token, { phone: '+7 912 345-67-89' });
    expect(res.statusCode, res.body).toBe(201);
    const order = (res.json() as { order: Order }).order;
    expect(order.promised_at).not.toBeNull();
    const due = page.locator(`[data-order-id="${order.id}"] [data-testid="card-due"]`);
    const card = page.locator(`[data-role="order-card"][data-order-id="${order.id}"]`);
    await due.waitFor();
    expect(await due.getAttribute('data-due')).toBe('ok');
    expect(await due.textContent()).toMatch(/^\s*\d+ min left$/);
    expect(await card.textContent()).toMatch(/Due \d\d:\d\d/);

    // The order was placed an hour ago (a busy evening): written into the real database, since
    // nothing in the API places orders in the past.
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    t.app.db.$client.prepare('UPDATE orders SET created_at = ? WHERE id = ?').run(hourAgo, order.id);

    // Promised 5 minutes from now: inside the warning window.
    await moveEta(order.id, new Date(Date.now() + 5 * 60_000));
    await expect.poll(() => due.getAttribute('data-due'), { timeout: 5000 }).toBe('warn');
    expect(await card.getAttribute('class')).toContain('age-warn');

    // Then 20 minutes ago: late, red.
    await moveEta(order.id, new Date(Date.now() - 20 * 60_000));
    await expect.poll(() => due.getAttribute('data-due'), { timeout: 5000 }).toBe('late');
    expect(await card.getAttribute('class')).toContain('age-late');
    expect(await due.textContent()).toMatch(/late (19|20) min/);
    const bg = await due.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).toBe('rgb(220, 38, 38)');
    await page.screenshot({ path: join(ARTIFACTS, 'eta-board-late-1440-en.png') });

    // The panel moves it back with a reason: +20 min.
    await card.click();
    await page.getByTestId('panel-eta').waitFor();
    expect(await page.getByTestId('panel-due').getAttribute('data-due')).toBe('late');
    await page.getByTestId('eta-plus-20').click();
    expect(await page.locator('.error.small').textContent()).toBe('Write a reason first');
    const before = await page.getByTestId('panel-promised').textContent();
    await page.getByTestId('eta-reason').fill('Courier delayed');
    await page.getByTestId('eta-plus-20').click();
    await expect.poll(() => page.getByTestId('panel-promised').textContent(), { timeout: 5000 }).not.toBe(before);
    // Twenty more: well ahead again, so the card is no longer marked.
    await page.getByTestId('eta-reason').fill('Courier delayed');
    await page.getByTestId('eta-plus-20').click();
    await expect.poll(() => page.getByTestId('panel-due').getAttribute('data-due'), { timeout: 5000 }).toBe('ok');
    expect(await card.getAttribute('class')).toContain('age-ok');
    await page.screenshot({ path: join(ARTIFACTS, 'eta-panel-1440-en.png') });
    await page.keyboard.press('Escape');
  });

  it('a manager pauses the city with a reason and busy mode; the header shows it, live; resuming clears it', async () => {
    const page = await signIn('manager1', { lang: 'ru', width: 1280 });
    await page.getByTestId('pause-toggle').click();
    await page.getByTestId('pause-controls').waitFor();
    await page.getByTestId('pause-reason').fill('Сломалась печь');
    await page.getByTestId('pause-city').click();
    const bar = page.getByTestId('city-status-1');
    await bar.waitFor({ timeout: 5000 });
    expect(await bar.getAttribute('data-kind')).toBe('paused');
    expect(await bar.textContent()).toContain('Сломалась печь');
    const refused = await placeOrder(t.app, customer.token);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toBe('city_paused');
    await page.screenshot({ path: join(ARTIFACTS, 'pause-board-1280-ru.png') });

    await page.getByTestId('resume-city').click();
    await page.getByTestId('busy-20').click();
    await page.getByTestId('busy-save').click();
    await expect.poll(() => page.getByTestId('city-status-1').first().getAttribute('data-kind'), { timeout: 5000 }).toBe('busy');
    expect(await page.getByTestId('city-status-1').first().textContent()).toContain('+20');
    await page.screenshot({ path: join(ARTIFACTS, 'busy-board-1280-ru.png') });

    // Back to normal, from the API this time: the board hears it live.
    const res = await t.app.inject({ method: 'POST', url: '/api/admin/cities/1/status', headers: bearer(adminToken), payload: { busyMinutes: 0 } });
    expect(res.statusCode).toBe(200);
    await page.getByTestId('city-status-1').first().waitFor({ state: 'detached', timeout: 5000 });
  });

  it('admin sees the restaurants screen, adds one and edits it', async () => {
    for (const [lang, width] of [['en', 1440], ['ru', 1280]] as const) {
      const page = await signIn('admin', { lang, width });
      await page.getByTestId('nav-restaurants').click();
      await page.getByTestId('restaurants-table').waitFor();
      await expect.poll(() => page.locator('[data-testid^="restaurant-edit-"]').count()).toBeGreaterThanOrEqual(4);
      await page.screenshot({ path: join(ARTIFACTS, `restaurants-${width}-${lang}.png`) });
      // The dashboard has an on-time column per city (a dash until an order with a promised time completes).
      await page.getByTestId('nav-dashboard').click();
      await page.getByTestId('on-time-1').waitFor();
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-on-time-${width}-${lang}.png`) });
      await page.getByTestId('nav-restaurants').click();
      await page.getByTestId('restaurants-table').waitFor();
      if (lang !== 'en') continue;
      await page.getByTestId('rest-city').selectOption({ label: 'Saint Petersburg' });
      await page.getByTestId('rest-name').fill('Гуляш на Литейном');
      await page.getByTestId('rest-name-en').fill('Goulash Liteyny');
      await page.getByTestId('rest-address').fill('Литейный пр., 10');
      await page.getByTestId('rest-phone').fill('+7 812 200-00-02');
      await page.getByTestId('rest-lat').fill('59.94');
      await page.getByTestId('rest-lng').fill('30.348');
      await page.getByTestId('rest-save').click();
      await expect.poll(() => page.getByTestId('restaurants-table').textContent(), { timeout: 5000 }).toContain('Goulash Liteyny');
      const list = await t.app.inject({ url: '/api/admin/restaurants?cityId=2', headers: bearer(adminToken) });
      const created = (list.json() as { items: { id: number; name_en: string; prep_minutes: number }[] }).items.find((r) => r.name_en === 'Goulash Liteyny')!;
      expect(created.prep_minutes).toBe(20);
      await page.getByTestId(`restaurant-edit-${created.id}`).click();
      await page.getByTestId('rest-prep').fill('35');
      await page.getByTestId('rest-save').click();
      await expect.poll(async () => {
        const r = await t.app.inject({ url: '/api/admin/restaurants?cityId=2', headers: bearer(adminToken) });
        return (r.json() as { items: { id: number; prep_minutes: number }[] }).items.find((x) => x.id === created.id)?.prep_minutes;
      }).toBe(35);
    }
  });
});
