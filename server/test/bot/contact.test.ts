import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramSimulator } from '../../src/telegram-sim/index';
import { bearer, signInCustomer, type TestApp } from '../helpers/app';
import { buildLoggedBotApp, chatOf, inject, startSim, waitFor } from './helpers';

const botAnswers = async (sim: TelegramSimulator, chatId: number) => (await chatOf(sim, chatId))?.messages.filter((m) => m.by === 'bot') ?? [];

describe('the phone from a contact shared with the bot', () => {
  let sim: TelegramSimulator;
  let t: TestApp & { lines: string[] };
  beforeAll(async () => {
    sim = await startSim();
    t = await buildLoggedBotApp({ TELEGRAM_API_ROOT: sim.url, TELEGRAM_UPDATES: 'polling' });
    await waitFor(() => t.app.telegramBot?.state === 'ready', 'the bot to start polling');
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it("the sender's own contact becomes their verified phone; someone else's card changes nothing", async () => {
    const me = await signInCustomer(t.app, { id: 720_001, first_name: 'Вера', language_code: 'ru' });
    const user = { id: 720_001, first_name: 'Вера', language_code: 'ru' };
    await inject(sim, { kind: 'contact', user, phone_number: '79001112233', contact_user_id: 720_999 });
    await waitFor(async () => ((await botAnswers(sim, 720_001)).length === 1 ? true : null), 'the answer to a foreign contact');
    expect((await botAnswers(sim, 720_001))[0]!.text).toMatch(/чужой контакт/);
    expect((await t.app.inject({ url: '/api/me', headers: bearer(me.token) })).json()).toMatchObject({ phone: null, phone_verified: false });

    await inject(sim, { kind: 'contact', user, phone_number: '79001112233' });
    await waitFor(async () => ((await botAnswers(sim, 720_001)).length === 2 ? true : null), 'the answer to their own contact');
    expect((await botAnswers(sim, 720_001))[1]!.text).toMatch(/Номер сохранён/);
    expect((await t.app.inject({ url: '/api/me', headers: bearer(me.token) })).json()).toMatchObject({ phone: '+79001112233', phone_verified: true });
  });
});
