import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoInitData } from '../../src/auth/telegram';
import { TEST_BOT_TOKEN, serverEnv } from '../helpers/env';
import { demoPickupPoint } from '../../src/db/seed-data';
import { sleep } from './helpers';

const SERVER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
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

  /** `nodeArgs` go before the script (e.g. `--cpu-prof` for the benchmarks, which start the server this way too). */
  static async start(env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/server.ts'], {
      cwd: SERVER_DIR,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...serverEnv({ LOG_LEVEL: 'warn', ...env }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p = new ServerProcess(child, port);
    // A cold start (tsx compiling, migrations, demo data) takes 20 s and more on a loaded 2-core machine.
    const end = Date.now() + 60_000;
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

  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const end = Date.now() + 5000;
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
