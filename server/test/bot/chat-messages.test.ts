import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramSimulator } from '../../src/telegram-sim/index';
import type { ChatMessage } from '../../src/telegram-sim/state';
import { bearer, placeOrder, signInCustomer, signInStaff, type TestApp } from '../helpers/app';
import { testSql } from '../helpers/db';
import { TestClient } from '../realtime/helpers';
import { chatOf, inject, sleep, startBotServer, startSim, waitFor } from './helpers';

/** The order chat's messages relayed by the bot (not the /start answer, not status steps). */
const relayed = async (sim: TelegramSimulator, chatId: number): Promise<ChatMessage[]> =>
  ((await chatOf(sim, chatId))?.messages ?? []).filter((m) => m.by === 'bot' && /^(Message from the restaurant|Сообщение от ресторана)/.test(m.text));

describe('staff chat messages reach a customer away from the Mini App through the bot (Telegram simulator over HTTP)', () => {
  let sim: TelegramSimulator;
  let t: TestApp & { url: string };
  let admin: string;
  let nextId = 830_000_001;
  let clientSeq = 0;

  const rowsOf = (orderId: number) =>
    testSql(t.app).all<{ step: string; status: string; messageId: number | null }>(
      'SELECT step, status, chat_message_id AS "messageId" FROM bot_messages WHERE order_id = @orderId ORDER BY id',
      { orderId },
    );

  /** A customer who sent the bot /start (and got its answer), then signed in to the Mini App. */
  async function starter(lang: 'ru' | 'en') {
    const id = nextId++;
    await inject(sim, { kind: 'start', user: { id, first_name: 'Guest', language_code: lang } });
    await waitFor(async () => ((await chatOf(sim, id))?.messages.some((m) => m.by === 'bot') ? true : null), `the /start answer in chat ${id}`);
    const { token } = await signInCustomer(t.app, { id, first_name: 'Guest', language_code: lang });
    return { chatId: id, token };
  }

  async function order(token: string): Promise<{ id: number; number: string }> {
    const res = await placeOrder(t.app, token);
    expect(res.statusCode).toBe(201);
    const o = (res.json() as { order: { id: number; order_number: string } }).order;
    return { id: o.id, number: o.order_number };
  }

  /** Sends a chat message over HTTP as the app would; returns its id. */
  async function say(token: string, orderId: number, text: string, clientId = `bot-chat-${++clientSeq}`): Promise<number> {
    const res = await fetch(`${t.url}/api/orders/${orderId}/chat/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(token) },
      body: JSON.stringify({ clientId, text }),
    });
    expect([200, 201]).toContain(res.status);
    return ((await res.json()) as { message: { id: number } }).message.id;
  }

  beforeAll(async () => {
    sim = await startSim();
    t = await startBotServer(sim.url, { BOT_NOTIFY_RETRY_BASE_MS: '100', BOT_NOTIFY_RETRY_MAX_MS: '500' });
    await waitFor(() => t.app.telegramBot?.state === 'ready', 'the bot to set its webhook', 15_000);
    admin = (await signInStaff(t.app, 'admin')).token;
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('sends a staff message once, in the customer language, as plain text with the button into the order', async () => {
    const c = await starter('en');
    const o = await order(c.token);
    const text = 'The intercom code is <b>45</b> & we are 5 min away';
    const clientId = 'bot-chat-once';
    const msgId = await say(admin, o.id, text, clientId);
    // A resend of the same message (same clientId) is not a second chat message.
    expect(await say(admin, o.id, text, clientId)).toBe(msgId);
    const [m] = await waitFor(async () => ((await relayed(sim, c.chatId)).length >= 1 ? relayed(sim, c.chatId) : null), 'the relayed message', 10_000);
    expect(m!.text).toMatch(new RegExp(`^Message from the restaurant about order #${o.number} \\(.+\\):\\n`));
    // Plain text (the notifier sends no parse_mode): the markup-looking characters arrive as typed.
    expect(m!.text.endsWith(`:\n${text}`)).toBe(true);
    expect(m!.reply_markup?.inline_keyboard?.[0]?.[0]).toEqual({ text: 'Open the order', web_app: { url: `${t.url}/app/?startapp=order-${o.id}` } });
    // A second staff message is a chat message of its own.
    const second = await say(admin, o.id, 'Ещё одно');
    await waitFor(async () => ((await relayed(sim, c.chatId)).length >= 2 ? true : null), 'the second relayed message', 10_000);
    await sleep(500);
    expect((await relayed(sim, c.chatId)).length).toBe(2);
    expect(await rowsOf(o.id)).toEqual([
      { step: 'chat', status: 'sent', messageId: msgId },
      { step: 'chat', status: 'sent', messageId: second },
    ]);
  });

  it('writes the Russian text for a Russian-speaking customer', async () => {
    const c = await starter('ru');
    const o = await order(c.token);
    await say(admin, o.id, 'Наполеона нет, можно Добош?');
    const [m] = await waitFor(async () => ((await relayed(sim, c.chatId)).length >= 1 ? relayed(sim, c.chatId) : null), 'the relayed message', 10_000);
    expect(m!.text).toMatch(new RegExp(`^Сообщение от ресторана по заказу №${o.number} \\(.+\\):\\nНаполеона нет, можно Добош\\?$`));
    expect(m!.reply_markup?.inline_keyboard?.[0]?.[0]).toMatchObject({ text: 'Открыть заказ' });
  });

  it('does not send a message the customer saw live in the open Mini App', async () => {
    const c = await starter('en');
    const o = await order(c.token);
    const ws = await TestClient.ready(`${t.url.replace(/^http/, 'ws')}/ws?token=${c.token}`);
    try {
      await say(admin, o.id, 'Seen live');
      await waitFor(async () => ((await rowsOf(o.id))[0]?.status === 'seen' ? true : null), 'the message marked seen', 10_000);
    } finally {
      ws.close();
    }
    await sleep(300);
    await say(admin, o.id, 'After the app was closed');
    await waitFor(async () => ((await rowsOf(o.id))[1]?.status === 'sent' ? true : null), 'the next message sent once the app is closed', 10_000);
    expect((await relayed(sim, c.chatId)).map((m) => m.text)).toEqual([expect.stringMatching(/\nAfter the app was closed$/)]);
  });

  it("never sends the customer's own messages to the bot", async () => {
    const c = await starter('en');
    const o = await order(c.token);
    await say(c.token, o.id, 'Please ring twice');
    // A staff message after it is relayed: once it is there, the customer's would have been before it.
    await say(admin, o.id, 'Will do');
    await waitFor(async () => ((await relayed(sim, c.chatId)).length >= 1 ? true : null), 'the staff message', 10_000);
    expect((await rowsOf(o.id)).map((r) => r.step)).toEqual(['chat']);
    const texts = ((await chatOf(sim, c.chatId))?.messages ?? []).filter((m) => m.by === 'bot').map((m) => m.text);
    expect(texts.some((x) => x.includes('Please ring twice'))).toBe(false);
  });

  it('writes nothing for a customer who never started the bot (they see it at the next open)', async () => {
    const { token } = await signInCustomer(t.app, { id: nextId++, language_code: 'en' });
    const o = await order(token);
    const msgId = await say(admin, o.id, 'Hello?');
    expect(await rowsOf(o.id)).toEqual([]);
    // The message waits in the order chat, unread, for the next open of the Mini App.
    const res = await fetch(`${t.url}/api/orders/${o.id}/chat`, { headers: bearer(token) });
    const body = (await res.json()) as { messages: { id: number }[]; read: { customer: { unread: number } } };
    expect(body.messages.map((m) => m.id)).toContain(msgId);
    expect(body.read.customer.unread).toBe(1);
  });
});
