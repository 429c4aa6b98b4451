/*
 * What the browser tests of both apps share: the real server serving the built apps on an
 * ephemeral port with one headless Chromium (`useBrowserStage`), or the Telegram simulator's chat
 * page with the bot's server behind it (`useBotStage`); a customer launched as Telegram launches the
 * Mini App; a manager signed in on the board; a WebSocket that never opens.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { User } from '@ordercast/shared';
import { launchChromium } from '../../../../server/test/helpers/browser';
import { bearer, buildTestApp, listen, TEST_BOT_TOKEN, useClosing, type TestApp } from '../../../../server/test/helpers/app';
import { startBotServer, startSim, waitFor } from '../../../../server/test/bot/helpers';
import { demoInitData, launchHash, type TelegramUser } from '../../../../server/src/auth/telegram';
import type { TelegramSimulator } from '../../../../server/src/telegram-sim/index';
import { ensureBuilt, ROOT } from './build';

export { ensureBuilt, ROOT } from './build';

/** Building an app first takes minutes on a busy machine. */
const SETUP_TIMEOUT = 400_000;

/** A phone's window (the Mini App's) and a manager's screen (the board's). */
export const PHONE = { width: 390, height: 800 };
export const DESKTOP = { width: 1440, height: 900 };

/** test-artifacts/<name>, made if missing: where a test's screenshots land. */
export function artifacts(name: string): string {
  const dir = join(ROOT, 'test-artifacts', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Whether the Mini App is built (the bot's tests skip when it is not, as `npm test` builds it first). */
export const webappBuilt = (): boolean => existsSync(join(ROOT, 'webapp/dist/index.html'));

export type BrowserStage = TestApp & {
  /** The server's http://127.0.0.1:<port>. */
  base: string;
  browser: Browser;
  /** A new browser context, closed with the stage. */
  context(opts?: BrowserContextOptions): Promise<BrowserContext>;
};

/**
 * For the enclosing `describe` (or file): `apps` built when missing or stale, the server serving
 * them (`env` added to its settings) on an ephemeral port, and Chromium; all closed in the
 * afterAll, the contexts first.
 */
export function useBrowserStage(apps: readonly ('webapp' | 'admin')[], env: Record<string, string> = {}): BrowserStage {
  return useClosing(
    'useBrowserStage',
    async () => {
      for (const app of apps) ensureBuilt(app);
      const t = await buildTestApp({ SERVE_APPS: 'true', ...env });
      const contexts: BrowserContext[] = [];
      let browser: Browser | undefined;
      const close = async () => {
        for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
        await browser?.close().catch(() => undefined);
        await t.close();
      };
      try {
        const { http } = await listen(t.app);
        browser = await launchChromium();
        const b = browser;
        return { ...t, base: http, browser: b, context: async (opts?: BrowserContextOptions) => (contexts.push(await b.newContext(opts)), contexts.at(-1)!), close };
      } catch (err) {
        await close();
        throw err;
      }
    },
    ['app', 'config', 'dir', 'base', 'browser', 'context'],
    SETUP_TIMEOUT,
  );
}

/** A Telegram customer as the Mini App is launched: signed launch data and its URL hash, and a token for the test's own API calls. */
export interface LaunchedCustomer {
  initData: string;
  hash: string;
  token: string;
  user: User;
}

let nextTelegramId = 720_000_000;

/**
 * Signs a (new, unless `tg.id` is given) Telegram customer in through the real endpoint with the
 * launch data Telegram would sign; with `cityId`, the customer has chosen that city.
 */
export async function launchCustomer(
  app: FastifyInstance,
  tg: Partial<TelegramUser> = {},
  opts: { cityId?: number; theme?: Record<string, string> } = {},
): Promise<LaunchedCustomer> {
  const initData = demoInitData({ id: tg.id ?? nextTelegramId++, first_name: tg.first_name ?? 'E2E', language_code: 'en', ...tg }, TEST_BOT_TOKEN);
  const res = await app.inject({ method: 'POST', url: '/api/auth/telegram', payload: { initData } });
  expect(res.statusCode, res.body).toBe(200);
  const { token, user } = res.json() as { token: string; user: User };
  if (opts.cityId !== undefined) {
    const chosen = await app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(token), payload: { cityId: opts.cityId } });
    expect(chosen.statusCode, chosen.body).toBe(200);
  }
  return { initData, token, user, hash: launchHash(initData, opts.theme ? { themeParams: opts.theme } : {}) };
}

/**
 * The Mini App opened at `path` in a new phone-sized context, as Telegram opens it (`hash`: the
 * launch data; null for none); `init` prepares the context first. Page errors are collected.
 */
export async function openMiniApp(
  stage: BrowserStage,
  path: string,
  hash: string | null,
  opts: BrowserContextOptions & { init?: (ctx: BrowserContext) => Promise<unknown> } = {},
): Promise<{ page: Page; ctx: BrowserContext; errors: Error[] }> {
  const { init, ...ctxOpts } = opts;
  const ctx = await stage.context({ viewport: PHONE, locale: 'en-US', ...ctxOpts });
  if (init) await init(ctx);
  const page = await ctx.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${stage.base}${path}${hash ? `#${hash}` : ''}`);
  return { page, ctx, errors };
}

/**
 * A member of staff signed in on the admin board in a new desktop context (English unless `locale`
 * says otherwise), once the board shows; page errors go to `errors` when given.
 */
export async function openBoard(
  stage: BrowserStage,
  username: string,
  opts: { password?: string; width?: number; locale?: string; errors?: Error[] } = {},
): Promise<Page> {
  const ctx = await stage.context({ viewport: { ...DESKTOP, width: opts.width ?? DESKTOP.width }, locale: opts.locale ?? 'en-GB' });
  const page = await ctx.newPage();
  const errors = opts.errors;
  if (errors) page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${stage.base}/admin/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(opts.password ?? 'demo1234');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('board').waitFor({ timeout: 15_000 });
  return page;
}

/** Every WebSocket the context's pages make never opens, as behind a proxy that blocks it: the client falls back to SSE. */
export async function blockWebSocket(ctx: BrowserContext): Promise<void> {
  await ctx.addInitScript(() => {
    class BlockedWebSocket {
      static CONNECTING = 0;
      static OPEN = 1;
      static CLOSING = 2;
      static CLOSED = 3;
      readyState = 0;
      onopen: ((e: unknown) => void) | null = null;
      onmessage: ((e: unknown) => void) | null = null;
      onerror: ((e: unknown) => void) | null = null;
      onclose: ((e: unknown) => void) | null = null;
      constructor(readonly url: string) {
        setTimeout(() => {
          this.readyState = 3;
          this.onerror?.({ type: 'error' });
          this.onclose?.({ code: 1006, reason: 'blocked', wasClean: false });
        }, 30);
      }
      send(): void {
        throw new Error('not open');
      }
      close(): void {}
      addEventListener(): void {}
      removeEventListener(): void {}
    }
    (window as unknown as { WebSocket: unknown }).WebSocket = BlockedWebSocket;
  });
}

export type BotStage = TestApp & {
  /** The server's own URL (its PUBLIC_URL). */
  url: string;
  sim: TelegramSimulator;
  /** The browser context of the simulator's chat page (the Mini App's pages open in it too). */
  ctx: BrowserContext;
  /** The simulator's chat page. */
  page: Page;
};

/**
 * For the enclosing `describe`: the Telegram simulator, the server with its bot on (webhook set)
 * serving the built apps, and Chromium at the simulator's chat page; all closed in the afterAll.
 */
export function useBotStage(): BotStage {
  return useClosing(
    'useBotStage',
    async () => {
      const sim = await startSim();
      let t: (TestApp & { url: string }) | undefined;
      let browser: Browser | undefined;
      const close = async () => {
        await browser?.close().catch(() => undefined);
        await t?.close();
        await sim.close();
      };
      try {
        t = await startBotServer(sim.url, { SERVE_APPS: 'true' });
        const app = t.app;
        await waitFor(() => app.telegramBot?.state === 'ready', 'the bot to set its webhook');
        browser = await launchChromium();
        const ctx = await browser.newContext({ viewport: { width: 1100, height: 760 }, deviceScaleFactor: 1 });
        const page = await ctx.newPage();
        await page.goto(sim.url);
        return { ...t, sim, ctx, page, close };
      } catch (err) {
        await close();
        throw err;
      }
    },
    ['app', 'config', 'dir', 'url', 'sim', 'ctx', 'page'],
    120_000,
  );
}

/** A user sends `/start <payload>` from the simulator's chat page. */
export async function startBot(stage: BotStage, user: { id: number; name: string; lang: 'ru' | 'en' }, payload: string): Promise<void> {
  const { page } = stage;
  await page.fill('input[name=id]', String(user.id));
  await page.fill('input[name=first_name]', user.name);
  await page.selectOption('select[name=language_code]', user.lang);
  await page.fill('input[name=payload]', payload);
  await page.click('#start button[type=submit], #start button:not([type])');
}

/** Clicks the web_app button `text` of the chat's last bot message; returns the Mini App page it opened. */
export async function openButton(stage: BotStage, chatId: number, text: string): Promise<Page> {
  const button = stage.page.locator(`section.phone[data-chat="${chatId}"] .msg.bot`).last().getByText(text);
  await button.waitFor({ timeout: 15_000 });
  const [app] = await Promise.all([stage.ctx.waitForEvent('page'), button.click()]);
  await app.waitForLoadState();
  return app;
}
