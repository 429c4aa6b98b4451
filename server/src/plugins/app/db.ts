import fp from 'fastify-plugin';
import { openDatabase, runMigrations, type Db } from '../../db/client';
import type { Sql } from '../../db/sql';
import { SqliteSql } from '../../db/sql-sqlite';
import { BACKSTOP_AUTOCHECKPOINT_PAGES, startCheckpointer } from '../../db/checkpointer';
import { seedIfEmpty } from '../../db/seed';

declare module 'fastify' {
  interface FastifyInstance {
    /** drizzle over the raw SQLite connection: migrations, and tests' set-up through `db.$client`. Services use `sql`. */
    db: Db;
    /** The data-access contract every service is written against (db/sql.ts). */
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
    const db = openDatabase(app.config.DATABASE_PATH);
    runMigrations(db);
    // Production gets no demo data at all (no known passwords, no sample catalogue): the first
    // admin comes from `npm run create-admin`, the catalogue from `npm run seed-catalogue` or the POS.
    if (app.config.NODE_ENV !== 'production' && (await seedIfEmpty(db, app.config.DEMO_PASSWORD))) {
      app.log.info('empty database: demo data filled');
    }
    const sql = new SqliteSql(db.$client, { onListenerError: (err) => app.log.error({ err }, 'commit listener failed') });
    app.decorate('db', db);
    app.decorate('sql', sql);
    app.decorate('onCommit', (l: () => void) => sql.onCommit(l));
    app.decorate('tx', <T>(fn: () => Promise<T>): Promise<T> => sql.tx(fn));
    app.decorate('txGrouped', <T>(fn: () => Promise<T>): Promise<T> => sql.txGrouped(fn));
    const checkpointer = app.config.DATABASE_PATH === ':memory:' ? null : startCheckpointer(db.$client, app.config.DATABASE_PATH);
    if (checkpointer) db.$client.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    // Runs last (onClose hooks run in reverse registration order): everything else has stopped using it.
    app.addHook('onClose', async () => {
      await checkpointer?.stop();
      await sql.close();
    });
  },
  { name: 'db', dependencies: ['config'] },
);
