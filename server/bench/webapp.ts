/**
 * `npm run bench:webapp`: how long a customer on a phone's network waits for the menu.
 *
 * Starts the real server (production settings, the built Mini App served by it), signs a returning
 * customer in (city chosen), then opens the Mini App in real Chromium exactly as Telegram opens it
 * (signed launch data in the URL hash), each run in a fresh browser context (empty cache and storage,
 * as on a first launch), with the network emulated through the DevTools protocol. Time to first menu =
 * from navigation start to the first dish on the screen, read in the page itself. Median of the runs
 * per network profile; bytes moved as Chromium counts them on the wire.
 *
 * Needs the built apps (`npm run build`) and Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
 * Knobs (env): BENCH_RUNS (5), BENCH_PROFILES (comma list of: slow3g, fast3g, none; default slow3g,fast3g).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { demoInitData, launchHash } from '../src/auth/telegram';
import { APP_DIRS } from '../src/routes/spa';
import { BENCH_BOT_TOKEN, startServerProcess } from './server-process';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Profile {
  name: string;
  /** ms added to every request */
  latency: number;
  /** bytes per second; -1 = unthrottled */
  download: number;
  upload: number;
}

/** Chrome DevTools' presets as the issue states them: Slow 3G 400 kbit/s, 400 ms; Fast 3G 1.6 Mbit/s down, 750 kbit/s up, 150 ms. */
const PROFILES: Record<string, Profile> = {
  slow3g: { name: 'Slow 3G', latency: 400, download: (400 * 1000) / 8, upload: (400 * 1000) / 8 },
  fast3g: { name: 'Fast 3G', latency: 150, download: (1600 * 1000) / 8, upload: (750 * 1000) / 8 },
  none: { name: 'No throttling', latency: 0, download: -1, upload: -1 },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Records, inside the page, the moment the first dish appears (no polling delay from outside). */
const FIRST_MENU_PROBE = `
  (() => {
    const seen = () => document.querySelector('[data-testid="product"]');
    const done = () => { window.__firstMenu = performance.now(); };
    const obs = new MutationObserver(() => { if (seen()) { obs.disconnect(); done(); } });
    document.addEventListener('DOMContentLoaded', () => { if (seen()) done(); else obs.observe(document.body, { childList: true, subtree: true }); });
  })();
`;

async function oneRun(browser: Browser, url: string, profile: Profile): Promise<{ ms: number; bytes: number; requests: number }> {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 800 }, locale: 'ru-RU' });
  try {
    await ctx.addInitScript({ content: FIRST_MENU_PROBE });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: profile.latency,
      downloadThroughput: profile.download,
      uploadThroughput: profile.upload,
    });
    let bytes = 0;
    let requests = 0;
    cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => {
      bytes += e.encodedDataLength;
      requests++;
    });
    await page.goto(url, { waitUntil: 'commit' });
    // Run in the page (globalThis is its window; this file is type-checked for Node, without DOM types).
    type Probe = { __firstMenu?: number };
    await page.waitForFunction(() => typeof (globalThis as Probe).__firstMenu === 'number', undefined, { timeout: 60_000, polling: 50 });
    const ms = await page.evaluate(() => (globalThis as Probe).__firstMenu!);
    return { ms, bytes, requests };
  } finally {
    await ctx.close();
  }
}

async function main() {
  if (!existsSync(resolve(APP_DIRS.webapp, 'index.html'))) throw new Error('The Mini App is not built: run `npm run build` first');
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);
  const profiles = (process.env.BENCH_PROFILES ?? 'slow3g,fast3g').split(',').map((p) => {
    const prof = PROFILES[p.trim()];
    if (!prof) throw new Error(`Unknown profile ${p} (slow3g, fast3g, none)`);
    return prof;
  });

  const server = await startServerProcess({ SERVE_APPS: 'true' }, { name: 'webapp' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    // A returning customer: signed in before, city chosen (the menu is the first screen).
    const initData = demoInitData({ id: 910_000_001, first_name: 'Bench', language_code: 'ru' }, BENCH_BOT_TOKEN);
    const signIn = await fetch(`${server.base}/api/auth/telegram`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ initData }) });
    if (!signIn.ok) throw new Error(`sign-in failed: ${signIn.status} ${await signIn.text()}`);
    const { token } = (await signIn.json()) as { token: string };
    const me = await fetch(`${server.base}/api/me`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ cityId: 1 }) });
    if (!me.ok) throw new Error(`choosing a city failed: ${me.status} ${await me.text()}`);
    const url = `${server.base}/app/#${launchHash(initData, { themeParams: { bg_color: '#ffffff', text_color: '#000000', button_color: '#2481cc', button_text_color: '#ffffff' } })}`;

    // One unmeasured run: the server's first answers (statement preparation, file cache) are not a phone's wait.
    await oneRun(browser, url, PROFILES.none!);

    const rows: { profile: string; median: number; min: number; max: number; kb: number; requests: number }[] = [];
    for (const p of profiles) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await oneRun(browser, url, p));
      const ms = runs.map((r) => r.ms);
      rows.push({
        profile: p.name,
        median: median(ms),
        min: Math.min(...ms),
        max: Math.max(...ms),
        kb: median(runs.map((r) => r.bytes)) / 1024,
        requests: median(runs.map((r) => r.requests)),
      });
    }
    console.log(`\nTime to first menu, Mini App, ${RUNS} runs per profile (fresh context each run)\n`);
    console.log('| Network | median | min | max | transferred | requests |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(`| ${r.profile} | ${(r.median / 1000).toFixed(2)} s | ${(r.min / 1000).toFixed(2)} s | ${(r.max / 1000).toFixed(2)} s | ${r.kb.toFixed(1)} KB | ${r.requests} |`);
    }
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
