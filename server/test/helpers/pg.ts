import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server the tests use: TEST_DATABASE_URL, else DATABASE_URL when it is one, else the local one. */
export const TEST_PG_URL =
  process.env.TEST_DATABASE_URL || (process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:5432/postgres');

export interface TestDatabase {
  url: string;
  name: string;
  /** Drops the database (its open connections are ended first). */
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>, serverUrl = TEST_PG_URL): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface FreshDatabaseOptions {
  /** The PostgreSQL server to create it on (a URL of any database there); TEST_PG_URL by default. */
  serverUrl?: string;
  /**
   * Keep the server's `synchronous_commit` (a commit waits for its WAL flush), as production does:
   * for the benchmarks, which measure durable commits. Off by default for tests, see below.
   */
  durable?: boolean;
}

/** A fresh, empty database with a random name, so tests never collide. */
export async function freshDatabase(prefix = 'oc_test', opts: FreshDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = opts.serverUrl ?? TEST_PG_URL;
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(async (c) => {
    await c.query(`CREATE DATABASE "${name}"`);
    // Tests check what commits, not that it survives a power cut: skip the WAL flush each commit waits for
    // (tens of ms on this disk). Visibility and locking are the same.
    if (!opts.durable) await c.query(`ALTER DATABASE "${name}" SET synchronous_commit = off`);
  }, serverUrl);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`), serverUrl).then(() => undefined),
  };
}

/** Test databases of the PostgreSQL run of the suite (`TEST_DB=postgres`) start with this; the run's global teardown drops what is left. */
export const MATRIX_DB_PREFIX = 'oc_matrix';

/** Drops every database whose name starts with `prefix` (connections ended first). */
export async function dropDatabases(prefix: string): Promise<number> {
  return admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix]);
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    return rows.length;
  });
}
