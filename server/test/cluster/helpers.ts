import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import type { ConnectionStatus } from '@ordercast/shared';
import { createRealtimeClient, type EventSourceLike, type RealtimeClient, type WebSocketLike } from '@ordercast/shared/client';
import { demoInitData } from '../../src/auth/telegram';
import { Balancer } from '../../src/cluster/balancer';
import { demoPickupPoint } from '../../src/db/seed-data';
import { startPosSimulator, type PosSimulator } from '../../src/pos/simulator';
import { buildTestApp } from '../helpers/app';
import { TEST_BOT_TOKEN } from '../helpers/env';
import { TEST_REDIS_URL } from '../helpers/services';
import { ServerProcess, freePort } from '../realtime/processes';
import { sleep, until } from '../realtime/helpers';

/*
 * Several real server processes on one SQLite file, Redis between them, the local balancer of
 * `npm run cluster` in front and the POS simulator behind: the multi-node tests' world. Clients
 * are the shared realtime client (the apps' own) pointed at the balancer; each records every raw
 * frame its transports receive, before the client's own duplicate filter, so a repeat sent by a
 * server is seen.
 */

const SECRET = 'cluster-test-pos-webhook-secret';

export class Cluster {
  readonly nodes: (ServerProcess | null)[] = [];
  private constructor(
    readonly dir: string,
    readonly env: Record<string, string>,
    readonly ports: number[],
    readonly balancer: Balancer,
    readonly pos: PosSimulator,
  ) {}

  static async start(count: number): Promise<Cluster> {
    const dir = mkdtempSync(join(tmpdir(), 'ordercast-cluster-'));
    // Migrated and seeded once, before the nodes start on the same file.
    await (await buildTestApp({}, { dir })).close();
    const balancerPort = await freePort();
    const pos = await startPosSimulator({ port: 0, webhookSecret: SECRET, serverUrl: `http://127.0.0.1:${balancerPort}` });
    const env = {
      DATABASE_PATH: join(dir, 'app.db'),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_CHANNEL: `ordercast-cluster-${randomBytes(6).toString('hex')}`,
      POS_URL: pos.url,
      POS_WEBHOOK_SECRET: SECRET,
      POS_TIMEOUT_MS: '2000',
      POS_RETRY_BASE_MS: '200',
      POS_RETRY_MAX_MS: '1000',
      PUBLIC_URL: `http://127.0.0.1:${balancerPort}`,
      TRUST_PROXY: 'loopback',
      // Three of the balancer's health checks: it has stopped sending here before the sockets close.
      SHUTDOWN_DRAIN_MS: '1500',
      // Every test client comes from 127.0.0.1.
      LOGIN_RATE_LIMIT: '1000',
      LOGIN_ADDRESS_LIMIT: '1000',
      POS_WEBHOOK_MAX_EVENT_LOOP_DELAY_MS: '0',
    };
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    const nodes = await Promise.all(ports.map((p) => ServerProcess.start(env, [], p)));
    const balancer = await Balancer.start({ nodes: nodes.map((n) => n.http), port: balancerPort, healthIntervalMs: 250 });
    const c = new Cluster(dir, env, ports, balancer, pos);
    c.nodes.push(...nodes);
    return c;
  }

  get url(): string {
    return this.balancer.url;
  }

  /** Starts node i again on its port and waits until the balancer sends to it. */
  async restart(i: number): Promise<void> {
    this.nodes[i] = await ServerProcess.start(this.env, [], this.ports[i]);
    await until(() => this.balancer.status()[i]!.healthy, 10_000, `balancer to see node ${i}`);
  }

