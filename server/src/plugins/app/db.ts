import fp from 'fastify-plugin';
import { openDatabase, runMigrations, writeTx, type Db } from '../../db/client';
import { GroupCommitter } from '../../db/group-commit';
import { BACKSTOP_AUTOCHECKPOINT_PAGES, startCheckpointer } from '../../db/checkpointer';
import { seedIfEmpty } from '../../db/seed';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    /**
     * Runs fn in one write transaction; after it commits, the commit listeners run (event
     * dispatch, POS worker wake-up). Nothing of a rolled-back fn is ever published.
     */
    tx<T>(fn: () => T): T;
    /**
     * Like `tx`, but shares one commit with whatever else is submitted in the same event-loop
     * turn (group commit; each fn still succeeds or fails alone). For hot write paths.
     */
    txGrouped<T>(fn: () => T): Promise<T>;
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
    const listeners: (() => void)[] = [];
    app.decorate('db', db);
    app.decorate('onCommit', (l: () => void) => void listeners.push(l));
    const committed = () => {
      for (const l of listeners) l();
    };
    app.decorate('tx', <T>(fn: () => T): T => {
      const result = writeTx(db, fn);
      committed();
      return result;
    });
    const group = new GroupCommitter(db.$client, committed);
    app.decorate('txGrouped', <T>(fn: () => T): Promise<T> => group.run(fn));
    const checkpointer = app.config.DATABASE_PATH === ':memory:' ? null : startCheckpointer(db.$client, app.config.DATABASE_PATH);
    if (checkpointer) db.$client.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    // Runs last (onClose hooks run in reverse registration order): everything else has stopped using it.
    app.addHook('onClose', async () => {
      await checkpointer?.stop();
      db.$client.close();
    });
  },
  { name: 'db', dependencies: ['config'] },
);
