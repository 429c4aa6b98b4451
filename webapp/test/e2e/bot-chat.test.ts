/*
 * The bot's chat page of the Telegram simulator and the Mini App behind its buttons, in real
 * headless Chromium: a user sends `/start city-2` / `/start order-N` from the page, the bot answers
 * over the real webhook, and the web_app button opens the built Mini App (launch data signed by the
 * simulator, as Telegram does) at the deep link's screen.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { placeOrder, signInCustomer } from '../../../server/test/helpers/app';
import { waitFor } from '../../../server/test/bot/helpers';
import { artifacts, openButton as openIn, startBot, useBotStage, webappBuilt } from './helpers/stage';

const ARTIFACTS = artifacts('bot');

describe.skipIf(!webappBuilt())('the bot chat page and its Mini App buttons in Chromium', () => {
  const t = useBotStage();
  const startAs = (id: number, name: string, lang: 'ru' | 'en', payload: string) => startBot(t, { id, name, lang }, payload);
  const openButton = (chatId: number, text: string) => openIn(t, chatId, text);

  const cityOf = (telegramId: number) =>
    (t.app.db.$client.prepare('SELECT city_id FROM users WHERE telegram_id = ?').get(telegramId) as { city_id: number | null } | undefined)?.city_id ?? null;

  it('/start city-2 from the page: the answer with its button and the menu button; the button opens city 2\'s menu', async () => {
    await startAs(730_001, 'Мария', 'ru', 'city-2');
    const phone = t.page.locator('section.phone[data-chat="730001"]');
    await phone.locator('.msg.bot').first().waitFor({ timeout: 15_000 });
    expect(await phone.locator('.msg.bot').first().textContent()).toContain('Здравствуйте, Мария');
    await phone.locator('a.menu', { hasText: 'Меню' }).waitFor({ timeout: 15_000 });
    await t.page.screenshot({ path: join(ARTIFACTS, 'chat-start-city.png') });

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
    await t.page.screenshot({ path: join(ARTIFACTS, 'chat-page.png') });
  });

  it('a direct link t.me/bot/app?startapp=order-N of another customer\'s order opens the orders list (initData start_param)', async () => {
    const owner = await signInCustomer(t.app, { id: 730_004, first_name: 'Owner2', language_code: 'en' });
    const orderId = ((await placeOrder(t.app, owner.token)).json() as { order: { id: number } }).order.id;
    const app = await t.ctx.newPage();
    await app.goto(`${t.sim.url}/open?user=730003&url=${encodeURIComponent(`${t.url}/app/`)}&startapp=order-${orderId}`);
    await app.waitForURL((u) => u.pathname === '/app/orders', { timeout: 20_000 });
    await app.close();
  });
});
