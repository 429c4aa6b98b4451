import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteSql } from '../../src/db/sql-sqlite';
import { sqlContract } from './sql-contract';

/** A real SQLite file in a fresh folder, one table of (id, v). */
function open(): { sql: SqliteSql; done: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'ordercast-sql-'));
  const db = new Database(join(dir, 'test.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)');
  const sql = new SqliteSql(db);
  return {
    sql,
    async done() {
      await sql.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('SqliteSql', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });
  const setup = () => {
    const o = open();
    cleanup = o.done;
    const insert = o.sql.prepare<{ v: string }, { id: number }>('INSERT INTO t (v) VALUES (@v) RETURNING id');
    const all = o.sql.prepare<void, { v: string }>('SELECT v FROM t ORDER BY id');
    const values = async () => (await all.all()).map((r) => r.v);
    return { sql: o.sql, insert, all, values };
  };

  it('runs statements with named parameters; get, all and run', async () => {
    const { sql, insert, values } = setup();
    expect(await insert.get({ v: 'a' })).toEqual({ id: 1 });
    const upd = sql.prepare<{ from: string; to: string }>('UPDATE t SET v = @to WHERE v = @from');
    expect(await upd.run({ from: 'a', to: 'b' })).toEqual({ changes: 1 });
    expect(await upd.run({ from: 'zzz', to: 'c' })).toEqual({ changes: 0 });
    expect(await values()).toEqual(['b']);
    expect(sql.prepare({ sqlite: 'SELECT 1 AS x', postgres: 'SELECT 2 AS x' })).toBeDefined();
    expect(await sql.prepare<void, { x: number }>({ sqlite: 'SELECT 1 AS x', postgres: 'SELECT 2 AS x' }).get()).toEqual({ x: 1 });
    // A constraint error is a rejected promise, never a synchronous throw.
    const p = insert.get({ v: 'b' });
    await expect(p).rejects.toThrow(/UNIQUE/);
  });

  it('a tx commits, a throwing tx rolls back everything it wrote', async () => {
    const { sql, insert, values } = setup();
    expect(sql.inTx()).toBe(false);
    const r = await sql.tx(async () => {
      expect(sql.inTx()).toBe(true);
      await insert.run({ v: 'kept' });
      return 42;
    });
    expect(r).toBe(42);
    await expect(
      sql.tx(async () => {
        await insert.run({ v: 'lost' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await values()).toEqual(['kept']);
    expect(sql.client.inTransaction).toBe(false);
  });

  it('nested tx is a savepoint: its failure undoes only its own writes', async () => {
    const { sql, insert, values } = setup();
    await sql.tx(async () => {
      await insert.run({ v: 'outer' });
      await expect(
        sql.tx(async () => {
          await insert.run({ v: 'inner' });
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await sql.tx(async () => {
        await insert.run({ v: 'inner ok' });
        await sql.tx(() => insert.run({ v: 'deeper' }));
      });
    });
    expect(await values()).toEqual(['outer', 'inner ok', 'deeper']);
  });

  it('parallel nested transactions in one tx take turns instead of interleaving savepoints', async () => {
    const { sql, insert, values } = setup();
    await sql.tx(async () => {
      const results = await Promise.allSettled([
        sql.tx(async () => {
          await insert.run({ v: 'a1' });
          await tick();
          await insert.run({ v: 'a2' });
          throw new Error('a fails');
        }),
        sql.tx(async () => {
          await insert.run({ v: 'b1' });
        }),
      ]);
      expect(results.map((x) => x.status)).toEqual(['rejected', 'fulfilled']);
    });
    expect(await values()).toEqual(['b1']);
  });

  it('holds the connection across awaits: outside statements and other transactions wait for the commit', async () => {
    const { sql, insert, values } = setup();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = sql.tx(async () => {
      await insert.run({ v: 'tx1' });
      order.push('tx1 wrote');
      await gate; // another turn of the event loop, the transaction still open
      order.push('tx1 commits');
    });
    await tick();
    // Outside the transaction: must not see (or join) the open transaction's write.
    const outside = values().then((v) => {
      order.push(`outside read ${v.join(',')}`);
      return v;
    });
    const second = sql.tx(async () => {
      order.push('tx2 starts');
      await insert.run({ v: 'tx2' });
    });
    await tick();
    await tick();
    expect(order).toEqual(['tx1 wrote']);
    release();
    await Promise.all([first, outside, second]);
    expect(order.slice(0, 2)).toEqual(['tx1 wrote', 'tx1 commits']);
    expect(order.slice(2).sort()).toEqual(['outside read tx1', 'tx2 starts']);
    // The read waited for tx1's commit and ran before tx2 (queued behind it): it saw tx1 only.
    expect(await outside).toEqual(['tx1']);
    expect(await values()).toEqual(['tx1', 'tx2']);
  });

  it('a statement started inside a tx but run after its commit is outside it', async () => {
    const { sql, insert, values } = setup();
    let later: Promise<unknown> | undefined;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await sql.tx(async () => {
      later = gate.then(() => insert.run({ v: 'after' }));
    });
    const blocker = sql.tx(async () => {
      await insert.run({ v: 'blocker' });
      await tick();
    });
    release();
    await Promise.all([later, blocker]);
    // The late statement waited for `blocker` (it is not part of that transaction), so both are there.
    expect((await values()).sort()).toEqual(['after', 'blocker']);
  });

  it('commit listeners run after every outermost commit, never after a rollback or a savepoint', async () => {
    const { sql, insert } = setup();
    const seen: boolean[] = [];
    sql.onCommit(() => seen.push(sql.client.inTransaction));
    await sql.tx(async () => {
      await insert.run({ v: 'x' });
      await sql.tx(() => insert.run({ v: 'y' }));
    });
    expect(seen).toEqual([false]);
    await sql.tx(async () => {
      throw new Error('no');
    }).catch(() => undefined);
    expect(seen).toEqual([false]);
    await sql.txGrouped(() => insert.run({ v: 'z' }));
    expect(seen).toEqual([false, false]);
  });

  it('txGrouped: one shared commit, a failing piece rolls back alone, promises settle after COMMIT', async () => {
    const { sql, insert, values } = setup();
    let commits = 0;
    sql.onCommit(() => commits++);
    const settledInTx: boolean[] = [];
    const results = await Promise.allSettled([
      sql.txGrouped(() => insert.run({ v: 'p1' })),
      sql.txGrouped(async () => {
        await insert.run({ v: 'p2' });
        throw new Error('p2 fails after writing');
      }),
      sql.txGrouped(async () => {
        await insert.run({ v: 'p3' });
        return 'three';
      }).then((v) => {
        settledInTx.push(sql.client.inTransaction);
        return v;
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseFulfilledResult<string>).value).toBe('three');
    expect(settledInTx).toEqual([false]);
    expect(commits).toBe(1);
    expect(await values()).toEqual(['p1', 'p3']);
  });

  it('txGrouped: a piece sees the pieces before it; a lone failing piece writes nothing', async () => {
    const { sql, insert, values } = setup();
    const count = sql.prepare<void, { n: number }>('SELECT count(*) AS n FROM t');
    const seen = await Promise.all([1, 2, 3].map((i) => sql.txGrouped(async () => (await insert.run({ v: `v${i}` }), (await count.get())!.n))));
    expect(seen).toEqual([1, 2, 3]);
    await expect(
      sql.txGrouped(async () => {
        await insert.run({ v: 'lonely' });
        throw new Error('alone');
      }),
    ).rejects.toThrow('alone');
    expect(sql.client.inTransaction).toBe(false);
    expect(await values()).toEqual(['v1', 'v2', 'v3']);
  });

  it('txGrouped inside a tx is a savepoint of that tx', async () => {
    const { sql, insert, values } = setup();
    await sql.tx(async () => {
      await insert.run({ v: 'outer' });
      await expect(
        sql.txGrouped(async () => {
          await insert.run({ v: 'inner' });
          throw new Error('inner');
        }),
      ).rejects.toThrow('inner');
    });
    expect(await values()).toEqual(['outer']);
  });

  it('a commit listener that throws does not fail the committed transaction', async () => {
    const errors: unknown[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'ordercast-sql-'));
    const sql = new SqliteSql(new Database(join(dir, 'l.db')), { onListenerError: (e) => errors.push(e) });
    cleanup = async () => {
      await sql.close();
      rmSync(dir, { recursive: true, force: true });
    };
    sql.onCommit(() => {
      throw new Error('listener');
    });
    await expect(sql.tx(async () => 1)).resolves.toBe(1);
    expect(errors).toHaveLength(1);
  });
});

// The contract every implementation passes (sql-contract.ts), on a fresh SQLite file per test.
sqlContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordercast-sql-contract-'));
  const db = new Database(join(dir, 'contract.db'));
  db.pragma('journal_mode = WAL');
  const sql = new SqliteSql(db);
  return {
    sql,
    async dispose() {
      await sql.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
