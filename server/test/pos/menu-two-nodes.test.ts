import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PosSimulator } from '../../src/pos/simulator/index';
import type { TestApp } from '../helpers/app';
import { buildServer, lastEventId, readEvents, setControl, sleep, startSimulator, waitFor } from './helpers';

/** The periodic import's interval: long beside a refused request or an import, short for a test. */
const INTERVAL_MS = 500;

/**
 * A pass-through to the POS simulator that counts full menu imports (`GET /menu` without a city:
 * the idle probe asks for one city's menu and is not counted).
 */
async function countingProxy(target: string): Promise<{ url: string; imports(): number; close(): Promise<void> }> {
  let imports = 0;
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/menu') imports++;
    const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    // The simulator's outage refuses connections: so does the proxy, by dropping the client's.
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    imports: () => imports,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * Issue 13: two nodes (two app instances on one database: one SQLite file here, one PostgreSQL
 * database on the suite's PostgreSQL pass), each with its menu import on, against one POS over HTTP.
 * The periodic import happens once per interval for the whole deployment, not once per node.
 */
describe('the periodic menu import on two nodes of one database', () => {
  let sim: PosSimulator;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    sim = await startSimulator();
    proxy = await countingProxy(sim.url);
    const env = { POS_URL: proxy.url, MENU_SYNC_INTERVAL_MS: String(INTERVAL_MS) };
    a = await buildServer(sim, env);
    // The second node on the first one's folder: the same SQLite file (or PostgreSQL database).
    b = await buildServer(sim, env, { dir: a.dir });
    await waitFor(async () => (await a.app.pos.menu.state()).status === 'ok', 'first import');
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await proxy?.close();
    await sim?.close();
  });

  it('with the POS up, the menu is imported once per interval, not once per node', async () => {
    const before = proxy.imports();
    const windowMs = 5 * INTERVAL_MS;
    await sleep(windowMs);
    const imports = proxy.imports() - before;
    // Two attempts are at least an interval apart, so a window of five intervals holds at most six
    // (each node on its own timer: about ten). Timers only fire late, so at least two happen.
    expect(imports).toBeLessThanOrEqual(windowMs / INTERVAL_MS + 1);
    expect(imports).toBeGreaterThanOrEqual(2);
  });

  it('with the POS down, each interval counts one failure and tells staff once', async () => {
    const from = await lastEventId(a.app);
    await setControl(sim, { outage: 'refuse' });
    let alerts;
    let failures;
    try {
      await waitFor(async () => (await a.app.pos.menu.state()).failures >= 4, 'four failed imports', 15_000);
      alerts = (await readEvents(a.app, from)).filter((e) => e.type === 'sync-error' && e.data.entity === 'menu');
      failures = (await b.app.pos.menu.state()).failures;
    } finally {
      await setControl(sim, { outage: false });
    }
    // One alert per failure counted, numbered 1, 2, 3, … (each node on its own timer: two per interval).
    expect(alerts.map((e) => e.data.attempt)).toEqual(alerts.map((_, i) => i + 1));
    expect(alerts.length).toBeGreaterThanOrEqual(4);
    // (One more may have failed between the two reads.)
    expect([alerts.length, alerts.length + 1]).toContain(failures);
    // No two failures within one interval: the attempts (each alert's next attempt is its own + an
    // interval) are an interval apart, and so, give or take a refused request's time, are the alerts.
    const next = alerts.map((e) => Date.parse(String(e.data.nextRetryAt)));
    const times = alerts.map((e) => Date.parse(String(e.data.timestamp)));
    for (let i = 1; i < alerts.length; i++) {
      expect(next[i]! - next[i - 1]!, `attempt ${i + 1} after attempt ${i}`).toBeGreaterThanOrEqual(INTERVAL_MS);
      expect(times[i]! - times[i - 1]!, `alert ${i + 1} after alert ${i}`).toBeGreaterThanOrEqual(INTERVAL_MS / 2);
    }

    // The recovery is announced once, by whichever node imports first.
    await waitFor(async () => (await a.app.pos.menu.state()).status === 'ok', 'recovered');
    await sleep(2 * INTERVAL_MS);
    const successes = (await readEvents(a.app, from)).filter((e) => e.type === 'sync-success' && e.data.entity === 'menu');
    expect(successes).toHaveLength(1);
  });
});

describe('a node that stops in the middle of an import', () => {
  it('gives its claim back: the next node imports at once, not an interval later', async () => {
    // A POS that takes the request and never answers: the first node's import hangs until it stops.
    const hung: Server = createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const sim = await startSimulator();
    const long = { MENU_SYNC_INTERVAL_MS: '600000', POS_TIMEOUT_MS: '60000' };
    let b: TestApp | undefined;
    try {
      const a = await buildServer(sim, { ...long, POS_URL: `http://127.0.0.1:${(hung.address() as AddressInfo).port}` });
      await waitFor(async () => (await a.app.pos.menu.state()).last_attempt_at !== null, 'the first node claims its import');
      await a.app.close(); // aborts the hanging request
      b = await buildServer(sim, long, { dir: a.dir });
      await waitFor(async () => (await b!.app.pos.menu.state()).status === 'ok', 'the second node imports at its start');
    } finally {
      await b?.close();
      await sim.close();
      hung.closeAllConnections();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });
});
