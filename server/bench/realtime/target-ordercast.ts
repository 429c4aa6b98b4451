/**
 * Bench child: the real ordercast server (buildApp) on a temp SQLite database, or on the PostgreSQL
 * database the orchestrator created (one of its nodes), alone in its process so its RSS can be read.
 * Creates the bench's customers directly in its database (cheaper than 10,000 Telegram sign-ins)
 * and issues their tokens with the app's own issuer. Reads go through `app.sql` (either database).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { serverEnv } from '../../test/helpers/env';
import { testSql } from '../../test/helpers/db';
import { distLine, now, serveTarget, type InitOptions, type StaffSpec, type TargetInfo } from './common';

const dir = mkdtempSync(join(tmpdir(), 'ordercast-bench-'));
let app: FastifyInstance | undefined;

async function init(customers: number, staffPerRoom: number, opts: InitOptions): Promise<TargetInfo> {
  const config = loadConfig(serverEnv({
    // Development, not production: a production start seeds no demo data, and the benchmark
    // needs the demo cities, menu and staff. Nothing else in the server depends on NODE_ENV.
    NODE_ENV: 'development',
    DATABASE_PATH: join(dir, 'app.db'),
    // Several nodes on one PostgreSQL database, no REDIS_URL: the LISTEN/NOTIFY bus between them.
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    // No POS in this benchmark (the peer has none either): the outbox worker would retry every order
    // against the dead POS_URL and add sync-error events. BENCH_POS_WORKER=1 turns it on.
    POS_SYNC_WORKER: process.env.BENCH_POS_WORKER === '1' ? 'true' : 'false',
    // The staff of a room share one account here (--staff-per-room connections each): no per-user cap.
    WS_MAX_CONNECTIONS_PER_USER: '100000',
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_SERVER_')).map(([k, v]) => [k.slice(13), v])),
  }));
  app = await buildApp(config, { logger: false });
  if (process.env.BENCH_TRACE === '1') installTrace(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const a = app;
  // Another node on the first one's database: its users and tokens serve here too.
  if (opts.join) return { port, customers: [], staff: [], mover: '', products: {}, cities: [] };
  const db = testSql(a);

  const cityIds = (await db.all<{ id: number }>('SELECT id FROM cities ORDER BY id')).map((c) => c.id);
  const products: Record<number, number> = {};
  for (const c of cityIds) {
    const p = await db.get<{ id: number }>('SELECT product_id AS "id" FROM product_prices WHERE city_id = @c AND available = 1 ORDER BY product_id LIMIT 1', { c });
    if (p) products[c] = p.id;
  }

  // Customers: one transaction of plain inserts.
  const ids: number[] = await a.tx(async () => {
    const out: number[] = [];
    for (let i = 0; i < customers; i++) {
      const row = await a.users.upsertTelegramCustomer({ id: 900_000_000 + i, first_name: `Bench ${i}`, language_code: 'en' });
      out.push(row.id);
    }
    return out;
  });
  const customerTokens = ids.map((userId) => ({ userId, token: a.issueToken(userId, 'customer', 0) }));

  // Staff: the seeded ones, plus a manager for every city that has none.
  const staff: StaffSpec[] = [];
  const byName = (u: string) => a.users.byUsername(u);
  for (const c of cityIds) {
    let m: { id: number; username: string | null } | undefined;
    for (const u of await db.all<{ id: number; username: string | null }>("SELECT id, username FROM users WHERE role = 'manager' ORDER BY id")) {
      if ((await a.users.isManagerOf(u.id, c)) && (await a.users.principal(u.id))?.cityIds.length === 1) {
        m = u;
        break;
      }
    }
    if (!m) {
      const created = await a.users.createStaff({ username: `bench-manager${c}`, password: 'bench-password', name: `Bench manager ${c}`, role: 'manager', cityIds: [c] });
      m = { id: created.id, username: created.username };
    }
    const token = a.issueToken(m.id, 'manager', 0);
    for (let i = 0; i < staffPerRoom; i++) staff.push({ token, role: 'manager', cityId: c });
  }
  const admin = (await byName('admin'))!;
  const ceo = await byName('ceo');
  const adminToken = a.issueToken(admin.id, 'admin', 0);
  for (let i = 0; i < staffPerRoom; i++) {
    staff.push(ceo && i % 2 ? { token: a.issueToken(ceo.id, 'ceo', 0), role: 'ceo', cityId: null } : { token: adminToken, role: 'admin', cityId: null });
  }
  return { port, customers: customerTokens, staff, mover: adminToken, products, cities: cityIds };
}

/*
 * Optional tracing (BENCH_TRACE=1): timestamps at request arrival, at the reply, and around each bus
 * publish (the hub's fan-out runs inside it), joined by order id, so latency can be split into
 * "REST handler until reply" and "reply until fan-out" and "fan-out itself".
 */
