import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoInitData } from '../../src/auth/telegram';
import { buildTestApp, freePort } from '../helpers/app';

export { freePort } from '../helpers/app';
import { TEST_BOT_TOKEN, serverEnv } from '../helpers/env';
import { demoPickupPoint } from '../../src/db/seed-data';
import { afterAll, beforeAll } from 'vitest';
import { sleep } from './helpers';

const SERVER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A redis-server of the describe's own on a free port, for tests that take it down and bring it
 * back: started in a beforeAll, killed in the afterAll. `url` is valid from the beforeAll on.
 */
export function usePrivateRedis(): { readonly url: string; start(): Promise<void>; kill(): void } {
  let redis: ChildProcess | undefined;
  let port = 0;
  const start = async () => {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const end = Date.now() + 5000;
    for (;;) {
      const ok = await new Promise<boolean>((res) => {
        const p = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.on('exit', () => res(out.includes('PONG')));
      });
      if (ok) return;
      if (Date.now() > end) throw new Error('private redis-server did not start');
      await sleep(50);
    }
  };
  beforeAll(async () => {
    port = await freePort();
    await start();
  });
  afterAll(() => {
    redis?.kill('SIGKILL');
  });
  return {
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    start,
    kill: () => redis?.kill('SIGKILL'),
  };
}

/**
 * Two server processes on one fresh SQLite file (migrated and seeded once), with Redis between
 * them, for the describe: started in a beforeAll, stopped (and the clients kept with `keep`
 * closed, the folder removed) in the afterAll.
 */
export function useProcessPair(redisUrl: string) {
  let dir = '';
  let env: Record<string, string> = {};
  let pair: ServerProcess[] = [];
  const kept: { close(): void }[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ordercast-pair-'));
    env = { DATABASE_PATH: join(dir, 'app.db'), REDIS_URL: redisUrl, REDIS_CHANNEL: `ordercast-test-${randomBytes(6).toString('hex')}` };
    await (await buildTestApp({}, { dir })).close();
    pair = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
  }, 60_000);
  afterAll(async () => {
    for (const c of kept.splice(0)) c.close();
    await Promise.all(pair.map((p) => p.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const started = (i: number): ServerProcess => {
    const p = pair[i];
    if (!p) throw new Error('useProcessPair: the processes run between its beforeAll and afterAll');
    return p;
  };
  return {
    get a() {
      return started(0);
    },
    get b() {
      return started(1);
    },
    /** The settings both were started with (DATABASE_PATH, REDIS_URL, REDIS_CHANNEL). */
    get env() {
      return env;
    },
    get dbPath() {
      return env.DATABASE_PATH!;
    },
    /** Closed in the afterAll, before the processes stop. */
    keep<T extends { close(): void }>(c: T): T {
      kept.push(c);
      return c;
    },
  };
}

/** A real server process (`node --import tsx src/server.ts`) on its own port. */
export class ServerProcess {
  readonly http: string;
  readonly ws: string;
  output = '';
  exited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.http = `http://127.0.0.1:${port}`;
    this.ws = `ws://127.0.0.1:${port}`;
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', () => (this.exited = true));
  }

  /**
   * `nodeArgs` go before the script (e.g. `--cpu-prof` for the benchmarks, which start the server
   * this way too); `port`: a given one (a node restarted where the balancer expects it), else a free one.
   */
  static async start(env: Record<string, string>, nodeArgs: readonly string[] = [], port?: number): Promise<ServerProcess> {
    port ??= await freePort();
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/server.ts'], {
      cwd: SERVER_DIR,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...serverEnv({ LOG_LEVEL: 'warn', ...env }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p = new ServerProcess(child, port);
    // Generous: on a loaded 2-core machine a start (tsx compile, migrations) can take many seconds.
    const end = Date.now() + 180_000;
    for (;;) {
      if (p.exited) throw new Error(`server exited during start:\n${p.output}`);
      try {
        const r = await fetch(`${p.http}/health`);
        if (r.status === 200) return p;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > end) {
        p.kill();
        throw new Error(`server did not start:\n${p.output}`);
      }
      await sleep(100);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.exited) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const end = Date.now() + graceMs;
    while (!this.exited && Date.now() < end) await sleep(20);
    this.kill('SIGKILL');
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test helper: each call reads a different response shape
  async json(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.http}${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async staffToken(username: string): Promise<string> {
    const r = await this.json('POST', '/api/auth/login', { username, password: 'demo1234' });
    if (r.status !== 200) throw new Error(`login failed ${r.status}`);
    return r.body.token;
  }

  async customer(id: number): Promise<{ token: string; userId: number }> {
    const r = await this.json('POST', '/api/auth/telegram', { initData: demoInitData({ id, first_name: 'Multi' }, TEST_BOT_TOKEN) });
    if (r.status !== 200) throw new Error(`customer sign-in failed ${r.status}`);
    return { token: r.body.token, userId: r.body.user.id };
  }

  async order(token: string, cityId = 1): Promise<number> {
    const r = await this.json('POST', '/api/orders', { cityId, restaurantId: demoPickupPoint(cityId), items: [{ productId: 1, quantity: 1 }], delivery: { type: 'pickup' } }, token);
    if (r.status !== 201) throw new Error(`order failed ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.order.id;
  }
}
