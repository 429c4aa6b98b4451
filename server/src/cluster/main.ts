/**
 * `npm run cluster`: several server nodes on this machine behind a local load balancer, as a
 * deployment of several machines would run (README "Several nodes"). Two ways:
 *  - DATABASE_URL=postgres://…: the nodes share that PostgreSQL database and hear each other over
 *    its LISTEN/NOTIFY (no Redis), or over Redis when REDIS_URL is set.
 *  - otherwise: the nodes share the SQLite file at DATABASE_PATH and talk over Redis (REDIS_URL,
 *    default the local one; required, since SQLite has no way to wake another process).
 * The POS simulator runs as its own process; the Telegram bot (and its simulator) on node 1 only,
 * since one bot polls Telegram.
 *
 * Settings: CLUSTER_NODES (default 3), PORT (the balancer, default 3000; node i listens on PORT+i),
 * HOST, DATABASE_URL / DATABASE_PATH, REDIS_URL, POS_SIM_PORT
 * (default 3100), SHUTDOWN_DRAIN_MS (default 1500: three of the balancer's health checks), LOG_LEVEL
 * of the nodes (default warn). A node that exits is started again after a second, so
 * `kill -TERM <pid>` of one shows a node draining and coming back while the others serve.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Balancer } from './balancer';

const SERVER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;

function intSetting(name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`Invalid setting ${name}: expected an integer from ${min} to ${max}, got "${raw}"`);
    process.exit(1);
  }
  return n;
}

const count = intSetting('CLUSTER_NODES', 3, 1, 16);
const port = intSetting('PORT', 3000, 1, 65535 - 16);
const posPort = intSetting('POS_SIM_PORT', 3100, 1, 65535);
const host = env.HOST ?? '127.0.0.1';
const balancerUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
const postgresUrl = env.DATABASE_URL || undefined;
const sqlitePath = resolve(env.DATABASE_PATH ?? './data/app.db');
// On PostgreSQL Redis is optional (the nodes' bus is then the database's LISTEN/NOTIFY:
// plugins/app/events.ts); on SQLite it is the only bus between processes.
const redisUrl = env.REDIS_URL || (postgresUrl ? undefined : 'redis://127.0.0.1:6379');
const database: Record<string, string> = postgresUrl ? { DATABASE_URL: postgresUrl } : { DATABASE_PATH: sqlitePath };

/** The database URL as the banner shows it: without its password. */
function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'DATABASE_URL';
  }
}
const databaseLine = postgresUrl ? `PostgreSQL ${withoutPassword(postgresUrl)}` : `SQLite ${sqlitePath}`;
const busLine = redisUrl ? `Redis at ${redisUrl}` : 'PostgreSQL LISTEN/NOTIFY (no Redis)';

/** Redis must be there before anything starts: without it the nodes could not hear each other. */
async function redisReachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((res) => {
    const s = connect({ host: u.hostname || '127.0.0.1', port: Number(u.port) || 6379 });
    const done = (ok: boolean) => {
      s.destroy();
      res(ok);
    };
    s.setTimeout(1500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => done(true));
  });
}

let stopping = false;
const children = new Map<string, ChildProcess>();

function run(name: string, script: string, childEnv: Record<string, string>): ChildProcess {
  const p = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: SERVER_DIR,
    env: { ...env, ...childEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}] `;
  for (const stream of [p.stdout, p.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      for (const line of String(chunk).split('\n')) if (line) process.stdout.write(prefix + line + '\n');
    });
  }
  children.set(name, p);
  return p;
}

const nodeUrl = (i: number) => `http://127.0.0.1:${port + i}`;

