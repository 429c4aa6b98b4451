import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { demoInitData } from '../../src/auth/telegram';
import { demoPickupPoint } from '../../src/db/seed-data';
import { TEST_BOT_TOKEN, serverEnv } from '../helpers/env';
import { freshDatabase, type TestDatabase } from '../helpers/pg';
import { requireService } from '../helpers/services';
import { freePort } from '../realtime/processes';
import { sleep, until } from '../realtime/helpers';
import { NodeClient } from './helpers';
import { multiNodeScenarios } from './scenarios';

/**
 * Several nodes on one PostgreSQL database and nothing else: no Redis, the nodes hear each other
 * over the database's LISTEN/NOTIFY (events/bus-postgres.ts). The same scenarios as on SQLite with
 * Redis (balancer.test.ts), with 30 clients at a few orders a second; then a node's LISTEN
 * connection cut from the database side; then `npm run cluster` itself on PostgreSQL.
 */
describe('three nodes on PostgreSQL, no Redis, behind the balancer', await requireService('postgres'), () => {
  // 6 ordering customers + 24 staff clients; 6 customers each ordering every ~0.6 s (+ the round trip).
  const { cluster } = multiNodeScenarios('postgres', { staffClients: 24, gapMs: 600 });

  it('/health of a node whose LISTEN connection is down says bus down (503), then up again; its clients get what was missed', async () => {
    const c = cluster();
    const i = 2;
    // Which LISTEN session is node i's: the one that appears when it starts again.
    await c.nodes[i]!.stop(15_000);
    const others = new Set(await c.busSessions());
    await c.restart(i);
    let mine: string | undefined;
    const end = Date.now() + 15_000;
    while (!(mine = (await c.busSessions()).find((a) => !others.has(a)))) {
      if (Date.now() > end) throw new Error('no new ocbus session after node restart');
      await sleep(100);
    }
    const node = c.nodes[i]!;
    const admin = await c.staff('admin');
    // A client on node i itself (not through the balancer, which stops sending there while it is down).
    const watcher = new NodeClient(node.http, admin.token, ['admin-orders'], 'ws');
    try {
      watcher.rt.connect();
      await until(() => watcher.rt.status === 'live', 15_000, 'watcher live');
      const customer = await c.customer(960_000_000);
      await c.order(customer.token);

      // End the session, and each one the node opens again, until /health has said the bus is down.
      type Health = { status: number; body: { status: string; db: string; bus: string; reasons: string[] } };
      let down: Health | undefined;
      let cutting = true;
      let cut = 0;
      const cutter = (async () => {
        while (cutting) {
          cut += await c.terminateSession(mine);
          await sleep(20);
        }
      })();
      const downBy = Date.now() + 30_000;
      while (!down && Date.now() < downBy) {
        const r = (await node.json('GET', '/health').catch(() => undefined)) as Health | undefined;
        if (r?.body?.bus === 'down') down = r;
        else await sleep(20);
      }
      cutting = false;
      await cutter;
      if (!down) throw new Error(`node ${i}'s /health never said bus down (sessions ended: ${cut})`);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'unavailable', db: 'up', bus: 'down' });
      expect(down.body.reasons).toContain('event bus disconnected');

      // Orders through the balancer meanwhile (it has stopped sending to node i).
      for (let k = 0; k < 3; k++) await c.order(customer.token);

      // It reconnects by itself, says so, and its clients get what was committed meanwhile.
      const upBy = Date.now() + 30_000;
      let up: Health | undefined;
      while (Date.now() < upBy) {
        const r = (await node.json('GET', '/health').catch(() => undefined)) as Health | undefined;
        if (r?.status === 200 && r.body.bus === 'up') {
          up = r;
          break;
        }
        await sleep(100);
      }
      expect(up, `node ${i}'s /health never came back`).toBeDefined();
      expect(await c.busSessions()).toHaveLength(3);
      const log = await c.log(await c.logHead());
      await until(() => watcher.caughtUp(log), 30_000, 'the watcher on node i to get the events committed while its bus was down');
      const { got, want } = watcher.check(log);
      expect(got).toEqual(want);
    } finally {
      watcher.rt.close();
    }
  }, 120_000);
});

