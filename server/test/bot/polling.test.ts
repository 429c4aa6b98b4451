import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramSimulator } from '../../src/telegram-sim/index';
import type { CallRecord } from '../../src/telegram-sim/state';
import type { TestApp } from '../helpers/app';
import { buildLoggedBotApp, chatOf, control, freePort, inject, startSim, waitFor } from './helpers';

const botAnswers = async (sim: TelegramSimulator, chatId: number) => (await chatOf(sim, chatId))?.messages.filter((m) => m.by === 'bot') ?? [];

describe('the bot by long polling (TELEGRAM_UPDATES=polling)', () => {
  let sim: TelegramSimulator;
  let t: TestApp & { lines: string[] };
  beforeAll(async () => {
    sim = await startSim();
    // A webhook left over from an earlier run: polling must remove it, or getUpdates is refused.
    await fetch(`${sim.url}/bot1234567890:TEST-ordercast-bot-token/setWebhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'http://127.0.0.1:9/old' }) });
    t = await buildLoggedBotApp({ TELEGRAM_API_ROOT: sim.url, TELEGRAM_UPDATES: 'polling' });
    await waitFor(() => t.app.telegramBot?.state === 'ready', 'the bot to start polling');
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('removed the webhook and receives an injected /start through getUpdates', async () => {
    expect((await control<{ webhook: unknown }>(sim, '/control')).webhook).toBeNull();
    await inject(sim, { kind: 'start', user: { id: 710_001, first_name: 'Poll', language_code: 'en' } });
    const answers = await waitFor(async () => ((await botAnswers(sim, 710_001)).length ? botAnswers(sim, 710_001) : null), 'the answer to /start');
    expect(answers[0]!.text).toMatch(/^Hello, Poll!/);
    const calls = (await control<{ calls: CallRecord[] }>(sim, '/control/calls')).calls;
    expect(calls.some((c) => c.method === 'getUpdates' && c.status === 200)).toBe(true);
  });

  it('honours 429 retry_after: the refused sendMessage is sent again no sooner than retry_after seconds later', async () => {
    await control(sim, '/control/faults', { rateLimit: { calls: 1, retryAfter: 1, method: 'sendMessage' } });
    await inject(sim, { kind: 'start', user: { id: 710_002, first_name: 'Slow', language_code: 'ru' } });
    await waitFor(async () => ((await botAnswers(sim, 710_002)).length ? true : null), 'the answer after the 429');
    const sends = (await control<{ calls: CallRecord[] }>(sim, '/control/calls')).calls.filter((c) => c.method === 'sendMessage' && c.chat_id === 710_002);
    expect(sends.map((c) => c.status)).toEqual([429, 200]);
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(990);
    expect(await botAnswers(sim, 710_002)).toHaveLength(1);
  });
});

describe('a bot outage never affects the rest', () => {
  it('the server starts and serves with nothing at TELEGRAM_API_ROOT; the outage is logged once', async () => {
    const t = await buildLoggedBotApp({ TELEGRAM_API_ROOT: `http://127.0.0.1:${await freePort()}`, TELEGRAM_UPDATES: 'polling' });
    try {
      expect((await t.app.inject({ url: '/api/cities' })).statusCode).toBe(200);
      expect((await t.app.inject({ url: '/health' })).json()).toMatchObject({ db: 'up' });
      await waitFor(() => t.lines.some((l) => l.includes('Bot API unreachable')) || null, 'the outage to be logged');
      await new Promise((r) => setTimeout(r, 2500));
      expect(t.lines.filter((l) => l.includes('Bot API unreachable'))).toHaveLength(1);
      expect(t.app.telegramBot!.state).toBe('starting');
    } finally {
      await t.close();
    }
  });

  it('the bot comes up on its own once the Bot API is back (outage, then 5xx, then well)', async () => {
    const sim = await startSim({ faults: { outage: true } });
    const t = await buildLoggedBotApp({ TELEGRAM_API_ROOT: sim.url, TELEGRAM_UPDATES: 'polling' });
    try {
      const started = Date.now();
      expect((await t.app.inject({ url: '/api/cities' })).statusCode).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
      await waitFor(() => t.lines.some((l) => l.includes('Bot API unreachable')) || null, 'the outage to be logged');
      await control(sim, '/control/faults', { outage: false, errorRate: 1 });
      await new Promise((r) => setTimeout(r, 300));
      expect(t.app.telegramBot!.state).toBe('starting');
      await control(sim, '/control/faults', { errorRate: 0 });
      await waitFor(() => t.app.telegramBot!.state === 'ready' || null, 'the bot to come up', 30_000);
      expect(t.lines.some((l) => l.includes('reachable again'))).toBe(true);
      await inject(sim, { kind: 'start', user: { id: 710_003, first_name: 'Late', language_code: 'en' } });
      await waitFor(async () => ((await botAnswers(sim, 710_003)).length ? true : null), 'the answer to /start', 15_000);
    } finally {
      await t.close();
      await sim.close();
    }
  }, 60_000);

  it('TELEGRAM_BOT=false: no bot, no Bot API call, no webhook route', async () => {
    const sim = await startSim();
    const t = await buildLoggedBotApp({ TELEGRAM_API_ROOT: sim.url, TELEGRAM_BOT: 'false' });
    try {
      expect(t.app.telegramBot).toBeUndefined();
      expect((await t.app.inject({ method: 'POST', url: '/api/telegram/webhook', payload: { update_id: 1 } })).statusCode).toBe(404);
      await new Promise((r) => setTimeout(r, 300));
      expect((await control<{ calls: CallRecord[] }>(sim, '/control/calls')).calls).toEqual([]);
    } finally {
      await t.close();
      await sim.close();
    }
  });
});
