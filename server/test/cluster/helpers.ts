import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventSource } from 'eventsource';
import pg from 'pg';
import { WebSocket } from 'ws';
import type { ConnectionStatus } from '@ordercast/shared';
import { createRealtimeClient, type EventSourceLike, type RealtimeClient, type WebSocketLike } from '@ordercast/shared/client';
import { demoInitData } from '../../src/auth/telegram';
import { Balancer } from '../../src/cluster/balancer';
import { demoPickupPoint } from '../../src/db/seed-data';
import { startPosSimulator, type PosSimulator } from '../../src/pos/simulator';
import { buildTestApp } from '../helpers/app';
import { TEST_BOT_TOKEN } from '../helpers/env';
import { freshDatabase, type TestDatabase } from '../helpers/pg';
import { TEST_REDIS_URL } from '../helpers/services';
import { ServerProcess, freePort } from '../realtime/processes';
import { sleep, until } from '../realtime/helpers';

/*
 * Several real server processes, the local balancer of `npm run cluster` in front and the POS
 * simulator behind: the multi-node tests' world, in either deployment of `npm run cluster`:
 *  - 'sqlite': one SQLite file, Redis between the nodes;
 *  - 'postgres': one (fresh) PostgreSQL database, no Redis: the nodes hear each other over its
 *    LISTEN/NOTIFY (events/bus-postgres.ts).
 * Clients are the shared realtime client (the apps' own) pointed at the balancer; each records
 * every raw frame its transports receive, before the client's own duplicate filter, so a repeat
 * sent by a server is seen.
 */

const SECRET = 'cluster-test-pos-webhook-secret';

export type ClusterDb = 'sqlite' | 'postgres';

/** A durable event as the checks read it from the log. */
export interface LogRow {
  id: number;
  rooms: string[];
}

/** Reads the cluster's database from the test: `?` placeholders on both. */
interface Reader {
  rows<T>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

function sqliteReader(path: string): Reader {
  return {
    async rows<T>(text: string, params: unknown[] = []) {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare(text).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    close: async () => undefined,
  };
}

function postgresReader(url: string): Reader {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  return {
    async rows<T>(text: string, params: unknown[] = []) {
      let n = 0;
      return (await pool.query(text.replace(/\?/g, () => `$${++n}`), params)).rows as T[];
    },
    close: () => pool.end(),
  };
}

export class Cluster {
  readonly nodes: (ServerProcess | null)[] = [];
  private constructor(
    readonly db: ClusterDb,
    readonly dir: string,
    readonly env: Record<string, string>,
    readonly ports: number[],
    readonly balancer: Balancer,
    readonly pos: PosSimulator,
    private readonly reader: Reader,
    private readonly database: TestDatabase | null,
  ) {}

  static async start(count: number, db: ClusterDb = 'sqlite'): Promise<Cluster> {
    const dir = mkdtempSync(join(tmpdir(), 'ordercast-cluster-'));
    const database = db === 'postgres' ? await freshDatabase('oc_cluster') : null;
    // Where the nodes keep their data and how they hear each other (no REDIS_URL on PostgreSQL:
    // the bus is then LISTEN/NOTIFY, plugins/app/events.ts).
    // (On PostgreSQL DATABASE_PATH only places the demo-link file, here rather than in server/data.)
    const store: Record<string, string> = database
      ? { DATABASE_URL: database.url, DATABASE_PATH: join(dir, 'app.db') }
      : { DATABASE_PATH: join(dir, 'app.db'), REDIS_URL: TEST_REDIS_URL, REDIS_CHANNEL: `ordercast-cluster-${randomBytes(6).toString('hex')}` };
    // Migrated and seeded once, before the nodes start on the same database.
    await (await buildTestApp(store, { dir })).close();
    const balancerPort = await freePort();
    const pos = await startPosSimulator({ port: 0, webhookSecret: SECRET, serverUrl: `http://127.0.0.1:${balancerPort}` });
    const env: Record<string, string> = {
      ...store,
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
    const reader = database ? postgresReader(database.url) : sqliteReader(env.DATABASE_PATH!);
    const c = new Cluster(db, dir, env, ports, balancer, pos, reader, database);
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
    await this.reader.close();
    await this.database?.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Rows of the cluster's database, read from the test (`?` placeholders; numbers may come back as text on PostgreSQL). */
  rows<T>(text: string, params: unknown[] = []): Promise<T[]> {
    return this.reader.rows<T>(text, params);
  }

  /**
   * The application names of the nodes' LISTEN connections on the PostgreSQL bus
   * (`ocbus:<nodeId>`, events/bus-postgres.ts), in this cluster's database.
   */
  async busSessions(): Promise<string[]> {
    const rows = await this.rows<{ app: string }>(
      "SELECT application_name AS app FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'ocbus:%'",
    );
    return rows.map((r) => r.app);
  }

  /** Ends the PostgreSQL sessions named `app` (a node's LISTEN connection); how many there were. */
  async terminateSession(app: string): Promise<number> {
    const rows = await this.rows<{ ended: boolean }>(
      'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND application_name = ?',
      [app],
    );
    return rows.length;
  }

  /** The durable log up to `upTo`: what every client's frames are checked against. */
  async log(upTo: number): Promise<LogRow[]> {
    const rows = await this.rows<{ id: number | string; rooms: string }>('SELECT id, rooms FROM events WHERE id <= ? ORDER BY id', [upTo]);
    return rows.map((r) => ({ id: Number(r.id), rooms: JSON.parse(r.rooms) as string[] }));
  }

  async logHead(): Promise<number> {
    const [row] = await this.rows<{ m: number | string | null }>('SELECT MAX(id) AS m FROM events');
    return Number(row?.m ?? 0);
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

  /** Ids of the log's events for its rooms after `after` (`log`: Cluster.log up to some head). */
  private ids(log: readonly LogRow[], after: number): number[] {
    return log.filter((e) => e.id > after && e.rooms.some((r) => this.rooms.includes(r))).map((e) => e.id);
  }

  /** The raw ids received after the first, checked against the log up to its head: no gap, no repeat, in order. */
  check(log: readonly LogRow[]): { got: number[]; want: number[] } {
    const first = this.rawIds[0] ?? 0;
    const upTo = log.at(-1)?.id ?? 0;
    return { got: this.rawIds.filter((id) => id <= upTo), want: [first, ...this.ids(log, first)].filter((x) => x > 0) };
  }

  /** The last event of its rooms in the log. */
  logLast(log: readonly LogRow[]): number | undefined {
    return this.ids(log, this.rawIds[0] ?? 0).at(-1);
  }

  /** Has it received every event of its rooms in the log? */
  caughtUp(log: readonly LogRow[]): boolean {
    const want = this.ids(log, this.rawIds[0] ?? 0);
    return want.length === 0 || (this.rawIds.at(-1) ?? 0) >= want.at(-1)!;
  }
}