function nodeEnv(i: number): Record<string, string> {
  return {
    ...database,
    PORT: String(port + i),
    HOST: '127.0.0.1',
    // Set to nothing on PostgreSQL without Redis: a REDIS_URL the shell has must not pick the bus.
    REDIS_URL: redisUrl ?? '',
    PUBLIC_URL: env.PUBLIC_URL ?? balancerUrl,
    POS_URL: env.POS_URL ?? `http://127.0.0.1:${posPort}`,
    POS_SIM_PORT: '0',
    // The balancer is on this machine: its X-Forwarded-For is believed, nobody else's.
    TRUST_PROXY: 'loopback',
    SHUTDOWN_DRAIN_MS: env.SHUTDOWN_DRAIN_MS ?? '1500',
    LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
    // One bot polls Telegram: node 1's (with the Bot API simulator beside it in development).
    ...(i === 1 ? {} : { TELEGRAM_BOT: 'false', TG_SIM_PORT: '0' }),
  };
}

async function healthy(url: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Starts node i and keeps it running: an exit (SIGTERM, a crash) starts it again, until the cluster stops. */
function startNode(i: number): ChildProcess | undefined {
  if (stopping) return undefined;
  const p = run(`node-${i}`, 'src/server.ts', nodeEnv(i));
  p.on('exit', (code, signal) => {
    if (stopping) return;
    console.log(`[cluster] node-${i} exited (${signal ?? code}); starting it again`);
    setTimeout(() => !stopping && startNode(i), 1000);
  });
  return p;
}

if (redisUrl && !(await redisReachable(redisUrl))) {
  const why = postgresUrl
    ? 'REDIS_URL is set, so the nodes talk over it (unset it to use PostgreSQL LISTEN/NOTIFY)'
    : 'on SQLite the nodes talk over it (set REDIS_URL or start redis-server, or run on PostgreSQL with DATABASE_URL)';
  console.error(`npm run cluster needs Redis at ${redisUrl}: ${why}`);
  process.exit(1);
}

// Set once the nodes are up; a shutdown before then has none to close.
let balancer: Balancer | undefined = undefined;

async function shutdown(code = 0): Promise<never> {
  stopping = true;
  await balancer?.close().catch(() => {});
  const exits = [...children.values()].filter((p) => p.exitCode === null && p.signalCode === null).map((p) => new Promise((r) => p.once('exit', r)));
  for (const p of children.values()) p.kill('SIGTERM');
  await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 15_000).unref())]);
  process.exit(code);
}
// Before the first child starts: a signal while the nodes are still starting must stop them too,
// not leave them running without this process.
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

run('pos-sim', 'src/pos/simulator/main.ts', { POS_SIM_PORT: String(posPort), HOST: '127.0.0.1', PUBLIC_URL: balancerUrl, LOG_LEVEL: env.LOG_LEVEL ?? 'warn' });
// Node 1 first: on an empty database it migrates and seeds; the others then find it ready.
startNode(1);
if (!(await healthy(nodeUrl(1), 90_000))) {
  console.error('[cluster] node-1 did not become healthy; stopping');
  await shutdown(1);
}
for (let i = 2; i <= count; i++) startNode(i);
await Promise.all(Array.from({ length: count - 1 }, (_, k) => healthy(nodeUrl(k + 2), 90_000)));

balancer = await Balancer.start({ nodes: Array.from({ length: count }, (_, k) => nodeUrl(k + 1)), port, host });

const pids = Array.from({ length: count }, (_, k) => `node-${k + 1} ${nodeUrl(k + 1)} (pid ${children.get(`node-${k + 1}`)?.pid})`);
console.log(
  [
    '',
    `ordercast cluster: ${count} node${count === 1 ? '' : 's'} behind a load balancer`,
    `  Database:   ${databaseLine}`,
    `  Bus:        ${busLine}`,
    `  Balancer:   ${balancerUrl}   (Mini App ${balancerUrl}/app/ · admin ${balancerUrl}/admin/ · health of each node checked every 500 ms)`,
    ...pids.map((p) => `  Node:       ${p}`),
    `  POS:        http://127.0.0.1:${posPort}`,
    `  Try:        kill -TERM <a node's pid>: it drains (health 503), its clients move to the others, it comes back`,
    '',
  ].join('\n'),
);
