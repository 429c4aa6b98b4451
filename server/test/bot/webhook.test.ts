import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramSimulator } from '../../src/telegram-sim/index';
import type { SimChat } from '../../src/telegram-sim/state';
import { placeOrder, signInCustomer, type TestApp } from '../helpers/app';
import { testSql } from '../helpers/db';
import { chatOf, control, inject, startBotServer, startSim, waitFor, WEBHOOK_SECRET } from './helpers';

type Button = { text: string; web_app?: { url: string } };
const lastBotMessage = (chat: SimChat | null) => chat?.messages.filter((m) => m.by === 'bot').at(-1);
const buttonOf = (chat: SimChat | null): Button | undefined => lastBotMessage(chat)?.reply_markup?.inline_keyboard?.[0]?.[0];

/** Waits for the bot's answer to the chat's latest /start (its message count grows past `before`). */
async function answer(sim: TelegramSimulator, chatId: number, before: number): Promise<SimChat> {
  return waitFor(async () => {
    const chat = await chatOf(sim, chatId);
    return chat && chat.messages.filter((m) => m.by === 'bot').length > before && chat.menuButton ? chat : null;
  }, `the bot's answer in chat ${chatId}`);
}

describe('the bot over a webhook, against the Telegram simulator over HTTP', () => {
  let sim: TelegramSimulator;
  let t: TestApp & { url: string };
  beforeAll(async () => {
    sim = await startSim();
    t = await startBotServer(sim.url);
    await waitFor(() => t.app.telegramBot?.state === 'ready', 'the bot to set its webhook');
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('set its webhook at PUBLIC_URL with the secret token', async () => {
    const info = await control<{ webhook: { url: string; has_secret: boolean } }>(sim, '/control');
    expect(info.webhook).toMatchObject({ url: `${t.url}/api/telegram/webhook`, has_secret: true });
  });

  it('refuses an update without the secret header or with a wrong one (401), takes it with the right one', async () => {
    const update = { update_id: 999_001, message: { message_id: 1, date: 1, chat: { id: 5, type: 'private' }, text: 'hi' } };
    const post = (headers: Record<string, string>) =>
      fetch(`${t.url}/api/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(update) });
    const none = await post({});
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: 'bad_secret_token' });
    expect((await post({ 'x-telegram-bot-api-secret-token': 'wrong-secret' })).status).toBe(401);
    expect((await post({ 'x-telegram-bot-api-secret-token': `${WEBHOOK_SECRET}x` })).status).toBe(401);
    const ok = await post({ 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET });
    expect(ok.status).toBe(200);
    // A body that is not an update is a 400, after the secret.
    const bad = await fetch(`${t.url}/api/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
      body: JSON.stringify({ nope: true }),
    });
    expect(bad.status).toBe(400);
  });

  it('/start in Russian: a web_app button into the Mini App, the menu button set, the start remembered', async () => {
    await inject(sim, { kind: 'start', user: { id: 700_001, first_name: 'Анна', language_code: 'ru' } });
    const chat = await answer(sim, 700_001, 0);
    const msg = lastBotMessage(chat)!;
    expect(msg.text).toMatch(/Здравствуйте, Анна/);
    expect(buttonOf(chat)).toEqual({ text: 'Открыть меню', web_app: { url: `${t.url}/app/` } });
    expect(chat.menuButton).toEqual({ type: 'web_app', text: 'Меню', web_app: { url: `${t.url}/app/` } });
    const row = await testSql(t.app).get('SELECT role, name, language, bot_started_at, bot_blocked_at FROM users WHERE telegram_id = @tg', { tg: 700_001 });
    expect(row).toMatchObject({ role: 'customer', name: 'Анна', language: 'ru', bot_blocked_at: null });
    expect(row!.bot_started_at).toMatch(/^\d{4}-/);
  });

  it('/start in English (any non-Russian language code)', async () => {
    await inject(sim, { kind: 'start', user: { id: 700_002, first_name: 'John', language_code: 'en-GB' } });
    const chat = await answer(sim, 700_002, 0);
    expect(lastBotMessage(chat)!.text).toMatch(/^Hello, John!/);
    expect(buttonOf(chat)?.text).toBe('Open the menu');
    expect(chat.menuButton).toMatchObject({ type: 'web_app', text: 'Menu' });
  });

  it('/start city-2 opens that city\'s menu; an unknown city the plain menu', async () => {
    await inject(sim, { kind: 'start', user: { id: 700_003, first_name: 'Oleg', language_code: 'ru' }, payload: 'city-2' });
    const chat = await answer(sim, 700_003, 0);
    expect(buttonOf(chat)?.web_app?.url).toBe(`${t.url}/app/?startapp=city-2`);
    expect(lastBotMessage(chat)!.text).toMatch(/Меню города \S+/);
    await inject(sim, { kind: 'start', user: { id: 700_003, first_name: 'Oleg', language_code: 'ru' }, payload: 'city-999' });
    const again = await answer(sim, 700_003, 1);
    expect(buttonOf(again)?.web_app?.url).toBe(`${t.url}/app/`);
  });

  it('/start order-N opens the order for its owner only; anyone else gets their orders list', async () => {
    const owner = await signInCustomer(t.app, { id: 700_004, first_name: 'Owner', language_code: 'en' });
    const placed = await placeOrder(t.app, owner.token);
    expect(placed.statusCode).toBe(201);
    const orderId = (placed.json() as { order: { id: number } }).order.id;

    await inject(sim, { kind: 'start', user: { id: 700_004, first_name: 'Owner', language_code: 'en' }, payload: `order-${orderId}` });
    const mine = await answer(sim, 700_004, 0);
    expect(buttonOf(mine)).toEqual({ text: 'Open the order', web_app: { url: `${t.url}/app/?startapp=order-${orderId}` } });

    await inject(sim, { kind: 'start', user: { id: 700_005, first_name: 'Stranger', language_code: 'en' }, payload: `order-${orderId}` });
    const theirs = await answer(sim, 700_005, 0);
    expect(buttonOf(theirs)).toEqual({ text: 'My orders', web_app: { url: `${t.url}/app/?startapp=orders` } });
    expect(JSON.stringify(lastBotMessage(theirs))).not.toContain(`order-${orderId}`);
    expect(lastBotMessage(theirs)!.text).not.toContain(String(orderId));
  });

  it('a user who blocks the bot is marked blocked; starting it again clears the mark', async () => {
    const user = { id: 700_006, first_name: 'Blocker', language_code: 'en' };
    await inject(sim, { kind: 'start', user });
    await answer(sim, 700_006, 0);
    const blockedAt = async () =>
      (await testSql(t.app).get<{ bot_blocked_at: string | null }>('SELECT bot_blocked_at FROM users WHERE telegram_id = @tg', { tg: 700_006 }))!.bot_blocked_at;
    await inject(sim, { kind: 'block', user });
    await waitFor(() => blockedAt(), 'the block to be recorded');
    // Telegram refuses sends to them now.
    const refused = await fetch(`${sim.url}/bot${t.config.TELEGRAM_BOT_TOKEN}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: 700_006, text: 'hello?' }),
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    await inject(sim, { kind: 'start', user });
    await waitFor(async () => (await blockedAt()) === null || null, 'the block to be cleared');
  });
});
