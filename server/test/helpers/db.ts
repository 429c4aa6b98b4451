import type { FastifyInstance } from 'fastify';
import type { Sql, SqlText, Statement } from '../../src/db/sql';

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
  const sql = app.sql;
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
