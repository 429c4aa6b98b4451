/**
 * `npm run bench:realtime` — realtime fan-out of ordercast beside a minimal Socket.IO 4 server, in one run.
 *
 *   processes: this one (orchestrator + REST driver), the server under test (alone, for its RSS),
 *              a probe load generator (staff + ordering customers, timestamps every event),
 *              and bulk load generator(s) (the idle customers).
 *   workload:  C WebSocket clients (customers each in their own user room, managers of every city,
 *              admins); orders created over REST at R/s by the probe customers, each moved once
 *              (pending → confirmed) by an admin as soon as it exists.
 *   reports:   p50/p95/p99 REST call → new-order at manager and admin sockets, → order-status-updated at
 *              the customer's socket; events/s delivered; server RSS per idle connection; connect time.
 *
 * Flags (or env BENCH_<NAME>): --clients 10000 --rates 100,500 --duration 10 --warmup 2 --targets ordercast,socketio
 *   --staff-per-room 5 --active 200 --window 256 --loadgens 1 --runs 1 --client raw|ws --prof (CPU profile of the servers)
 *   --prof-interval 1000 (µs between profile samples); BENCH_NODE_ARGS='…' adds node flags to both servers' processes
 * BENCH_POS_WORKER=1 runs ordercast's POS outbox worker (off by default: there is no POS here, nor in the peer).
 * Server settings can be overridden with BENCH_SERVER_<SETTING>=value (e.g. BENCH_SERVER_WS_PING_INTERVAL_MS).
 *
 * Database and nodes (ordercast only; the Socket.IO peer stays one process on SQLite):
 * BENCH_DATABASE_URL=postgres://… (a fresh database on that server, durable commits) and BENCH_NODES=N
 * (../bench-database.ts). With N nodes the clients are spread evenly over them, the REST calls go
 * round-robin (an order's move to the node after the one that created it), RSS and CPU are summed
 * over the nodes, the event-loop delay is the worst node's, BENCH_TRACE reads the first node only.
 */
import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { demoPickupPoint } from '../../src/db/seed-data';
import { benchDatabase, benchDatabaseSettings, benchSetup, type BenchDatabase } from '../bench-database';
import {
  dist,
  flag,
  median,
  now,
  sleep,
  spawnChild,
  TAGS,
  type Child,
  type ClientSpec,
  type Dist,
  type LoadReply,
  type LoadRequest,
  type Proto,
  type Sample,
  type TargetInfo,
  type TargetReply,
  type TargetRequest,
} from './common';

const C = Number(flag('clients', '10000'));
const RATES = flag('rates', '100,500').split(',').map(Number).filter((r) => r > 0);
const DURATION_S = Number(flag('duration', '10'));
const WARMUP_S = Number(flag('warmup', '2'));
const TARGETS = flag('targets', 'ordercast,socketio').split(',') as Proto[];
const STAFF_PER_ROOM = Number(flag('staff-per-room', '5'));
const ACTIVE = Number(flag('active', '200'));
const WINDOW = Number(flag('window', '256'));
const LOADGENS = Math.max(1, Number(flag('loadgens', '1')));
const RUNS = Math.max(1, Number(flag('runs', '1')));
/** WebSocket client of the load generators: `raw` (a minimal RFC 6455 client on net.Socket) or the `ws` package. */
const CLIENT_IMPL = flag('client', 'raw') === 'ws' ? 'ws' : 'raw';
const PROF = process.argv.includes('--prof') || process.env.BENCH_PROF === '1';
/** Sampling interval of --prof in µs (Node's default is 1000: too coarse to see what delays one request). */
const PROF_INTERVAL_US = Number(flag('prof-interval', '1000'));
const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));

type Target = Child<TargetRequest, TargetReply>;
type Load = Child<LoadRequest, LoadReply>;

interface RateResult {
  rate: number;
  orders: number;
  restErrors: number;
  newOrderAdmin: Dist;
  newOrderManager: Dist;
  statusCustomer: Dist;
  all: Dist;
  /** Deliveries seen / expected, over the three measured kinds. */
  delivered: number;
  expected: number;
  eventsPerSec: number;
  restP99: number;
  /** Server process CPU per order (create + status move + fan-out), ms. */
  serverCpuMsPerOrder: number;
  /** Server CPU use during the phase, % of one core. */
  serverCpuPct: number;
  eldP99: number;
  eldMax: number;
}

