import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
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
  let main: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    database = await freshDatabase('oc_cluster_main');
  });
  afterAll(async () => {
    if (main && main.exitCode === null && main.signalCode === null) {
      const exited = new Promise((r) => main!.once('exit', r));
      main.kill('SIGTERM');
      await Promise.race([exited, sleep(20_000)]);
      main.kill('SIGKILL');
    }
    await database?.drop();
  });

  it('starts two nodes on the database and its LISTEN/NOTIFY, says so in its banner, serves orders through its balancer and stops on SIGTERM', async () => {
    // The balancer's port; the nodes take the next ones (main.ts), so this leaves a gap after it.
    const port = await freePort();
    const posPort = await freePort();
    // The test servers' settings, but the POS is main.ts's own simulator, and a REDIS_URL of this
    // shell must not pick the bus.
    const { POS_URL: _notHere, ...base } = serverEnv({ LOG_LEVEL: 'warn' });
    main = spawn(process.execPath, ['--import', 'tsx', 'src/cluster/main.ts'], {
      cwd: SERVER_DIR,
      env: { PATH: process.env.PATH ?? '', ...base, DATABASE_URL: database.url, REDIS_URL: '', CLUSTER_NODES: '2', PORT: String(port), POS_SIM_PORT: String(posPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000));
    main.stdout!.on('data', keep);
    main.stderr!.on('data', keep);
    await until(() => output.includes('  POS:') || main!.exitCode !== null, 240_000, 'the cluster banner').catch((err: Error) => {
      throw new Error(`${err.message}\n${output}`);
    });
    expect(main.exitCode, output).toBeNull();
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

    const exited = new Promise<number | null>((r) => main!.once('exit', (code) => r(code)));
    main.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 300_000);
});
