import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the tests use: `TEST_DATABASE_URL`, or the local one (user postgres, trust auth). */
export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** int8 (bigint) read as a JS number, as the application reads it: ids and money stay below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface FreshDatabase {
  url: string;
  /** A pool on the database (closed by drop). */
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** A new, empty database with a random name, so tests never collide; `drop` removes it. */
export async function createFreshDatabase(): Promise<FreshDatabase> {
  const name = `ordercast_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4, types });
  // DROP DATABASE … WITH (FORCE) ends connections a closing pool has not finished closing (57P01):
  // expected at teardown. Anything else on an idle connection fails the test.
  pool.on('error', (err: Error & { code?: string }) => {
    if (err.code !== '57P01') throw err;
  });
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const a = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
