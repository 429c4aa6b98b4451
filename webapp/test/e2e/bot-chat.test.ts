/*
 * The bot's chat page of the Telegram simulator and the Mini App behind its buttons, in real
 * headless Chromium: a user sends `/start city-2` / `/start order-N` from the page, the bot answers
 * over the real webhook, and the web_app button opens the built Mini App (launch data signed by the
 * simulator, as Telegram does) at the deep link's screen.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../../server/test/helpers/browser';
import type { TelegramSimulator } from '../../../server/src/telegram-sim/index';
import { placeOrder, signInCustomer, type TestApp } from '../../../server/test/helpers/app';
import { startBotServer, startSim, waitFor } from '../../../server/test/bot/helpers';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const ARTIFACTS = join(ROOT, 'test-artifacts/bot');
const built = existsSync(join(ROOT, 'webapp/dist/index.html'));

describe.skipIf(!built)('the bot chat page and its Mini App buttons in Chromium', () => {
  let sim: TelegramSimulator;
  let t: TestApp & { url: string };
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    sim = await startSim();
    t = await startBotServer(sim.url, { SERVE_APPS: 'true' });
    await waitFor(() => t.app.telegramBot?.state === 'ready', 'the bot to set its webhook');
    browser = await launchChromium();
    ctx = await browser.newContext({ viewport: { width: 1100, height: 760 }, deviceScaleFactor: 1 });
    page = await ctx.newPage();
    await page.goto(sim.url);
  }, 120_000);

  afterAll(async () => {
    await ctx?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await t?.close();
    await sim?.close();
  });

  async function startAs(id: number, name: string, lang: 'ru' | 'en', payload: string): Promise<void> {
    await page.fill('input[name=id]', String(id));
    await page.fill('input[name=first_name]', name);
    await page.selectOption('select[name=language_code]', lang);
    await page.fill('input[name=payload]', payload);
    await page.click('#start button[type=submit], #start button:not([type])');
  }

  /** Clicks the web_app button of the chat's last bot message; returns the Mini App page it opened. */
  async function openButton(chatId: number, text: string): Promise<Page> {
    const button = page.locator(`section.phone[data-chat="${chatId}"] .msg.bot`).last().getByText(text);
    await button.waitFor({ timeout: 15_000 });
    const [app] = await Promise.all([ctx.waitForEvent('page'), button.click()]);
    await app.waitForLoadState();
    return app;
  }

  const cityOf = (telegramId: number) =>
    (t.app.db.$client.prepare('SELECT city_id FROM users WHERE telegram_id = ?').get(telegramId) as { city_id: number | null } | undefined)?.city_id ?? null;

  it('/start city-2 from the page: the answer with its button and the menu button; the button opens city 2\'s menu', async () => {
    await startAs(730_001, 'Мария', 'ru', 'city-2');
    const phone = page.locator('section.phone[data-chat="730001"]');
    await phone.locator('.msg.bot').first().waitFor({ timeout: 15_000 });
    expect(await phone.locator('.msg.bot').first().textContent()).toContain('Здравствуйте, Мария');
    await phone.locator('a.menu', { hasText: 'Меню' }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'chat-start-city.png') });

    const app = await openButton(730_001, 'Открыть меню');
    await waitFor(() => cityOf(730_001) === 2 || null, 'the Mini App to switch to city 2', 20_000);
    await app.waitForURL((u) => u.pathname === '/app/', { timeout: 15_000 });
    await app.screenshot({ path: join(ARTIFACTS, 'miniapp-city-2.png') });
    await app.close();
  });

  it('/start order-N opens the order for its owner; for anyone else the button opens their orders list', async () => {
    const owner = await signInCustomer(t.app, { id: 730_002, first_name: 'Owner', language_code: 'en' });
    const placed = await placeOrder(t.app, owner.token);
    expect(placed.statusCode).toBe(201);
    const orderId = (placed.json() as { order: { id: number } }).order.id;

    await startAs(730_002, 'Owner', 'en', `order-${orderId}`);
    const mine = await openButton(730_002, 'Open the order');
    await mine.waitForURL((u) => u.pathname === `/app/orders/${orderId}`, { timeout: 20_000 });
    await mine.screenshot({ path: join(ARTIFACTS, 'miniapp-own-order.png') });
    await mine.close();

    await startAs(730_003, 'Stranger', 'en', `order-${orderId}`);
    const theirs = await openButton(730_003, 'My orders');
    await theirs.waitForURL((u) => u.pathname === '/app/orders', { timeout: 20_000 });
    await theirs.screenshot({ path: join(ARTIFACTS, 'miniapp-other-order.png') });
    await theirs.close();
    await page.screenshot({ path: join(ARTIFACTS, 'chat-page.png') });
  });

  it('a direct link t.me/bot/app?startapp=order-N of another customer\'s order opens the orders list (initData start_param)', async () => {
    const owner = await signInCustomer(t.app, { id: 730_004, first_name: 'Owner2', language_code: 'en' });
    const orderId = ((await placeOrder(t.app, owner.token)).json() as { order: { id: number } }).order.id;
    const app = await ctx.newPage();
    await app.goto(`${sim.url}/open?user=730003&url=${encodeURIComponent(`${t.url}/app/`)}&startapp=order-${orderId}`);
    await app.waitForURL((u) => u.pathname === '/app/orders', { timeout: 20_000 });
    await app.close();
  });
});
