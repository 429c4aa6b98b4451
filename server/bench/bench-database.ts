/**
 * Which database the benchmarks' servers run on, and how many server nodes share it (issue 13):
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres   a PostgreSQL *server*: the bench
 *       creates a fresh database `oc_bench_<random>` on it and drops it at the end. Its
 *       `synchronous_commit` is left at the server's setting (on by default): the figures are for
 *       durable commits, as in production (the test databases turn it off).
 *   BENCH_NODES=N (1)   N server processes on that one database. With PostgreSQL and no REDIS_URL the
 *       nodes use the LISTEN/NOTIFY bus (events/bus-postgres.ts): a PostgreSQL-only deployment.
 *
 * Unset: SQLite, a temp file per run, one node (several processes on one SQLite file need Redis
 * between them; that is not what these benchmarks compare).
 */
import pg from 'pg';
import { freshDatabase } from '../test/helpers/pg';

export interface BenchDatabase {
  dialect: 'sqlite' | 'postgres';
  nodes: number;
  /** For result headers: the engine, where, and whether commits are durable. */
  label: string;
  /** The fresh database's URL (PostgreSQL); undefined on SQLite (each server brings its temp file). */
  url?: string;
  /** Drops the fresh database (PostgreSQL); nothing on SQLite. */
  drop(): Promise<void>;
}

/** BENCH_DATABASE_URL / BENCH_NODES, checked; creates nothing. */
export function benchDatabaseSettings(): { dialect: 'sqlite' | 'postgres'; nodes: number; serverUrl?: string } {
  const serverUrl = process.env.BENCH_DATABASE_URL || undefined;
  const nodes = Number(process.env.BENCH_NODES || 1);
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`BENCH_NODES must be a positive integer (got ${process.env.BENCH_NODES})`);
  if (!serverUrl) {
    if (nodes > 1) throw new Error('BENCH_NODES > 1 needs BENCH_DATABASE_URL (several nodes share one PostgreSQL database)');
    return { dialect: 'sqlite', nodes };
  }
  if (!/^postgres(ql)?:\/\//.test(serverUrl)) throw new Error(`BENCH_DATABASE_URL must be a postgres:// URL (got ${serverUrl})`);
  return { dialect: 'postgres', nodes, serverUrl };
}

/** The database and node count from BENCH_DATABASE_URL / BENCH_NODES; creates the fresh PostgreSQL database. */
export async function benchDatabase(): Promise<BenchDatabase> {
  const { nodes, serverUrl } = benchDatabaseSettings();
  if (!serverUrl) return { dialect: 'sqlite', nodes, label: 'SQLite (temp file, WAL)', drop: async () => {} };
  const db = await freshDatabase('oc_bench', { serverUrl, durable: true });
  try {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    let version = '?';
    let syncCommit = '?';
    try {
      version = (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version.split(' ')[0]!;
      syncCommit = (await c.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;
    } finally {
      await c.end();
    }
    const u = new URL(db.url);
    return {
      dialect: 'postgres',
      nodes,
      label: `PostgreSQL ${version} at ${u.host}, database ${db.name}, synchronous_commit ${syncCommit}`,
      url: db.url,
      drop: db.drop,
    };
  } catch (err) {
    await db.drop();
    throw err;
  }
}

/** "SQLite, 1 node" / "PostgreSQL, 3 nodes": for result headers and file names. */
export function benchSetup(db: Pick<BenchDatabase, 'dialect' | 'nodes'>): string {
  return `${db.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${db.nodes} node${db.nodes > 1 ? 's' : ''}`;
}
