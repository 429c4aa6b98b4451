import { startTelegramSimulator, type TelegramSimulator, type TelegramSimulatorOptions } from '../../src/telegram-sim/index';
import type { SimChat, Update } from '../../src/telegram-sim/state';
import type { InjectBody } from '../../src/telegram-sim/wire';
import { buildLoggedApp, buildTestApp, freePort, TEST_BOT_TOKEN, type LoggedApp, type TestApp } from '../helpers/app';

export { freePort } from '../helpers/app';

export { waitFor, sleep } from '../pos/helpers';
export const WEBHOOK_SECRET = 'test-telegram-webhook-secret';

export function startSim(opts: Partial<TelegramSimulatorOptions> = {}): Promise<TelegramSimulator> {
  return startTelegramSimulator({ port: 0, botToken: TEST_BOT_TOKEN, ...opts });
}

/**
 * The server with its bot on, talking to `apiRoot` (a simulator) over HTTP, listening on a real
 * port that PUBLIC_URL names (so webhook deliveries and Mini App links point at it).
 */
export async function startBotServer(apiRoot: string, env: Record<string, string> = {}, opts: { dir?: string } = {}): Promise<TestApp & { url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = await buildTestApp({
    TELEGRAM_BOT: 'true',
    TELEGRAM_API_ROOT: apiRoot,
    TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    TELEGRAM_UPDATES: 'webhook',
    PUBLIC_URL: url,
    ...env,
  }, opts);
  await t.app.listen({ port, host: '127.0.0.1' });
  return { ...t, url };
}

export async function control<T = unknown>(sim: TelegramSimulator, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${sim.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export const inject = async (sim: TelegramSimulator, body: InjectBody) => (await control<{ update: Update }>(sim, '/control/updates', body)).update;
export const chatOf = (sim: TelegramSimulator, id: number) => control<SimChat>(sim, `/control/chats/${id}`).catch(() => null);

/** A Bot API call over HTTP as any client would make it. */
export async function callApi(sim: TelegramSimulator, method: string, params: Record<string, unknown> = {}, token = TEST_BOT_TOKEN) {
  const res = await fetch(`${sim.url}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; result?: unknown; error_code?: number; description?: string; parameters?: { retry_after?: number } } };
}

/** The server with its bot on and its log lines captured (not listening: webhook-less polling needs no port). */
export function buildLoggedBotApp(env: Record<string, string>): Promise<LoggedApp> {
  // The POS sync worker stays on, as in any server (buildLoggedApp turns it off by default).
  return buildLoggedApp('info', { POS_SYNC_WORKER: 'true', TELEGRAM_BOT: 'true', TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, ...env });
}