  async close(): Promise<void> {
    await this.balancer.close();
    await Promise.all(this.nodes.map((n) => n?.stop()));
    await this.pos.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  db<T>(fn: (db: Database.Database) => T): T {
    const db = new Database(this.env.DATABASE_PATH!, { readonly: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }

  /** Durable event ids for these rooms in (after, upTo]. */
  logIds(rooms: readonly string[], after: number, upTo = Number.MAX_SAFE_INTEGER): number[] {
    return this.db((db) =>
      (db.prepare('SELECT id, rooms FROM events WHERE id > ? AND id <= ? ORDER BY id').all(after, upTo) as { id: number; rooms: string }[])
        .filter((r) => (JSON.parse(r.rooms) as string[]).some((x) => rooms.includes(x)))
        .map((r) => r.id),
    );
  }

  logHead(): number {
    return this.db((db) => (db.prepare('SELECT MAX(id) AS m FROM events').get() as { m: number | null }).m ?? 0);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test helper: each call reads a different response shape
  async json(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  }

  async customer(telegramId: number): Promise<{ token: string; userId: number }> {
    const r = await this.json('POST', '/api/auth/telegram', { initData: demoInitData({ id: telegramId, first_name: 'Node' }, TEST_BOT_TOKEN) });
    if (r.status !== 200) throw new Error(`customer sign-in failed ${r.status}`);
    return { token: r.body.token, userId: r.body.user.id };
  }

  async staff(username: string): Promise<{ token: string; userId: number }> {
    const r = await this.json('POST', '/api/auth/login', { username, password: 'demo1234' });
    if (r.status !== 200) throw new Error(`login failed ${r.status}`);
    return { token: r.body.token, userId: r.body.user.id };
  }

  /**
   * Places an order through the balancer as a client should: on a network error or a 5xx it
   * retries with the same Idempotency-Key until a 201 (or the deadline). Returns the order id
   * and how many attempts it took.
   */
  async order(token: string, deadlineMs = 30_000): Promise<{ id: number; attempts: number; key: string }> {
    const key = randomUUID();
    const end = Date.now() + deadlineMs;
    for (let attempts = 1; ; attempts++) {
      try {
        const r = await this.json(
          'POST',
          '/api/orders',
          { cityId: 1, restaurantId: demoPickupPoint(1), items: [{ productId: 1, quantity: 1 }], delivery: { type: 'pickup' } },
          { authorization: `Bearer ${token}`, 'idempotency-key': key },
        );
        if (r.status === 201) return { id: r.body.order.id, attempts, key };
        if (r.status < 500) throw new Error(`order refused ${r.status} ${JSON.stringify(r.body)}`);
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('order refused')) throw err;
      }
      if (Date.now() > end) throw new Error(`order with key ${key} failed for ${deadlineMs} ms`);
      await sleep(100);
    }
  }
}

/** A realtime client through the balancer that records raw frames (ids as servers sent them) and its statuses. */
export class NodeClient {
  readonly rt: RealtimeClient;
  /** Durable event ids in the order the transports received them, repeats included. */
  readonly rawIds: number[] = [];
  readonly statuses: ConnectionStatus[] = [];
  /** Close codes of its WebSockets / `reconnect` codes of its streams. */
  readonly closes: number[] = [];
  firstId: number | null = null;

  constructor(
    base: string,
    readonly token: string,
    readonly rooms: string[],
    transport: 'ws' | 'sse',
  ) {
    const tap = (data: unknown) => {
      const text = String(data);
      const m = /"id":(\d+)\}$/.exec(text);
      if (m && text.startsWith('{"type"')) this.rawIds.push(Number(m[1]));
      if (text.startsWith('{"type":"reconnect"')) this.closes.push((JSON.parse(text) as { data: { code: number } }).data.code);
    };
    const closes = this.closes;
    class TapWs implements WebSocketLike {
      private readonly ws: WebSocket;
      onopen: ((ev: unknown) => unknown) | null = null;
      onmessage: ((ev: { data: unknown }) => unknown) | null = null;
      onerror: ((ev: unknown) => unknown) | null = null;
      onclose: ((ev: { code: number; reason: string }) => unknown) | null = null;
      constructor(url: string) {
        this.ws = new WebSocket(url, { perMessageDeflate: false });
        this.ws.onopen = (e) => this.onopen?.(e);
        this.ws.onmessage = (e) => {
          tap(e.data);
          this.onmessage?.(e);
        };
        this.ws.onerror = (e) => this.onerror?.(e);
        this.ws.onclose = (e) => {
          closes.push(e.code);
          this.onclose?.(e);
        };
      }
      get readyState() {
        return this.ws.readyState;
      }
      send(d: string) {
        this.ws.send(d);
      }
      close(code?: number, reason?: string) {
        this.ws.close(code, reason);
      }
    }
    class TapEs implements EventSourceLike {
      private readonly es: EventSource;
      onopen: ((ev: unknown) => unknown) | null = null;
      onmessage: ((ev: { data: unknown }) => unknown) | null = null;
      onerror: ((ev: unknown) => unknown) | null = null;
      constructor(url: string) {
        this.es = new EventSource(url);
        this.es.onopen = (e) => this.onopen?.(e);
        this.es.onmessage = (e) => {
          tap(e.data);
          this.onmessage?.(e);
        };
        this.es.onerror = (e) => this.onerror?.(e);
      }
      get readyState() {
        return this.es.readyState;
      }
      close() {
        this.es.close();
      }
    }
    this.rt = createRealtimeClient({
      baseUrl: base,
      getToken: () => token,
      WebSocket: TapWs,
      EventSource: TapEs,
      transports: [transport],
      backoff: { initialMs: 100, maxMs: 1000 },
    });
    this.rt.onStatus((s) => this.statuses.push(s));
    this.rt.onMessage((m) => {
      if ('id' in m && typeof m.id === 'number') this.firstId ??= m.id;
    });
  }

  /** The raw ids received after the first, checked against the log: no gap, no repeat, in order. */
  check(cluster: Cluster, upTo: number): { got: number[]; want: number[] } {
    const first = this.rawIds[0] ?? 0;
    return { got: this.rawIds.filter((id) => id <= upTo), want: [first, ...cluster.logIds(this.rooms, first, upTo)].filter((x) => x > 0) };
  }

  /** The last event of its rooms up to `upTo`. */
  logLast(cluster: Cluster, upTo: number): number | undefined {
    return cluster.logIds(this.rooms, this.rawIds[0] ?? 0, upTo).at(-1);
  }

  /** Has it received every event of its rooms up to `upTo`? */
  caughtUp(cluster: Cluster, upTo: number): boolean {
    const want = cluster.logIds(this.rooms, this.rawIds[0] ?? 0, upTo);
    return want.length === 0 || (this.rawIds.at(-1) ?? 0) >= want.at(-1)!;
  }
}
