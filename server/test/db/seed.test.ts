import { describe, expect, it } from 'vitest';
import { seedCatalogueIfEmpty, seedIfEmpty } from '../../src/db/seed';
import type { Sql, SqlText } from '../../src/db/sql';
import { useTestApp } from '../helpers/app';

/** The app's own `Sql`, every call passed through, with the texts it was asked to prepare. */
function counting(sql: Sql): { sql: Sql; prepared: SqlText[] } {
  const prepared: SqlText[] = [];
  return {
    prepared,
    sql: {
      dialect: sql.dialect,
      prepare: <P extends object | void, R>(text: SqlText) => (prepared.push(text), sql.prepare<P, R>(text)),
      tx: (fn) => sql.tx(fn),
      txGrouped: (fn) => sql.txGrouped(fn),
      inTx: () => sql.inTx(),
      scope: () => sql.scope(),
      outsideTx: (fn) => sql.outsideTx(fn),
      onCommit: (listener) => sql.onCommit(listener),
      close: () => sql.close(),
    },
  };
}

describe('seed', () => {
  const t = useTestApp({ POS_SYNC_WORKER: 'false' });

  it('prepares its statements once per Sql, not on every call (a seeded database: each call only checks)', async () => {
    const { sql, prepared } = counting(t.app.sql);
    for (let i = 0; i < 3; i++) {
      expect(await seedIfEmpty(sql, 'demo1234')).toBe(false);
      expect(await seedCatalogueIfEmpty(sql)).toBe(false);
    }
    expect(prepared.filter((text) => text === 'SELECT count(*) AS n FROM cities')).toHaveLength(1);
  });
});
