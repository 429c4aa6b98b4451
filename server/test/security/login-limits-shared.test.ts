import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pino from 'pino';
import { FallbackLoginLimitStore } from '../../src/auth/login-limit-store-factory';
import { PgLoginLimitStore } from '../../src/auth/login-limit-store-postgres';
import { RedisLoginLimitStore } from '../../src/auth/login-limit-store-redis';
import { PgSql } from '../../src/db/sql-postgres';
import { buildTestApp, freePort, onPostgres, type TestApp } from '../helpers/app';
import { freshDatabase, type TestDatabase } from '../helpers/pg';
import { requireService, TEST_REDIS_URL } from '../helpers/services';
import { usePrivateRedis } from '../realtime/processes';

/**
 * Staff sign-in limits with two nodes of one deployment (two app instances on one SQLite file with
 * Redis, or on one PostgreSQL database without it): what one node counts, the other sees. Before
 * the counters were shared each node counted its own, and every test here failed.
 */

type Inject = TestApp['app']['inject'];
const login = (app: TestApp['app'], username: string, password: string, from: string) =>
  (app.inject.bind(app) as Inject)({ method: 'POST', url: '/api/auth/login', payload: { username, password }, headers: { 'x-forwarded-for': from } });

const silent = pino({ level: 'silent' });

async function eventually(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const LIMITS = { TRUST_PROXY: 'loopback', LOGIN_RATE_LIMIT: '4', LOGIN_ADDRESS_LIMIT: '6', LOGIN_USER_LIMIT: '5' };

interface Pair {
  a: TestApp;
  b: TestApp;
}

/** Two nodes on one `dir` (one SQLite file; on the PostgreSQL pass one database), built in beforeAll. */
function usePair(env: () => Promise<Record<string, string>>, cleanup?: () => Promise<void>): () => Pair {
  let pair: Partial<Pair> = {};
  beforeAll(async () => {
    const settings = await env();
    pair.a = await buildTestApp(settings);
    pair.b = await buildTestApp(settings, { dir: pair.a.dir });
  });
  afterAll(async () => {
    await pair.b?.close();
    await pair.a?.close();
    pair = {};
    await cleanup?.();
  });
  return () => pair as Pair;
}

function acrossTwoNodes(pair: () => Pair) {
  it('attempts through A count on B: the per-address-and-username limit is reached across the two', async () => {
    const { a, b } = pair();
    const codes: number[] = [];
    // LOGIN_RATE_LIMIT = 4: two wrong passwords on each node, then both refuse.
    for (const node of [a, b, a, b, a, b]) codes.push((await login(node.app, 'ghost-pair', 'nope', '198.51.100.10')).statusCode);
    expect(codes).toEqual([401, 401, 401, 401, 429, 429]);
    // LOGIN_ADDRESS_LIMIT = 6, whatever the usernames: three attempts on each node, then both refuse.
    const spread: number[] = [];
    for (let i = 0; i < 8; i++) spread.push((await login((i % 2 ? b : a).app, `ghost-${i}`, 'nope', '198.51.100.11')).statusCode);
    expect(spread).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
  });

  it('a username with a control character (PostgreSQL refuses a NUL in text) gets 400 on both, and counting stays shared', async () => {
    const { a, b } = pair();
    for (const node of [a, b]) {
      const res = await login(node.app, 'gh\u0000ost', 'nope', '198.51.100.12');
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'validation_failed' });
    }
    // The store was never disturbed: the next address's attempts still count across the two.
    const next: number[] = [];
    for (const node of [a, b, a, b, a]) next.push((await login(node.app, 'ghost-after', 'nope', '198.51.100.13')).statusCode);
    expect(next).toEqual([401, 401, 401, 401, 429]);
  });

  it('a lock-out of a username made through A holds on B', async () => {
    const { a, b } = pair();
    // LOGIN_USER_LIMIT = 5 failures from many addresses, all through A.
    for (let i = 0; i < 5; i++) expect((await login(a.app, 'manager2', `guess-${i}`, `10.20.${i}.1`)).statusCode).toBe(401);
    const onB = await login(b.app, 'manager2', 'demo1234', '10.20.99.1');
    expect(onB.statusCode).toBe(429);
    expect(onB.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/failed sign-ins to this account; try again in \d+ s/) });
    expect(Number(onB.headers['retry-after'])).toBeGreaterThan(840);
  });

  it('a success through A makes the address known on B: a lock-out there spares it', async () => {
    const { a, b } = pair();
    expect((await login(a.app, 'manager1', 'demo1234', '192.0.2.200')).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await login(b.app, 'manager1', `guess-${i}`, `10.30.${i}.1`)).statusCode).toBe(401);
    expect((await login(b.app, 'manager1', 'demo1234', '10.30.99.1')).statusCode).toBe(429);
    expect((await login(b.app, 'manager1', 'demo1234', '192.0.2.200')).statusCode).toBe(200);
  });
}

describe('sign-in limits shared over Redis (two nodes, one SQLite file)', await requireService('redis'), () => {
  const pair = usePair(async () => ({ ...LIMITS, REDIS_URL: TEST_REDIS_URL, REDIS_CHANNEL: `ordercast-test-${randomBytes(6).toString('hex')}` }));
  acrossTwoNodes(pair);
});

