import pg from 'pg';
import { freshDatabase } from './pg';

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

/** A fresh database (helpers/pg.ts) with a small pool on it; `drop` closes the pool and removes the database. */
export async function createFreshDatabase(): Promise<FreshDatabase> {
  const db = await freshDatabase('ordercast_test');
  const pool = new pg.Pool({ connectionString: db.url, max: 4, types });
  // DROP DATABASE … WITH (FORCE) ends connections a closing pool has not finished closing (57P01):
  // expected at teardown. Anything else on an idle connection fails the test.
  pool.on('error', (err: Error & { code?: string }) => {
    if (err.code !== '57P01') throw err;
  });
  return {
    url: db.url,
    pool,
    async drop() {
      await pool.end();
      await db.drop();
    },
  };
}