interface TargetResult {
  target: Proto;
  /** The database and node count this target ran on. */
  database: string;
  nodes: number;
  /** Load average (1, 5, 15 min) when the target's run ended: the machine is shared. */
  loadAverage: number[];
  clients: number;
  connected: number;
  connectFailed: number;
  firstError?: string;
  connectS: number;
  connectCpuUs: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  rssPerConnKiB: number;
  idleCpuPct: number;
  rates: RateResult[];
  held: number;
  closeCodes: Record<string, number>;
}

/* ---------- REST driver ---------- */

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(port: number, path: string, token: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-bench-t0': String(now()) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json: unknown = null;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

interface Drive {
  createT0: Map<number, number>;
  statusT0: Map<number, number>;
  cityOf: Map<number, number>;
  errors: number;
  firstError?: string;
  restMs: number[];
}

/**
 * Open loop: order i is sent at start + i/R whatever the previous ones are doing. With several nodes
 * order i is created on node i mod N and moved on the next one (round-robin, as a balancer would).
 */
async function drive(info: TargetInfo, ports: number[], rate: number, seconds: number): Promise<Drive> {
  const active = info.customers.slice(0, ACTIVE);
  const out: Drive = { createT0: new Map(), statusT0: new Map(), cityOf: new Map(), errors: 0, restMs: [] };
  const total = Math.round(rate * seconds);
  const pending: Promise<void>[] = [];
  const fail = (what: string) => {
    out.errors++;
    out.firstError ??= what;
  };
  const fire = async (i: number) => {
    const customer = active[i % active.length]!;
    const cityId = info.cities[i % info.cities.length]!;
    const body = { cityId, restaurantId: demoPickupPoint(cityId), items: [{ productId: info.products[cityId], quantity: 1 + (i % 3) }], delivery: { type: 'pickup' } };
    try {
      const t0 = now();
      const res = await post(ports[i % ports.length]!, '/api/orders', customer.token, body);
      out.restMs.push(now() - t0);
      const id = (res.json as { order?: { id: number } }).order?.id;
      if (res.status !== 201 || !id) return fail(`POST /api/orders → ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`);
      out.createT0.set(id, t0);
      out.cityOf.set(id, cityId);
      const t1 = now();
      const st = await post(ports[(i + 1) % ports.length]!, `/api/admin/orders/${id}/status`, info.mover, { status: 'confirmed' });
      out.restMs.push(now() - t1);
      if (st.status !== 200) return fail(`POST status → ${st.status} ${JSON.stringify(st.json).slice(0, 200)}`);
      out.statusT0.set(id, t1);
    } catch (err) {
      fail(String(err));
    }
  };
  const start = now();
  let issued = 0;
  while (issued < total) {
    const due = Math.min(total, Math.floor(((now() - start) * rate) / 1000) + 1);
    while (issued < due) pending.push(fire(issued++));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  return out;
}

/* ---------- one target ---------- */

function fmtErr(r: LoadReply): string | undefined {
  return r.type === 'connected' ? r.firstError : undefined;
}

/**
 * Per order, over its new-order deliveries: the first one (server path + network) and the spread to
 * the last (fan-out + the probe reading its sockets one after another). Tells a slow server turn from
 * a slow reader when the p99 moves.
 */
function traceOrders(target: Proto, rate: number, samples: Sample[], createT0: Map<number, number>): void {
  const byOrder = new Map<number, { first: number; last: number }>();
  for (const [, kind, orderId, at] of samples) {
    if (kind !== 0) continue;
    const o = byOrder.get(orderId);
    if (!o) byOrder.set(orderId, { first: at, last: at });
    else {
      o.first = Math.min(o.first, at);
      o.last = Math.max(o.last, at);
    }
  }
  const first: number[] = [];
  const spread: number[] = [];
  for (const [id, o] of byOrder) {
    const t0 = createT0.get(id);
    if (t0 === undefined) continue;
    first.push(o.first - t0);
    spread.push(o.last - o.first);
  }
  for (const [name, v] of [['new-order, first socket of the order', first], ['new-order, first → last socket', spread]] as const) {
    const x = dist(v);
    console.log(`  [${target}] ${rate}/s trace: ${name.padEnd(38)} n=${x.n} p50 ${x.p50.toFixed(2)} p95 ${x.p95.toFixed(2)} p99 ${x.p99.toFixed(2)} max ${x.max.toFixed(2)} ms`);
  }
}

/** The server under test: one target process, or ordercast's nodes on one PostgreSQL database. */
class Servers {
  constructor(readonly nodes: Target[]) {}

  get first(): Target {
    return this.nodes[0]!;
  }

  /** RSS summed over the nodes (each after its forced GCs). */
  async rss(): Promise<number> {
    let sum = 0;
    for (const r of await Promise.all(this.nodes.map((n) => n.ask({ cmd: 'rss' })))) {
      if (r.type !== 'rss') throw new Error('rss');
      sum += r.rss;
    }
    return sum;
  }

  /** CPU summed over the nodes since the previous call; event-loop delay of the worst node. */
  async load(): Promise<{ cpuMs: number; eldP99: number; eldMax: number }> {
    const out = { cpuMs: 0, eldP99: 0, eldMax: 0 };
    for (const r of await Promise.all(this.nodes.map((n) => n.ask({ cmd: 'load' })))) {
      if (r.type !== 'load') throw new Error('load');
      out.cpuMs += r.cpuMs;
      out.eldP99 = Math.max(out.eldP99, r.eldP99);
      out.eldMax = Math.max(out.eldMax, r.eldMax);
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        await n.ask({ cmd: 'stop' }, 10_000).catch(() => n.proc.kill('SIGKILL'));
        await Promise.race([n.exited, sleep(8000)]);
        if (n.proc.exitCode === null) n.proc.kill('SIGKILL');
      }),
    );
  }
}

