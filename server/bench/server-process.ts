/**
 * The real server (src/server.ts) as a child process on a temp SQLite file (or the PostgreSQL
 * database of `startServerNodes`, with several nodes), for the benchmarks
 * that measure it from outside: its CPU and event loop are its own, as in production. Started the
 * way the multi-process tests start it (test/realtime/processes.ts), with production-like settings (development mode for the demo data).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from '../test/realtime/processes';
import type { BenchDatabase } from './bench-database';

export { freePort } from '../test/realtime/processes';

/** The bot token the started server checks sign-ins against (the tests' one: test/helpers/env.ts). */
export { TEST_BOT_TOKEN as BENCH_BOT_TOKEN } from '../test/helpers/env';

export interface BenchServer {
  base: string;
  port: number;
  /** The server's process id (its CPU time is read from /proc by bench:chat). */
  pid: number;
  stop(): Promise<void>;
}

/** Starts the server with production-like settings plus `env`, and resolves once /health answers. */
export async function startServerProcess(env: Record<string, string>, opts: { cpuProfDir?: string; name: string }): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), `ordercast-bench-${opts.name}-`));
  let server: ServerProcess;
  try {
    server = await ServerProcess.start(
      {
        // Development, not production: a production start seeds no demo data, and the benchmark
        // needs the demo cities, menu and staff. Nothing else in the server depends on NODE_ENV.
        NODE_ENV: 'development',
        DATABASE_PATH: join(dir, 'app.db'),
        POS_SYNC_WORKER: 'false',
        // No bot and no Telegram simulator beside the measured server.
        TELEGRAM_BOT: 'false',
        TG_SIM_PORT: '0',
        // Many customers sign in from one address during setup.
        LOGIN_RATE_LIMIT: '10000',
        LOGIN_ADDRESS_LIMIT: '10000',
        ...env,
      },
      opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [],
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // A benchmark that dies must not leave its server behind.
  const orphan = () => server.kill('SIGTERM');
  process.on('exit', orphan);
  return {
    base: server.http,
    port: server.port,
    pid: server.child.pid ?? 0,
    stop: async () => {
      process.off('exit', orphan);
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface BenchNodes {
  nodes: BenchServer[];
  /** Stops every node (in parallel). */
  stop(): Promise<void>;
}

/**
 * `db.nodes` server processes on `db` (bench-database.ts). The first one starts alone and is healthy
 * once it has migrated and seeded the database; the others then start together on it. On SQLite
 * (one node) this is `startServerProcess`.
 */
export async function startServerNodes(db: BenchDatabase, env: Record<string, string>, opts: { cpuProfDir?: string; name: string }): Promise<BenchNodes> {
  const nodeEnv = db.url ? { ...env, DATABASE_URL: db.url } : env;
  const nodes: BenchServer[] = [];
  const stop = () => Promise.all(nodes.map((n) => n.stop())).then(() => undefined);
  try {
    nodes.push(await startServerProcess(nodeEnv, { ...opts, name: `${opts.name}-1` }));
    const rest = await Promise.allSettled(Array.from({ length: db.nodes - 1 }, (_, i) => startServerProcess(nodeEnv, { ...opts, name: `${opts.name}-${i + 2}` })));
    for (const r of rest) if (r.status === 'fulfilled') nodes.push(r.value);
    const failed = rest.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, stop };
}
