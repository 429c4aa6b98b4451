import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLoggedApp, type LoggedApp } from '../helpers/app';
import { callApi, freePort } from './helpers';

/**
 * The embedded Telegram simulator logs into the server's log, without a line per request (a
 * line per long poll would drown it), and without Fastify's deprecation warning for how that
 * is switched off (FSTDEP023 was printed by every process that started a simulator).
 */
describe('the embedded Telegram simulator\'s log', () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  let t: LoggedApp;
  beforeAll(async () => {
    process.on('warning', onWarning);
    t = await buildLoggedApp('info', { TG_SIM_PORT: String(await freePort()) });
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await t.close();
  });

  it('has no line per Bot API request and no deprecation warning', async () => {
    const sim = t.app.telegramSim!;
    expect((await callApi(sim, 'getMe')).status).toBe(200);
    expect((await callApi(sim, 'noSuchMethod')).status).toBe(404);
    // Warnings are emitted on the next tick.
    await new Promise((r) => setImmediate(r));
    expect(warnings.map((w) => `${(w as Error & { code?: string }).code ?? ''} ${w.message}`)).toEqual([]);
    const simLines = t.lines.filter((l) => l.includes('"service":"tg-sim"'));
    expect(simLines.some((l) => l.includes('Telegram Bot API simulator started') || l.includes('listening'))).toBe(true);
    expect(simLines.filter((l) => /request completed|incoming request/.test(l))).toEqual([]);
  });
});
