import fp from 'fastify-plugin';
import { openDatabase, runMigrations, type Db } from '../../db/client';
import type { Sql } from '../../db/sql';
import { SqliteSql } from '../../db/sql-sqlite';
import { PgSql } from '../../db/sql-postgres';
import { runPostgresMigrations, syncIdentitySequences } from '../../db/postgres-migrate';
import { BACKSTOP_AUTOCHECKPOINT_PAGES, startCheckpointer } from '../../db/checkpointer';
import { seedIfEmpty } from '../../db/seed';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * drizzle over the raw SQLite connection: migrations, and SQLite-only tests' set-up through
     * `db.$client`. Services use `sql`. On PostgreSQL (DATABASE_URL) reading it throws.
     */
    db: Db;
    /** The data-access contract every service is written against (db/sql.ts), on SQLite or PostgreSQL. */
    sql: Sql;
    /**
     * Runs fn in one write transaction (`sql.tx`); after it commits, the commit listeners run (event
     * dispatch, POS worker wake-up). Nothing of a rolled-back fn is ever published.
     */
    tx<T>(fn: () => Promise<T>): Promise<T>;
    /**
     * Like `tx`, but shares one commit with whatever else is submitted in the same event-loop
     * turn (group commit; each fn still succeeds or fails alone). For hot write paths.
     */
    txGrouped<T>(fn: () => Promise<T>): Promise<T>;
    onCommit(listener: () => void): void;
  }
}

export default fp(
  async (app) => {
    const { config } = app;
    const onError = (err: unknown, what: string) => app.log.error({ err }, what);
    let sql: Sql;
    let stop: () => Promise<void>;
    if (config.DATABASE_URL) {
      const pg = new PgSql(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX, poolTimeoutMs: config.DATABASE_POOL_TIMEOUT_MS, onError });
      try {
        // Under an advisory lock: several nodes may start at once against one database.
        await runPostgresMigrations(pg.pool);
        // Production gets no demo data at all (see below).
        if (config.NODE_ENV !== 'production' && (await seedIfEmpty(pg, config.DEMO_PASSWORD))) {
          await syncIdentitySequences(pg.pool);
          app.log.info('empty database: demo data filled');
        }
      } catch (err) {
        await pg.close();
        throw err;
      }
      sql = pg;
      stop = () => pg.close();
      app.decorate('db', {
        getter(): Db {
          throw new Error('app.db is the SQLite connection; this server runs on PostgreSQL (DATABASE_URL): use app.sql');
        },
      });
    } else {
      const db = openDatabase(config.DATABASE_PATH);
      runMigrations(db);
      const lite = new SqliteSql(db.$client, { onListenerError: (err) => onError(err, 'commit listener failed') });
      // Production gets no demo data at all (no known passwords, no sample catalogue): the first
      // admin comes from `npm run create-admin`, the catalogue from `npm run seed-catalogue` or the POS.
      if (config.NODE_ENV !== 'production' && (await seedIfEmpty(lite, config.DEMO_PASSWORD))) {
        app.log.info('empty database: demo data filled');
      }
      sql = lite;
      app.decorate('db', db);
      const checkpointer = config.DATABASE_PATH === ':memory:' ? null : startCheckpointer(db.$client, config.DATABASE_PATH);
      if (checkpointer) db.$client.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
      stop = async () => {
        await checkpointer?.stop();
        await lite.close();
      };
    }
    app.decorate('sql', sql);
    app.decorate('onCommit', (l: () => void) => sql.onCommit(l));
    app.decorate('tx', <T>(fn: () => Promise<T>): Promise<T> => sql.tx(fn));
    app.decorate('txGrouped', <T>(fn: () => Promise<T>): Promise<T> => sql.txGrouped(fn));
    // Runs last (onClose hooks run in reverse registration order): everything else has stopped using it.
    app.addHook('onClose', stop);
  },
  { name: 'db', dependencies: ['config'] },
);