const SERVER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm run cluster on PostgreSQL without Redis', await requireService('postgres'), () => {
  let database: TestDatabase;
  let dir = '';
  let main: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    database = await freshDatabase('oc_cluster_main');
    dir = mkdtempSync(join(tmpdir(), 'ordercast-cluster-main-'));
  });
  afterAll(async () => {
    await stopMain();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `npm run cluster` (its script, without the build of the apps) with two nodes on the test database; `port`: its balancer's. */
  async function startMain(): Promise<{ port: number; posPort: number }> {
    // The balancer's port; the nodes take the next ones (main.ts), so this leaves a gap after it.
    const port = await freePort();
    const posPort = await freePort();
    // The test servers' settings, but the POS is main.ts's own simulator, and a REDIS_URL of this
    // shell must not pick the bus. DATABASE_PATH only places node 1's demo-link file (in `dir`).
    const { POS_URL: _notHere, ...base } = serverEnv({ LOG_LEVEL: 'warn' });
    output = '';
    main = spawn(process.execPath, ['--import', 'tsx', 'src/cluster/main.ts'], {
      cwd: SERVER_DIR,
      env: {
        PATH: process.env.PATH ?? '',
        ...base,
        DATABASE_URL: database.url,
        DATABASE_PATH: join(dir, 'unused.db'),
        POS_SIM_DATABASE_PATH: ':memory:',
        REDIS_URL: '',
        CLUSTER_NODES: '2',
        PORT: String(port),
        POS_SIM_PORT: String(posPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000));
    main.stdout!.on('data', keep);
    main.stderr!.on('data', keep);
    return { port, posPort };
  }

  /** SIGTERM to the cluster; its exit code (SIGKILL after 30 s: null). */
  async function stopMain(): Promise<number | null> {
    const m = main;
    if (!m || m.exitCode !== null || m.signalCode !== null) return m?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => m.once('exit', (code) => r(code)));
    m.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(30_000).then(() => 'late' as const)]);
    if (code !== 'late') return code;
    m.kill('SIGKILL');
    return null;
  }

  /** The processes `main` started (pos-sim and nodes), by parent pid. */
  function childrenOf(pid: number): number[] {
    const out = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout;
    return out.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
  }

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('a SIGTERM while the nodes are still starting stops them all (none left without it)', async () => {
    await startMain();
    // Node 1 is up; node 2 and the balancer not yet (main.ts starts them after node 1 is healthy).
    await until(() => output.includes('[node-1] ordercast is running') || main!.exitCode !== null, 240_000, 'node 1 to start').catch((err: Error) => {
      throw new Error(`${err.message}\n${output}`);
    });
    const started = childrenOf(main!.pid!);
    expect(started.length, output).toBeGreaterThanOrEqual(2);
    expect(await stopMain()).toBe(0);
    await until(() => !started.some(alive), 30_000, 'every child of the cluster to exit');
  }, 300_000);

  it('starts two nodes on the database and its LISTEN/NOTIFY, says so in its banner, serves orders through its balancer and stops on SIGTERM', async () => {
    const { port } = await startMain();
    // The cluster's banner ends with this line (the nodes' own lines start with their [node-i] prefix).
    await until(() => /^ {2}Try: /m.test(output) || main!.exitCode !== null, 240_000, 'the cluster banner').catch((err: Error) => {
      throw new Error(`${err.message}\n${output}`);
    });
    expect(main!.exitCode, output).toBeNull();
    expect(output).toMatch(/ordercast cluster: 2 nodes behind a load balancer/);
    expect(output).toMatch(new RegExp(`Database: +PostgreSQL postgres://[^\\n]*/${database.name}`));
    expect(output).toMatch(/Bus: +PostgreSQL LISTEN\/NOTIFY \(no Redis\)/);

    // Both nodes listen on the database: the PostgreSQL bus, not Redis.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(
        "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'ocbus:%'",
      );
      expect(Number(rows[0]!.n)).toBe(2);
    } finally {
      await client.end();
    }

    const url = `http://127.0.0.1:${port}`;
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ db: 'up', bus: 'up' });
    const signIn = await fetch(`${url}/api/auth/telegram`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ initData: demoInitData({ id: 970_000_000, first_name: 'Main' }, TEST_BOT_TOKEN) }),
    });
    expect(signIn.status).toBe(200);
    const { token } = (await signIn.json()) as { token: string };
    for (let k = 0; k < 2; k++) {
      const r = await fetch(`${url}/api/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ cityId: 1, restaurantId: demoPickupPoint(1), items: [{ productId: 1, quantity: 1 }], delivery: { type: 'pickup' } }),
      });
      expect(r.status, await r.clone().text()).toBe(201);
    }

    const started = childrenOf(main!.pid!);
    expect(await stopMain()).toBe(0);
    await until(() => !started.some(alive), 30_000, 'every child of the cluster to exit');
  }, 300_000);
});