describe('sign-in limits shared in PostgreSQL (two nodes, one database, no Redis)', await requireService('postgres'), () => {
  let db: TestDatabase | undefined;
  const pair = usePair(
    async () => {
      // The PostgreSQL pass gives the two nodes on one dir one database; the SQLite pass needs its own.
      if (onPostgres) return LIMITS;
      db = await freshDatabase('oc_limits');
      return { ...LIMITS, DATABASE_URL: db.url };
    },
    async () => db?.drop(),
  );
  acrossTwoNodes(pair);

  const store = () => {
    const { a } = pair();
    if (!(a.app.sql instanceof PgSql)) throw new Error('expected PostgreSQL');
    return { store: new PgLoginLimitStore(a.app.sql, a.app.log), sql: a.app.sql };
  };

  it('counts concurrent attempts on one key from both nodes exactly once each, and prunes ended windows', async () => {
    const { a, b } = pair();
    const sa = new PgLoginLimitStore(a.app.sql as PgSql, a.app.log);
    const sb = new PgLoginLimitStore(b.app.sql as PgSql, b.app.log);
    try {
      const counts = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? sa : sb).hit('t:race', 60_000)));
      expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect((await sb.peek('t:race')).count).toBe(40);
      // A window that has ended restarts at 1, and the prune removes ended ones only.
      await sa.hit('t:short', 1);
      await new Promise((r) => setTimeout(r, 20));
      expect((await sa.peek('t:short')).count).toBe(0);
      expect((await sa.hit('t:short', 1)).count).toBe(1);
      await new Promise((r) => setTimeout(r, 20));
      await sa.prune();
      const { rows } = await (a.app.sql as PgSql).exec(`SELECT key FROM rate_counters WHERE key LIKE 't:%' ORDER BY key`);
      expect(rows).toEqual([{ key: 't:race' }]);
      // Unlogged (migration 0006): counters write no WAL, so an attempt's commit waits for no flush.
      const table = await (a.app.sql as PgSql).exec(`SELECT relpersistence FROM pg_class WHERE relname = 'rate_counters'`);
      expect(table.rows).toEqual([{ relpersistence: 'u' }]);
    } finally {
      await sa.close();
      await sb.close();
    }
  });

  it('keeps at most 8 known addresses per username, dropping the least recent', async () => {
    const { store: s, sql } = store();
    try {
      // Apart by a few ms: seen_at is the database clock in ms, and the order is what is tested.
      const remember = async (i: number) => {
        await s.remember('t-user', `203.0.113.${i}`);
        await new Promise((r) => setTimeout(r, 3));
      };
      for (let i = 1; i <= 8; i++) await remember(i);
      await remember(1); // used again: now the most recent, so 2 is the least recent
      await remember(9);
      const { rows } = await sql.exec(`SELECT address FROM login_known_addresses WHERE username = 't-user' ORDER BY seen_at`);
      expect(rows.map((r: { address: string }) => r.address)).toEqual([3, 4, 5, 6, 7, 8, 1, 9].map((i) => `203.0.113.${i}`));
      expect(await s.knows('t-user', '203.0.113.2')).toBe(false);
      expect(await s.knows('t-user', '203.0.113.1')).toBe(true);
    } finally {
      await s.close();
    }
  });
});

describe('sign-in limits while Redis does not answer', () => {
  // The store itself, on a port nothing listens on (an app's Redis bus takes long to close without Redis).
  it('counts in this process meanwhile: neither open (every attempt counted) nor closed (no error)', async () => {
    const store = new FallbackLoginLimitStore(await RedisLoginLimitStore.connect(`redis://127.0.0.1:${await freePort()}`, 'ordercast-test-dead', silent, 0), silent);
    try {
      const counts: number[] = [];
      for (let i = 0; i < 5; i++) counts.push((await store.hit('a:198.51.100.40', 60_000)).count);
      expect(counts).toEqual([1, 2, 3, 4, 5]);
      expect((await store.peek('a:198.51.100.40', 60_000)).count).toBe(5);
      await store.remember('admin', '198.51.100.41');
      expect(await store.knows('admin', '198.51.100.41')).toBe(true);
      expect(await store.knows('admin', '198.51.100.42')).toBe(false);
    } finally {
      await store.close();
    }
  });
});

describe('sign-in limits when Redis goes down and comes back', await requireService('redis-server'), () => {
  const redis = usePrivateRedis();

  it('counts in memory while it is down, without waiting for it, and in Redis again once it answers', async () => {
    const store = new FallbackLoginLimitStore(await RedisLoginLimitStore.connect(redis.url, 'ordercast-test-flap', silent), silent);
    const direct = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => 100 });
    direct.on('error', () => undefined);
    const inRedis = () => direct.get('ordercast-test-flap:login:n:a:198.51.100.50');
    try {
      await eventually(async () => (await store.hit('a:198.51.100.99', 60_000)).count > 0 && (await direct.exists('ordercast-test-flap:login:n:a:198.51.100.99')) === 1, 5000, 'store on redis');
      await store.hit('a:198.51.100.50', 60_000);
      expect((await store.hit('a:198.51.100.50', 60_000)).count).toBe(2);
      expect(await inRedis()).toBe('2');

      redis.kill();
      const started = performance.now();
      const during: number[] = [];
      for (let i = 0; i < 3; i++) during.push((await store.hit('a:198.51.100.50', 60_000)).count);
      expect(during).toEqual([1, 2, 3]); // this process's own count: the shared one is out of reach
      expect(performance.now() - started).toBeLessThan(1000);

      // A fresh (empty) Redis: once the store has reconnected and its pause after the failure is over, counting is shared again.
      await redis.start();
      await eventually(async () => (await store.hit('a:198.51.100.50', 60_000)).count === 1, 15_000, 'counting in redis again');
      expect(await inRedis()).toBe('1');
    } finally {
      direct.disconnect();
      await store.close();
    }
  });
});