async function runTarget(target: Proto): Promise<TargetResult> {
  // The peer always runs alone on its SQLite file; ordercast on the database and nodes asked for.
  const db: BenchDatabase =
    target === 'ordercast' ? await benchDatabase() : { dialect: 'sqlite', nodes: 1, label: 'SQLite (temp file, WAL)', drop: async () => {} };
  try {
    return await runTargetOn(target, db);
  } finally {
    await db.drop();
  }
}

async function runTargetOn(target: Proto, db: BenchDatabase): Promise<TargetResult> {
  const file = target === 'ordercast' ? './target-ordercast.ts' : './target-socketio.ts';
  const profDir = `${RESULTS}prof`;
  if (PROF) mkdirSync(profDir, { recursive: true });
  const nodeArgs = [
    ...(PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-interval=${PROF_INTERVAL_US}`] : []),
    ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const server = new Servers(Array.from({ length: db.nodes }, () => spawnChild<TargetRequest, TargetReply>(file, nodeArgs)));
  const loads: Load[] = [];
  try {
    if (db.nodes > 1 || db.url) console.log(`  [${target}] ${benchSetup(db)}: ${db.label}`);
    const staffCount = STAFF_PER_ROOM * 4; // 3 cities + admins; the target reports the exact list
    // The first node migrates and seeds the database and creates the users; then the others join it.
    const ready = await server.first.ask({ cmd: 'init', customers: Math.max(ACTIVE, C - staffCount), staffPerRoom: STAFF_PER_ROOM, databaseUrl: db.url }, 300_000);
    if (ready.type !== 'ready') throw new Error('target did not start');
    const info = ready.info;
    const joined = await Promise.all(server.nodes.slice(1).map((n) => n.ask({ cmd: 'init', customers: 0, staffPerRoom: 0, databaseUrl: db.url, join: true }, 300_000)));
    const ports = [info.port, ...joined.map((r) => (r.type === 'ready' ? r.info.port : NaN))];
    if (ports.some((p) => !Number.isFinite(p))) throw new Error('a node did not start');
    const staff: ClientSpec[] = info.staff.map((s) => ({ token: s.token, tag: s.role === 'manager' ? 'manager' : 'admin' }));
    const customers = info.customers.slice(0, Math.max(0, C - staff.length));
    const probeClients: ClientSpec[] = [...staff, ...customers.slice(0, ACTIVE).map((c) => ({ token: c.token, tag: 'customer' as const }))];
    const bulk: ClientSpec[] = customers.slice(ACTIVE).map((c) => ({ token: c.token, tag: 'bulk' as const }));

    for (let i = 0; i <= LOADGENS; i++) loads.push(spawnChild<LoadRequest, LoadReply>('./loadgen.ts'));
    // Children up and idle before the baseline.
    await Promise.all(loads.map((l) => l.ask({ cmd: 'stats' })));
    const before = { rss: await server.rss() };

    await server.load();
    const slices: ClientSpec[][] = [probeClients, ...Array.from({ length: LOADGENS }, (_, k) => bulk.filter((_, i) => i % LOADGENS === k))];
    const replies = await Promise.all(
      loads.map((l, i) =>
        l.ask({ cmd: 'connect', impl: CLIENT_IMPL, proto: target, ports, clients: slices[i]!, window: Math.max(1, Math.round(WINDOW / (i === 0 ? 4 : LOADGENS))), record: i === 0 }, 300_000),
      ),
    );
    let ok = 0;
    let failed = 0;
    let start = Infinity;
    let end = 0;
    let firstError: string | undefined;
    let loadgenCpuMs = 0;
    for (const r of replies) {
      if (r.type !== 'connected') continue;
      loadgenCpuMs += r.cpuMs;
      ok += r.ok;
      failed += r.failed;
      start = Math.min(start, r.start);
      end = Math.max(end, r.end);
      firstError ??= fmtErr(r);
    }
    const connectS = (end - start) / 1000;
    if (ok === 0) throw new Error(`${target}: no client could connect (${firstError ?? 'no error reported'})`);
    const connectLoad = await server.load();
    const connectCpuUs = (1000 * connectLoad.cpuMs) / Math.max(1, ok);
    console.log(
      `  [${target}] connected ${ok}/${ok + failed} in ${connectS.toFixed(2)} s, server CPU ${connectCpuUs.toFixed(0)} µs per connection, load generators ${((1000 * loadgenCpuMs) / Math.max(1, ok)).toFixed(0)} µs` +
        (firstError ? ` (first error: ${firstError})` : ''),
    );
    await sleep(2000);
    const after = { rss: await server.rss() };
    const rssPerConnKiB = (after.rss - before.rss) / Math.max(1, ok) / 1024;
    const over = db.nodes > 1 ? ` (summed over ${db.nodes} nodes)` : '';
    console.log(`  [${target}] RSS${over} ${(before.rss / 2 ** 20).toFixed(1)} → ${(after.rss / 2 ** 20).toFixed(1)} MiB: ${rssPerConnKiB.toFixed(2)} KiB per connection`);

    await server.load();
    await sleep(3000);
    const idle = await server.load();
    const idleCpuPct = idle.cpuMs / 30;
    console.log(`  [${target}] idle with ${ok} connections: server CPU ${idleCpuPct.toFixed(1)}% of a core`);

    const adminSockets = staff.filter((s) => s.tag === 'admin').length;
    const rates: RateResult[] = [];
    for (const rate of RATES) {
      if (WARMUP_S > 0) await drive(info, ports, rate, WARMUP_S);
      await sleep(500);
      if (process.env.BENCH_TRACE === '1') await server.first.ask({ cmd: 'trace' });
      await Promise.all(loads.map((l) => l.ask({ cmd: 'phase-start' })));
      await server.load();
      const t = now();
      const d = await drive(info, ports, rate, DURATION_S);
      await sleep(1000); // the last events arrive
      const elapsedS = (now() - t) / 1000;
      const load = await server.load();
      if (process.env.BENCH_TRACE === '1') {
        const tr = await server.first.ask({ cmd: 'trace' });
        if (tr.type === 'trace') for (const line of tr.lines) console.log(`  [${target}] ${rate}/s trace: ${line}`);
      }
      const phases = await Promise.all(loads.map((l) => l.ask({ cmd: 'phase-end' }, 300_000)));
      let messages = 0;
      let samples: Sample[] = [];
      for (const p of phases) {
        if (p.type !== 'phase') continue;
        messages += p.messages;
        if (p.samples.length) samples = p.samples;
      }
      const lat: Record<'admin' | 'manager' | 'customer', number[]> = { admin: [], manager: [], customer: [] };
      for (const [tagIndex, kind, orderId, at] of samples) {
        const tag = TAGS[tagIndex];
        if (kind === 0 && (tag === 'admin' || tag === 'manager')) {
          const t0 = d.createT0.get(orderId);
          if (t0 !== undefined) lat[tag].push(at - t0);
        } else if (kind === 1 && tag === 'customer') {
          const t0 = d.statusT0.get(orderId);
          if (t0 !== undefined) lat.customer.push(at - t0);
        }
      }
      if (process.env.BENCH_TRACE === '1') traceOrders(target, rate, samples, d.createT0);
      const orders = d.createT0.size;
      const expected = orders * (adminSockets + STAFF_PER_ROOM) + d.statusT0.size;
      const delivered = lat.admin.length + lat.manager.length + lat.customer.length;
      const r: RateResult = {
        rate,
        orders,
        restErrors: d.errors,
        newOrderAdmin: dist(lat.admin),
        newOrderManager: dist(lat.manager),
        statusCustomer: dist(lat.customer),
        all: dist([...lat.admin, ...lat.manager, ...lat.customer]),
        delivered,
        expected,
        eventsPerSec: messages / elapsedS,
        restP99: dist(d.restMs).p99,
        serverCpuMsPerOrder: load.cpuMs / Math.max(1, orders),
        serverCpuPct: (100 * load.cpuMs) / 1000 / elapsedS,
        eldP99: load.eldP99,
        eldMax: load.eldMax,
      };
      rates.push(r);
      console.log(
        `  [${target}] ${rate}/s: ${orders} orders, p50/p95/p99 ${r.all.p50.toFixed(2)}/${r.all.p95.toFixed(2)}/${r.all.p99.toFixed(2)} ms, ` +
          `${delivered}/${expected} deliveries, ${Math.round(r.eventsPerSec)} events/s, REST p99 ${r.restP99.toFixed(1)} ms, ` +
          `server CPU ${r.serverCpuPct.toFixed(0)}% (${r.serverCpuMsPerOrder.toFixed(2)} ms/order), loop delay p99 ${r.eldP99.toFixed(1)} max ${r.eldMax.toFixed(1)} ms` +
          (d.errors ? `, ${d.errors} REST errors (first: ${d.firstError})` : ''),
      );
    }
    let held = 0;
    const closeCodes: Record<string, number> = {};
    for (const l of loads) {
      const s = await l.ask({ cmd: 'stats' });
      if (s.type !== 'stats') continue;
      held += s.open;
      for (const [k, v] of Object.entries(s.closeCodes)) closeCodes[k] = (closeCodes[k] ?? 0) + v;
    }
    console.log(`  [${target}] ${held} connections still open at the end${Object.keys(closeCodes).length ? `; closes: ${JSON.stringify(closeCodes)}` : ''}`);
    return {
      target,
      database: db.label,
      nodes: db.nodes,
      loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
      clients: probeClients.length + bulk.length,
      connected: ok,
      connectFailed: failed,
      ...(firstError ? { firstError } : {}),
      connectS,
      connectCpuUs,
      rssBeforeMiB: before.rss / 2 ** 20,
      rssAfterMiB: after.rss / 2 ** 20,
      rssPerConnKiB,
      idleCpuPct,
      rates,
      held,
      closeCodes,
    };
  } finally {
    await Promise.all(loads.map((l) => l.ask({ cmd: 'stop' }, 10_000).catch(() => l.proc.kill('SIGKILL'))));
    await server.stop();
  }
}

/* ---------- report ---------- */

const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '—');

function table(results: Record<Proto, TargetResult[]>): string {
  const med = (t: Proto, pick: (r: TargetResult) => number) => (results[t]?.length ? median(results[t].map(pick)) : NaN);
  /** [label ('' continues the previous row), value, digits, TARGETS.md limit for ordercast (value must be below)] */
  const rows: [string, (r: TargetResult) => number, number, number?][] = [
    [`time to connect ${C} clients (s)`, (r) => r.connectS, 2, C === 10_000 ? 2.5 : undefined],
    ['server CPU per connect (µs)', (r) => r.connectCpuUs, 0],
    ['connections held at the end', (r) => r.held, 0],
    ['server RSS per idle connection (KiB)', (r) => r.rssPerConnKiB, 2, 8],
  ];
  const p99Target: Record<number, number> = { 100: 10, 500: 30 };
  for (const [i, rate] of RATES.entries()) {
    const at = (pick: (x: RateResult) => number) => (r: TargetResult) => (r.rates[i] ? pick(r.rates[i]) : NaN);
    rows.push(
      [`${rate}/s new-order → manager p50/p95/p99 (ms)`, at((x) => x.newOrderManager.p50), 2],
      ['', at((x) => x.newOrderManager.p95), 2],
      ['', at((x) => x.newOrderManager.p99), 2],
      [`${rate}/s new-order → admin p50/p95/p99 (ms)`, at((x) => x.newOrderAdmin.p50), 2],
      ['', at((x) => x.newOrderAdmin.p95), 2],
      ['', at((x) => x.newOrderAdmin.p99), 2],
      [`${rate}/s status → customer p50/p95/p99 (ms)`, at((x) => x.statusCustomer.p50), 2],
      ['', at((x) => x.statusCustomer.p95), 2],
      ['', at((x) => x.statusCustomer.p99), 2],
      [`${rate}/s p99, all measured deliveries (ms)`, at((x) => x.all.p99), 2, p99Target[rate]],
      [`${rate}/s deliveries seen / expected (%)`, at((x) => (100 * x.delivered) / Math.max(1, x.expected)), 1],
      [`${rate}/s events delivered per second`, at((x) => x.eventsPerSec), 0],
      [`${rate}/s server CPU per order (ms)`, at((x) => x.serverCpuMsPerOrder), 2],
      [`${rate}/s server event-loop delay p99 (ms)`, at((x) => x.eldP99), 1],
    );
  }
  const [a, b] = ['ordercast', 'socketio'] as Proto[];
  const lines: string[] = [];
  lines.push(`| measure | ordercast | Socket.IO 4 | ratio | target |`, `|---|---:|---:|---:|---|`);
  const parts: string[][] = [];
  for (const [name, pick, digits, limit] of rows) {
    const x = med(a, pick);
    const y = med(b, pick);
    if (name) {
      const target = limit === undefined ? '' : `< ${limit} ${Number.isFinite(x) ? (x < limit ? '✓' : '✗') : ''}`;
      parts.push([name, f(x, digits), f(y, digits), f(x / y, 2), target]);
    } else {
      const last = parts[parts.length - 1]!;
      last[1] += ` / ${f(x, digits)}`;
      last[2] += ` / ${f(y, digits)}`;
      last[3] += ` / ${f(x / y, 2)}`;
    }
  }
  for (const p of parts) lines.push(`| ${p.join(' | ')} |`);
  return lines.join('\n');
}

/** Open-file limit of the children (they inherit ours): the server holds one fd per client, each load generator its share. */
function checkFdLimit(): void {
  let limit = NaN;
  try {
    limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  } catch {
    return;
  }
  const need = C + 200;
  if (Number.isFinite(limit) && limit < need) {
    throw new Error(
      `open-file limit is ${limit}, the server needs about ${need} for ${C} clients: raise it (ulimit -n ${Math.max(65536, need)}, needs a hard limit that allows it) or lower --clients`,
    );
  }
}

async function main() {
  checkFdLimit();
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}`;
  console.log(`bench:realtime — ${C} clients (staff ${STAFF_PER_ROOM} per room, ${ACTIVE} ordering customers), rates ${RATES.join(', ')}/s × ${DURATION_S} s, ${RUNS} run(s), ${CLIENT_IMPL} clients`);
  console.log(`machine: ${machine}`);
  const setup = benchSetup(benchDatabaseSettings());
  if (TARGETS.includes('ordercast')) console.log(`ordercast on ${setup}${TARGETS.includes('socketio') ? '; Socket.IO 4: one process, SQLite' : ''}`);
  const results = {} as Record<Proto, TargetResult[]>;
  for (let run = 1; run <= RUNS; run++) {
    // Alternate who goes first: the machine is shared and its load drifts.
    for (const target of run % 2 ? TARGETS : [...TARGETS].reverse()) {
      console.log(`run ${run}/${RUNS}: ${target}`);
      (results[target] ??= []).push(await runTarget(target));
      await sleep(1000);
    }
  }
  const out = table(results);
  console.log(
    `\n${RUNS > 1 ? `median of ${RUNS} runs; ` : ''}ratio = ordercast / Socket.IO (below 1 is better for time, memory and latency)\n` +
      `machine: ${machine}, load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}\nordercast on ${setup}\n`,
  );
  console.log(out);
  mkdirSync(RESULTS, { recursive: true });
  const file = `${RESULTS}realtime-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify({ machine, ordercast: setup, loadAverage: loadavg(), clients: C, rates: RATES, durationS: DURATION_S, staffPerRoom: STAFF_PER_ROOM, active: ACTIVE, runs: RUNS, results, table: out }, null, 2));
  console.log(`\nresults: ${file}`);
  agent.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