/** Stages of the request being handled (at 100/s there is about one at a time): when each began. */
const stage = { arrive: 0, parsing: 0, validation: 0, handler: 0, txStart: 0, txEnd: 0 };
const stages = { toParsing: [] as number[], toValidation: [] as number[], parse: [] as number[], queue: [] as number[], tx: [] as number[], commit: [] as number[] };
const trace = { gc: [] as number[], gcMajor: [] as number[], arrive: [] as number[], raw: [] as number[], req: new Map<string, { t0: number; sent: number }>(), pub: [] as { key: string; t: number; dur: number }[] };
function installTrace(a: FastifyInstance): void {
  new PerformanceObserver((list) => {
    // detail.kind: 1 scavenge, 2 mark-compact, 4 incremental marking step, 8 weak callbacks.
    for (const e of list.getEntries()) ((e as unknown as { detail?: { kind?: number } }).detail?.kind === 1 ? trace.gc : trace.gcMajor).push(e.duration);
  }).observe({ entryTypes: ['gc'] });
  // Before Fastify's own listener: the HTTP parser is done, no hook has run.
  a.server.prependListener('request', (raw: { tRaw?: number }) => {
    raw.tRaw = now();
  });
  a.addHook('onRequest', async (req) => {
    const t = now();
    const tRaw = (req.raw as { tRaw?: number }).tRaw;
    (req as unknown as { t0: number }).t0 = t;
    stage.arrive = t;
    const h = req.headers['x-bench-t0'];
    if (typeof h === 'string') trace.arrive.push(t - Number(h));
    if (typeof h === 'string' && tRaw !== undefined) trace.raw.push(tRaw - Number(h));
  });
  a.addHook('preParsing', async () => {
    stage.parsing = now();
  });
  a.addHook('preValidation', async () => {
    stage.validation = now();
  });
  a.addHook('preHandler', async () => {
    stage.handler = now();
  });
  // The order's and the move's transactions: how long they wait for their turn, run, and commit.
  const grouped = a.txGrouped.bind(a);
  a.txGrouped = <T>(fn: () => Promise<T>) =>
    grouped(async () => {
      stage.txStart = now();
      const r = await fn();
      stage.txEnd = now();
      return r;
    });
  a.addHook('onSend', async (req, _reply, payload) => {
    const t0 = (req as unknown as { t0?: number }).t0;
    if (t0 === undefined || typeof payload !== 'string') return payload;
    if (req.url === '/api/orders') {
      const m = /"id":(\d+)/.exec(payload);
      if (m) trace.req.set(`new-order:${m[1]}`, { t0, sent: now() });
    } else {
      const m = /^\/api\/admin\/orders\/(\d+)\/status$/.exec(req.url);
      if (m) trace.req.set(`order-status-updated:${m[1]}`, { t0, sent: now() });
    }
    return payload;
  });
  const bus = a.events.bus;
  const publish = bus.publish.bind(bus);
  bus.publish = async (ev) => {
    const t = now();
    const p = publish(ev);
    const dur = now() - t;
    const m = ev.type === 'new-order' ? /"data":\{"id":(\d+)/.exec(ev.json) : ev.type === 'order-status-updated' ? /"orderId":(\d+)/.exec(ev.json) : null;
    if (m) trace.pub.push({ key: `${ev.type}:${m[1]}`, t, dur });
    if (m && stage.txEnd > stage.txStart && stage.txStart > stage.handler && stage.handler > stage.arrive) {
      stages.parse.push(stage.handler - stage.arrive);
      stages.toParsing.push(stage.parsing - stage.arrive);
      stages.toValidation.push(stage.validation - stage.parsing);
      stages.queue.push(stage.txStart - stage.handler);
      stages.tx.push(stage.txEnd - stage.txStart);
      stages.commit.push(t - stage.txEnd);
      stage.txEnd = 0;
    }
    return p;
  };
}

function traceReport(): string[] {
  const handler: number[] = [];
  const toPublish: number[] = [];
  const afterReply: number[] = [];
  const fanout: number[] = [];
  for (const p of trace.pub) {
    const r = trace.req.get(p.key);
    fanout.push(p.dur);
    if (!r) continue;
    handler.push(r.sent - r.t0);
    toPublish.push(p.t - r.t0);
    afterReply.push(p.t - r.sent);
  }
  trace.req.clear();
  trace.pub = [];
  const rows: [string, number[]][] = [
    ['client send → HTTP request parsed', trace.raw.splice(0)],
    ['client send → request arrival', trace.arrive.splice(0)],
    ['GC pauses: scavenges', trace.gc.splice(0)],
    ['GC pauses: the others', trace.gcMajor.splice(0)],
    ['request arrival → reply sent', handler],
    ['request arrival → bus publish starts', toPublish],
    ['  arrival → handler (body, validation)', stages.parse.splice(0)],
    ['    arrival → preParsing', stages.toParsing.splice(0)],
    ['    preParsing → preValidation (body)', stages.toValidation.splice(0)],
    ['  handler → transaction runs', stages.queue.splice(0)],
    ['  transaction body', stages.tx.splice(0)],
    ['  commit → bus publish starts', stages.commit.splice(0)],
    ['reply sent → bus publish starts', afterReply],
    ['bus publish (hub fan-out) duration', fanout],
  ];
  return rows.map(([name, values]) => distLine(name, values));
}

serveTarget({
  init,
  trace: traceReport,
  async close() {
    try {
      await app?.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
});
