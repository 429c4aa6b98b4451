import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { happyPath, toMinor, type DeliveryType, type OrderStatus, type User } from '@ordercast/shared';
import { buildApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config/config';
import { demoInitData, type TelegramUser } from '../../src/auth/telegram';
import { TEST_BOT_TOKEN, testEnv } from './env';
import { TEST_REDIS_URL } from './services';
import { demoDeliveryPoint, demoPickupPoint } from '../../src/db/seed-data';
import { MATRIX_DB_PREFIX, freshDatabase, type TestDatabase } from './pg';

export { TEST_BOT_TOKEN, serverEnv, testEnv } from './env';

/**
 * Which database the in-process test servers run on: SQLite unless this run is the suite's
 * PostgreSQL pass (`TEST_DB=postgres`, the `server-pg` project in vite.config.ts). There each test
 * server gets a fresh PostgreSQL database; servers built on one `dir` (a restart) share one.
 */
export const testDialect: 'sqlite' | 'postgres' = process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
export const onPostgres = testDialect === 'postgres';

const databasesByDir = new Map<string, Promise<TestDatabase>>();

/**
 * On the PostgreSQL pass: the database of the test server built in `dir` (created on first use),
 * as the settings that point a server at it; nothing on SQLite (testEnv's file in `dir` is used).
 */
export async function testDatabaseEnv(dir: string): Promise<Record<string, string>> {
  if (!onPostgres) return {};
  let db = databasesByDir.get(dir);
  if (!db) {
    db = freshDatabase(`${MATRIX_DB_PREFIX}_${process.env.OC_TEST_RUN ?? 'x'}`);
    databasesByDir.set(dir, db);
  }
  return { DATABASE_URL: (await db).url };
}

/** Drops the database of `dir` (PostgreSQL pass), once no server uses it. */
async function dropTestDatabase(dir: string): Promise<void> {
  const db = databasesByDir.get(dir);
  if (!db) return;
  databasesByDir.delete(dir);
  await (await db).drop();
}

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  dir: string;
  close(): Promise<void>;
}

/**
 * The one way tests build the server: a real SQLite file in a fresh temp folder, the POS
 * simulator off unless asked for, logs silent. `env` overrides any setting.
 */
export async function buildTestApp(env: Record<string, string> = {}, opts: { dir?: string } = {}): Promise<TestApp> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ordercast-test-'));
  const config = loadConfig(testEnv(dir, { ...(await testDatabaseEnv(dir)), ...env }));
  const app = await buildApp(config, { logger: false });
  await app.ready();
  return {
    app,
    config,
    dir,
    async close() {
      await app.close();
      // A caller's own dir may get another server later (a restart): its database stays until the run's teardown.
      if (!opts.dir) {
        rmSync(dir, { recursive: true, force: true });
        await dropTestDatabase(dir);
      }
    },
  };
}

/**
 * A test app for the enclosing `describe` (or file): built in its own beforeAll, closed (and its
 * folder removed) in its own afterAll. The returned object reads through to the app once it is
 * built, so `const t = useTestApp()` at the top and `t.app` inside tests and later hooks.
 */
export function useTestApp(env: TestEnv = {}): TestApp {
  return useClosing('useTestApp', async () => buildTestApp(await settle(env)), ['app', 'config', 'dir']);
}

/** A use*App's settings, or a function that finds them in its beforeAll (a free port, say). */
export type TestEnv = Record<string, string> | (() => Promise<Record<string, string>>);
const settle = async (env: TestEnv) => (typeof env === 'function' ? env() : env);

/** A port nothing listens on right now (bound, then released), for a server that must bind it next. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A test app listening on 127.0.0.1: its URLs, and clients kept with `keep` are closed before the app. */
export type ServedApp = TestApp & { url: { http: string; ws: string }; keep<T extends { close(): void }>(client: T): T };

