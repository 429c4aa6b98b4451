import { fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** Wall-clock milliseconds with sub-ms resolution, comparable across the bench's processes on one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/* ---------- what the processes say to each other (IPC) ---------- */

export type Tag = 'bulk' | 'admin' | 'manager' | 'customer';

export interface ClientSpec {
  token: string;
  tag: Tag;
}

export interface StaffSpec {
  token: string;
  role: 'admin' | 'ceo' | 'manager';
  cityId: number | null;
}

/** What a target server child reports once it listens and its users exist. */
export interface TargetInfo {
  port: number;
  /** One per customer socket, each a distinct customer (own user room). */
  customers: { userId: number; token: string }[];
  /** Managers per city and admins; `mover` is the staff token that moves statuses. */
  staff: StaffSpec[];
  mover: string;
  /** A product on the menu of each city, for order bodies. */
  products: Record<number, number>;
  cities: number[];
}

/**
 * `init` starts the server and creates the bench's users; with `join` (the 2nd… node of ordercast on
 * PostgreSQL) it only starts on the database `databaseUrl` the first node migrated and seeded, and
 * reports its port (the users and their tokens are the first node's: every node accepts them).
 */
export type InitOptions = { databaseUrl?: string; join?: boolean };
export type TargetRequest = ({ cmd: 'init'; customers: number; staffPerRoom: number } & InitOptions) | { cmd: 'rss' } | { cmd: 'load' } | { cmd: 'trace' } | { cmd: 'stop' };
export type TargetReply =
  | { type: 'ready'; info: TargetInfo }
  | { type: 'rss'; rss: number; heapUsed: number; external: number }
  /** CPU ms used and event-loop delay (ms) since the previous `load`. */
  | { type: 'load'; cpuMs: number; eldP50: number; eldP99: number; eldMax: number }
  /** BENCH_TRACE=1 (ordercast only): where the time goes inside the server, per stage, since the previous `trace`. */
  | { type: 'trace'; lines: string[] }
  | { type: 'error'; message: string };

export type Proto = 'ordercast' | 'socketio';

/** A received event at a probe socket: [tag index, event kind, order id, receive time]. */
export type Sample = [tagIndex: number, kind: 0 | 1, orderId: number, t: number];
export const TAGS: Tag[] = ['bulk', 'admin', 'manager', 'customer'];
/** kind 0 = new-order, 1 = order-status-updated */

export type LoadRequest =
  /** Client i connects to `ports[i % ports.length]` (the nodes of a multi-node server, evenly). */
  | { cmd: 'connect'; impl: 'raw' | 'ws'; proto: Proto; ports: number[]; clients: ClientSpec[]; window: number; record: boolean }
  | { cmd: 'phase-start' }
  | { cmd: 'phase-end' }
  | { cmd: 'stats' }
  | { cmd: 'stop' };
export type LoadReply =
  | { type: 'connected'; ok: number; failed: number; start: number; end: number; cpuMs: number; firstError?: string }
  | { type: 'phase'; messages: number; samples: Sample[] }
  | { type: 'stats'; open: number; closed: number; closeCodes: Record<string, number> }
  | { type: 'error'; message: string };

/* ---------- child processes ---------- */

export interface Child<Req, Rep> {
  proc: ChildProcess;
  /** Sends a request and waits for the next reply (the children answer one request at a time). */
  ask(req: Req, timeoutMs?: number): Promise<Rep>;
  tell(req: Req): void;
  exited: Promise<number | null>;
}

/**
 * Starts `file` (next to this one) with tsx and an IPC channel. --expose-gc so RSS is read after a
 * full collection; extra execArgv (e.g. --cpu-prof) pass through.
 */
export function spawnChild<Req, Rep extends { type: string }>(file: string, execArgv: string[] = [], env: NodeJS.ProcessEnv = {}): Child<Req, Rep> {
  const path = fileURLToPath(new URL(file, import.meta.url));
  const proc = fork(path, [], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...execArgv],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const waiting: ((m: Rep) => void)[] = [];
  proc.on('message', (m: Rep) => {
    const w = waiting.shift();
    if (w) w(m);
  });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return {
    proc,
    exited,
    tell: (req) => void proc.send(req as object),
    ask(req, timeoutMs = 120_000) {
      return new Promise<Rep>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${file}: no reply to ${JSON.stringify(req).slice(0, 80)} within ${timeoutMs} ms`)), timeoutMs);
        waiting.push((m) => {
          clearTimeout(timer);
          if (m.type === 'error') reject(new Error(`${file}: ${(m as unknown as { message: string }).message}`));
          else resolve(m);
        });
        proc.send(req as object);
      });
    },
  };
}

/** In a child: answer requests one at a time with `handler`. */
export function serve<Req, Rep>(handler: (req: Req) => Promise<Rep>): void {
  let chain = Promise.resolve();
  process.on('message', (req: Req) => {
    chain = chain.then(async () => {
      try {
        process.send!(await handler(req));
      } catch (err) {
        process.send!({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    });
  });
  // The parent is gone: so are we.
  process.on('disconnect', () => process.exit(0));
}

/** What a target process (ordercast or the peer) brings; `serveTarget` answers the orchestrator with it. */
export interface Target {
  init(customers: number, staffPerRoom: number, opts: InitOptions): Promise<TargetInfo>;
  /** BENCH_TRACE lines since the previous call (`distLine` each). */
  trace(): string[];
  /** Stops the server and removes its files; the process exits after it (or after 5 s regardless). */
  close(): Promise<void>;
}

/** A target process: one answer per orchestrator command, the same for both servers. */
export function serveTarget(target: Target): void {
  serve<TargetRequest, TargetReply>(async (req) => {
    switch (req.cmd) {
      case 'init':
        return { type: 'ready', info: await target.init(req.customers, req.staffPerRoom, { databaseUrl: req.databaseUrl, join: req.join }) };
      case 'rss':
        return { type: 'rss', ...(await measuredRss()) };
      case 'load':
        return loadSince();
      case 'trace':
        return { type: 'trace', lines: target.trace() };
      case 'stop':
        setTimeout(async () => {
          setTimeout(() => process.exit(0), 5000).unref();
          try {
            await target.close();
          } finally {
            process.exit(0);
          }
        }, 10);
        return { type: 'rss', ...(await measuredRss()) };
    }
  });
}

/** One stage of a trace: its name and the distribution of its timings, in ms. */
export function distLine(name: string, values: number[]): string {
  const d = dist(values);
  return `${name.padEnd(38)} n=${d.n} p50 ${d.p50.toFixed(2)} p95 ${d.p95.toFixed(2)} p99 ${d.p99.toFixed(2)} max ${d.max.toFixed(2)} ms`;
}

const eld = monitorEventLoopDelay({ resolution: 1 });
eld.enable();
let lastCpu = process.cpuUsage();
/** Server CPU time and event-loop delay since the previous call. */
export function loadSince(): { type: 'load'; cpuMs: number; eldP50: number; eldP99: number; eldMax: number } {
  const cpu = process.cpuUsage(lastCpu);
  lastCpu = process.cpuUsage();
  const out = {
    type: 'load' as const,
    cpuMs: (cpu.user + cpu.system) / 1000,
    eldP50: eld.percentile(50) / 1e6,
    eldP99: eld.percentile(99) / 1e6,
    eldMax: eld.max / 1e6,
  };
  eld.reset();
  return out;
}

/** RSS after a full collection, settled. */
export async function measuredRss(): Promise<{ rss: number; heapUsed: number; external: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(200);
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

/* ---------- statistics ---------- */

export interface Dist {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function dist(values: number[]): Dist {
  if (!values.length) return { n: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const s = Float64Array.from(values).sort();
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { n: s.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: s[s.length - 1]! };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/* ---------- flags ---------- */

/** --name=value or --name value, else env BENCH_NAME (upper snake), else the default. */
export function flag(name: string, def: string): string {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1] ?? def;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? def;
}
