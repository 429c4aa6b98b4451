import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openDatabase } from '../../src/db/client';
import type { Sql, SqlText, Statement } from '../../src/db/sql';
import { SqliteSql } from '../../src/db/sql-sqlite';
import { PgSql } from '../../src/db/sql-postgres';
import { testDatabaseEnv } from './app';

/**
 * Raw SQL in a test, on whichever database the test server runs (SQLite, or PostgreSQL on the
 * suite's PostgreSQL pass): named `@params`, as the services write them, through the app's own
 * `Sql`. For reading what a test must check and for setting up what no endpoint can (a price,
 * a clock in the past). Statements are prepared once per text.
 */
export interface TestSql {
  all<R = Record<string, unknown>>(text: SqlText, params?: Record<string, unknown>): Promise<R[]>;
  get<R = Record<string, unknown>>(text: SqlText, params?: Record<string, unknown>): Promise<R | undefined>;
  run(text: SqlText, params?: Record<string, unknown>): Promise<number>;
}

const cache = new WeakMap<Sql, Map<string, Statement<Record<string, unknown>, unknown>>>();

export function testSql(app: FastifyInstance): TestSql {
  return sqlFor(app.sql);
}

function sqlFor(sql: Sql): TestSql {
  let stmts = cache.get(sql);
  if (!stmts) cache.set(sql, (stmts = new Map()));
  const prepared = (text: SqlText) => {
    const key = typeof text === 'string' ? text : `${text.sqlite}\u0000${text.postgres}`;
    let s = stmts.get(key);
    if (!s) stmts.set(key, (s = sql.prepare<Record<string, unknown>, unknown>(text)));
    return s;
  };
  return {
    all: async <R>(text: SqlText, params: Record<string, unknown> = {}) => (await prepared(text).all(params)) as R[],
    get: async <R>(text: SqlText, params: Record<string, unknown> = {}) => (await prepared(text).get(params)) as R | undefined,
    run: async (text: SqlText, params: Record<string, unknown> = {}) => (await prepared(text).run(params)).changes,
  };
}

/**
 * The database a test server built in `dir` (its own `dir` option, so it outlives the server) left
 * behind, opened on a connection of its own: for checking what a server wrote once it has closed.
 */
export async function openTestDatabase(dir: string): Promise<TestSql & { close(): Promise<void> }> {
  const url = (await testDatabaseEnv(dir)).DATABASE_URL;
  const sql: Sql = url ? new PgSql(url, { poolMax: 1 }) : new SqliteSql(openDatabase(join(dir, 'app.db')).$client);
  return { ...sqlFor(sql), close: () => sql.close() };
}

/**
 * The demo's Moscow Arbat kitchen (restaurant 2) keeps ordinary hours (10:00–22:00): a test that
 * needs it to take orders whatever the hour of the run opens it round the clock first (the
 * catalogue's version trigger makes the next order see it).
 */
export async function openRoundTheClock(app: FastifyInstance, restaurantId: number): Promise<void> {
  const hours = JSON.stringify(Array.from({ length: 7 }, () => ({ open: '00:00', close: '24:00' })));
  await testSql(app).run('UPDATE restaurants SET hours = @hours WHERE id = @id', { hours, id: restaurantId });
}