export async function listen(app: FastifyInstance): Promise<{ http: string; ws: string }> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` };
}

/** `useTestApp` listening on an ephemeral port (`t.url`), for tests with real sockets; `t.keep(client)` closes a client with it. */
export function useServedApp(env: TestEnv = {}): ServedApp {
  return useClosing(
    'useServedApp',
    async () => {
      const t = await buildTestApp(await settle(env));
      const kept: { close(): void }[] = [];
      const url = await listen(t.app).catch(async (err: unknown) => {
        await t.close();
        throw err;
      });
      return {
        ...t,
        url,
        keep: <T extends { close(): void }>(c: T): T => (kept.push(c), c),
        async close() {
          for (const c of kept.splice(0)) c.close();
          await t.close();
        },
      };
    },
    ['app', 'config', 'dir', 'url', 'keep'],
  );
}

/**
 * Two apps on one folder (its SQLite file, or on the PostgreSQL pass its database), as two processes
 * of one deployment, both listening: `a` owns the folder, removed when the pair closes. `bus` is
 * what carries events between them: Redis (on a channel of their own) or, on PostgreSQL, its
 * LISTEN/NOTIFY with no Redis; both apps are checked to have it.
 */
export type AppPair = { a: TestApp & { url: { http: string; ws: string } }; b: TestApp & { url: { http: string; ws: string } }; close(): Promise<void> };
export type PairBus = 'redis' | 'postgres';

export async function buildAppPair(bus: PairBus, env: Record<string, string> = {}): Promise<AppPair> {
  const busEnv: Record<string, string> = bus === 'redis' ? { REDIS_URL: TEST_REDIS_URL, REDIS_CHANNEL: `ordercast-test-${randomBytes(6).toString('hex')}` } : {};
  const a = await buildTestApp({ ...env, ...busEnv });
  let b: TestApp | undefined;
  const close = async () => {
    await b?.close();
    await a.close();
  };
  try {
    b = await buildTestApp({ ...env, ...busEnv }, { dir: a.dir });
    for (const t of [a, b]) if (t.app.events.bus.kind !== bus) throw new Error(`useAppPair: a ${bus} bus was asked for, the app has ${t.app.events.bus.kind}`);
    return { a: { ...a, url: await listen(a.app) }, b: { ...b, url: await listen(b.app) }, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** `buildAppPair` for the enclosing `describe`: `pair.a`, `pair.b` between its beforeAll and afterAll. */
export function useAppPair(bus: PairBus, env: TestEnv = {}): AppPair {
  return useClosing('useAppPair', async () => buildAppPair(bus, await settle(env)), ['a', 'b']);
}

/** The seeded staff (admin, and the managers of cities 1 and 2) and a new customer, signed in. */
export async function signInTeam(app: FastifyInstance): Promise<{ admin: string; manager1: string; manager2: string; customer: { token: string; user: User } }> {
  return {
    admin: (await signInStaff(app, 'admin')).token,
    manager1: (await signInStaff(app, 'manager1')).token,
    manager2: (await signInStaff(app, 'manager2')).token,
    customer: await signInCustomer(app),
  };
}

/** `useTestApp` for an app whose log lines are captured (`buildLoggedApp`): `t.app`, `t.lines`. */
export function useLoggedApp(level = 'info'): LoggedApp {
  return useClosing('useLoggedApp', () => buildLoggedApp(level), ['app', 'lines']);
}

/**
 * What useTestApp and useLoggedApp share: `build` in a beforeAll, `close` in the afterAll, and an
 * object whose `keys` read through to the built value between the two. `timeout` is the beforeAll's
 * (the config's hookTimeout unless given: a browser test that may build an app first needs more).
 */
export function useClosing<T extends { close(): Promise<void> }>(
  name: string,
  build: () => Promise<T>,
  keys: readonly Exclude<keyof T, 'close'>[],
  timeout?: number,
): T {
  let built: T | undefined;
  beforeAll(async () => {
    built = await build();
  }, timeout);
  afterAll(async () => {
    await built?.close();
    built = undefined;
  });
  const get = (): T => {
    if (!built) throw new Error(`${name}: the app exists between its beforeAll and afterAll; use it in tests and hooks`);
    return built;
  };
  const view = {
    async close() {
      const app = get();
      built = undefined;
      await app.close();
    },
  } as T;
  for (const key of keys) Object.defineProperty(view, key, { enumerable: true, get: () => get()[key] });
  return view;
}

let nextTelegramId = 500_000_000;

/** Signs in a (new, unless `tg.id` is given) Telegram customer through the real endpoint. */
export async function signInCustomer(
  app: FastifyInstance,
  tg: Partial<TelegramUser> = {},
  botToken = TEST_BOT_TOKEN,
): Promise<{ token: string; user: User }> {
  const user: TelegramUser = { id: tg.id ?? nextTelegramId++, first_name: tg.first_name ?? 'Test', language_code: 'en', ...tg };
  const res = await app.inject({ method: 'POST', url: '/api/auth/telegram', payload: { initData: demoInitData(user, botToken) } });
  if (res.statusCode !== 200) throw new Error(`customer sign-in failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function signInStaff(app: FastifyInstance, username: string, password = 'demo1234'): Promise<{ token: string; user: User }> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`staff sign-in failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A new manager of `cityIds` added by an admin through the real endpoint, and signed in. */
export async function addManager(
  app: FastifyInstance,
  adminToken: string,
  m: { username: string; password?: string; name?: string; cityIds?: number[] },
): Promise<{ id: number; token: string }> {
  const password = m.password ?? 'password123';
  const res = await app.inject({
    method: 'POST',
    url: '/api/admin/staff',
    headers: bearer(adminToken),
    payload: { username: m.username, password, name: m.name ?? m.username, role: 'manager', cityIds: m.cityIds ?? [1] },
  });
  if (res.statusCode !== 201) throw new Error(`adding a manager failed: ${res.statusCode} ${res.body}`);
  return { id: (res.json() as { id: number }).id, token: (await signInStaff(app, m.username, password)).token };
}

/** Credits bonuses (roubles) through the real ledger, as an admin adjustment would. */
export async function giveBonuses(app: FastifyInstance, userId: number, roubles: number): Promise<void> {
  await app.tx(() => app.ledger.apply(userId, 'adjusted', toMinor(roubles), null, 'test credit'));
}

/**
 * An order body with the city's demo pickup point added when it names none (Moscow has two, and a
 * pickup there must choose); a body with `restaurantId` (even undefined) is left as it is.
 */
export function withPickupPoint<T extends Record<string, unknown>>(body: T): T {
  if ('restaurantId' in body) return body;
  return { ...body, restaurantId: demoPickupPoint(Number(body.cityId)) };
}

/**
 * A delivery body with no point gets the city's demo delivery point (its free central zone), as
 * the Mini App sends the point it located; a body naming `location` or `addressId` is left as it is.
 */
export function withDeliveryPoint<T extends Record<string, unknown>>(body: T): T {
  const delivery = body.delivery as { type?: string; location?: unknown; addressId?: unknown } | undefined;
  if (delivery?.type !== 'delivery' || 'location' in delivery || 'addressId' in delivery) return body;
  const point = demoDeliveryPoint(Number(body.cityId));
  return point ? { ...body, delivery: { ...delivery, location: point } } : body;
}

/**
 * The staff moves that take a new (pending) order of this delivery type to `status`: along its
 * happy path, or straight to `cancelled`.
 */
export function movesTo(status: OrderStatus, delivery: DeliveryType = 'delivery'): OrderStatus[] {
  if (status === 'cancelled') return ['cancelled'];
  const path = happyPath(delivery);
  if (!path.includes(status)) throw new Error(`a ${delivery} order never reaches ${status}`);
  return path.slice(1, path.indexOf(status) + 1);
}

/** Places an order through the real endpoint; returns the parsed order. */
export async function placeOrder(
  app: FastifyInstance,
  token: string,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/orders',
    headers: { ...bearer(token), ...headers },
    payload: withDeliveryPoint(withPickupPoint({ cityId: 1, items: [{ productId: 1, quantity: 2 }], delivery: { type: 'pickup' }, ...body })),
  });
  return res;
}

export type LoggedApp = TestApp & { lines: string[] };

/**
 * An app whose log lines are captured (at `level`), for tests that check what is and is not logged.
 * The POS sync worker is off unless `env` turns it on; `env` overrides any setting.
 */
export async function buildLoggedApp(level = 'info', env: Record<string, string> = {}): Promise<LoggedApp> {
  const dir = mkdtempSync(join(tmpdir(), 'ordercast-logs-'));
  const config = loadConfig(testEnv(dir, { ...(await testDatabaseEnv(dir)), LOG_LEVEL: level, POS_SYNC_WORKER: 'false', ...env }));
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const app = await buildApp(config, { logStream });
  await app.ready();
  return {
    app,
    config,
    dir,
    lines,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
      await dropTestDatabase(dir);
    },
  };
}
