import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestOptions } from 'vitest';
import type { Sql } from '../../src/db/sql';

/**
 * The data-access contract (src/db/sql.ts) as tests every implementation runs:
 *
 *   sqlContract('PostgreSQL', async () => ({ sql, dispose }), await requireService('postgres'));
 *
 * `makeSql` gives a fresh, empty database each test (and `dispose` removes it). Only SQL both
 * dialects understand is used here, except where a test is about the per-dialect text.
 */
export interface ContractTarget {
  sql: Sql;
  dispose(): Promise<void>;
}

interface Item {
  id: number;
  name: string;
  qty: number;
}

const tick = () => new Promise((r) => setTimeout(r, 1));

export function sqlContract(name: string, makeSql: () => Promise<ContractTarget>, options: TestOptions = {}): void {
  describe(`Sql contract: ${name}`, options, () => {
    let target: ContractTarget;
    let sql: Sql;
    let insert: ReturnType<typeof prepareInsert>;
    let names: () => Promise<string[]>;

    const prepareInsert = (s: Sql) => s.prepare<{ id: number; name: string; qty: number }>('INSERT INTO items (id, name, qty) VALUES (@id, @name, @qty)');

    beforeEach(async () => {
      target = await makeSql();
      sql = target.sql;
      await sql.prepare('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 0)').run();
      await sql.prepare('CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)').run();
      await sql.prepare('INSERT INTO counters (id, n) VALUES (1, 0)').run();
      insert = prepareInsert(sql);
      const namesStmt = sql.prepare<void, { name: string }>('SELECT name FROM items ORDER BY id');
      names = async () => (await namesStmt.all()).map((r) => r.name);
    });
    afterEach(async () => {
      await target?.dispose();
    });

    it('returns rows with the names the statement gives them, integers and booleans as numbers', async () => {
      await insert.run({ id: 1, name: 'soup', qty: 2 });
      await insert.run({ id: 2, name: 'tea', qty: 5 });
      const rows = await sql.prepare<void, Item>('SELECT id AS "id", name AS "name", qty AS "qty" FROM items ORDER BY id').all();
      expect(rows).toEqual([
        { id: 1, name: 'soup', qty: 2 },
        { id: 2, name: 'tea', qty: 5 },
      ]);
      const agg = await sql.prepare<void, { n: unknown; total: unknown; yes: unknown; no: unknown }>(
        'SELECT COUNT(*) AS n, SUM(qty) AS total, (1 = 1) AS yes, (1 = 2) AS no FROM items',
      ).get();
      expect(agg).toEqual({ n: 2, total: 7, yes: 1, no: 0 });
    });

    it('binds named parameters by name, a name used twice included; get gives undefined for no row; run counts changes', async () => {
      for (const [id, n, qty] of [[1, 'a', 1], [2, 'b', 2], [3, 'c', 3]] as const) await insert.run({ id, name: n, qty });
      const between = sql.prepare<{ lo: number; hi: number; skip: string }, { name: string }>(
        'SELECT name FROM items WHERE qty >= @lo AND qty <= @hi AND name <> @skip AND (@lo < @hi OR @lo = @hi) ORDER BY id',
      );
      expect((await between.all({ lo: 1, hi: 3, skip: 'b' })).map((r) => r.name)).toEqual(['a', 'c']);
      expect(await between.get({ lo: 9, hi: 9, skip: '' })).toBeUndefined();
      const bump = sql.prepare<{ by: number; min: number }>('UPDATE items SET qty = qty + @by WHERE qty >= @min');
      expect(await bump.run({ by: 10, min: 2 })).toEqual({ changes: 2 });
      expect(await bump.run({ by: 10, min: 100 })).toEqual({ changes: 0 });
      // A text that looks like a parameter inside a string literal is text.
      const lit = await sql.prepare<{ x: string }, { a: string; b: string }>("SELECT '@x' AS a, @x AS b").get({ x: 'value' });
      expect(lit).toEqual({ a: '@x', b: 'value' });
    });

    it('runs the text of its own dialect where a statement gives both', async () => {
      const which = sql.prepare<void, { d: string }>({ sqlite: "SELECT 'sqlite' AS d", postgres: "SELECT 'postgres' AS d" });
      expect((await which.get())?.d).toBe(sql.dialect);
    });

    it('commits a transaction, and one that throws leaves nothing and rejects with its error', async () => {
      const value = await sql.tx(async () => {
        await insert.run({ id: 1, name: 'kept', qty: 1 });
        return 42;
      });
      expect(value).toBe(42);
      const boom = new Error('boom');
      await expect(
        sql.tx(async () => {
          await insert.run({ id: 2, name: 'lost', qty: 1 });
          await sql.prepare('UPDATE counters SET n = n + 1').run();
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await names()).toEqual(['kept']);
      expect((await sql.prepare<void, { n: number }>('SELECT n FROM counters').get())?.n).toBe(0);
    });

    it('a failing statement rolls its transaction back', async () => {
      await expect(
        sql.tx(async () => {
          await insert.run({ id: 1, name: 'first', qty: 1 });
          await insert.run({ id: 1, name: 'duplicate key', qty: 1 });
        }),
      ).rejects.toThrow();
      expect(await names()).toEqual([]);
    });

    it('a nested tx is a savepoint: its failure rolls back only its own writes', async () => {
      await sql.tx(async () => {
        await insert.run({ id: 1, name: 'outer-before', qty: 1 });
        await expect(
          sql.tx(async () => {
            await insert.run({ id: 2, name: 'inner', qty: 1 });
            await sql.tx(async () => insert.run({ id: 3, name: 'inner-inner', qty: 1 }));
            throw new Error('inner fails');
          }),
        ).rejects.toThrow('inner fails');
        // A failed statement inside a savepoint leaves the outer transaction usable too.
        await expect(sql.tx(async () => insert.run({ id: 1, name: 'duplicate', qty: 1 }))).rejects.toThrow();
        await sql.tx(async () => insert.run({ id: 4, name: 'inner-ok', qty: 1 }));
        await insert.run({ id: 5, name: 'outer-after', qty: 1 });
      });
      expect(await names()).toEqual(['outer-before', 'inner-ok', 'outer-after']);
    });

    it('a savepoint that succeeded is undone when its outer transaction fails', async () => {
      await expect(
        sql.tx(async () => {
          await sql.tx(async () => insert.run({ id: 1, name: 'inner', qty: 1 }));
          throw new Error('outer fails');
        }),
      ).rejects.toThrow('outer fails');
      expect(await names()).toEqual([]);
    });

    it('calls commit listeners after the outermost commit only, outside the transaction, never after a rollback', async () => {
      const calls: { inTx: boolean; rows: number }[] = [];
      const count = sql.prepare<void, { n: number }>('SELECT COUNT(*) AS n FROM items');
      let pending: Promise<void>[] = [];
      sql.onCommit(() => {
        const inTx = sql.inTx();
        // What the listener reads is committed: a fresh statement sees the row.
        pending.push(count.get().then((r) => void calls.push({ inTx, rows: r?.n ?? -1 })));
      });
      await sql.tx(async () => {
        await sql.tx(async () => insert.run({ id: 1, name: 'a', qty: 1 }));
        await sql.tx(async () => insert.run({ id: 2, name: 'b', qty: 1 }));
        expect(pending).toHaveLength(0);
      });
      await Promise.all(pending);
      expect(calls).toEqual([{ inTx: false, rows: 2 }]);
      pending = [];
      await expect(
        sql.tx(async () => {
          await insert.run({ id: 3, name: 'c', qty: 1 });
          throw new Error('no');
        }),
      ).rejects.toThrow('no');
      expect(pending).toHaveLength(0);
    });

    it('runs concurrent transactions each atomic and isolated from the others’ uncommitted writes', async () => {
      const own = sql.prepare<{ lo: number; hi: number }, { n: number }>('SELECT COUNT(*) AS n FROM items WHERE id >= @lo AND id < @hi');
      const all = sql.prepare<void, { n: number }>('SELECT COUNT(*) AS n FROM items');
      const bump = sql.prepare('UPDATE counters SET n = n + 1 WHERE id = 1');
      const seen: number[] = [];
      await Promise.all(
        Array.from({ length: 10 }, (_, t) =>
          sql.tx(async () => {
            for (let k = 0; k < 3; k++) {
              await insert.run({ id: t * 10 + k, name: `t${t}-${k}`, qty: k });
              await tick();
            }
            await bump.run();
            expect((await own.get({ lo: t * 10, hi: t * 10 + 10 }))?.n).toBe(3);
            // Whatever else it sees is committed work: whole transactions of 3 rows, and its own 3.
            seen.push((await all.get())?.n ?? -1);
          }),
        ),
      );
      for (const n of seen) expect(n % 3).toBe(0);
      expect((await all.get())?.n).toBe(30);
      expect((await sql.prepare<void, { n: number }>('SELECT n FROM counters').get())?.n).toBe(10);
    });

    it('inTx is true inside tx (also across awaits and timers) and false outside', async () => {
      expect(sql.inTx()).toBe(false);
      const seen: boolean[] = [];
      await sql.tx(async () => {
        seen.push(sql.inTx());
        await new Promise((r) => setTimeout(r, 5));
        seen.push(sql.inTx());
        await sql.tx(async () => void seen.push(sql.inTx()));
        seen.push(sql.inTx());
      });
      expect(seen).toEqual([true, true, true, true]);
      expect(sql.inTx()).toBe(false);
    });

    it('scope: undefined outside a transaction, one identity through a transaction (across awaits), another in each savepoint', async () => {
      expect(sql.scope()).toBeUndefined();
      const seen: (object | undefined)[] = [];
      await sql.tx(async () => {
        seen.push(sql.scope());
        await tick();
        seen.push(sql.scope());
        await sql.tx(async () => void seen.push(sql.scope()));
        seen.push(sql.scope());
      });
      expect(seen[0]).toBeDefined();
      expect(seen[1]).toBe(seen[0]);
      expect(seen[2]).toBeDefined();
      expect(seen[2]).not.toBe(seen[0]);
      expect(seen[3]).toBe(seen[0]);
      expect(sql.scope()).toBeUndefined();
    });

    it('txGrouped: each piece atomic, a failing one rolls back alone, all settle after the commit', async () => {
      const after: boolean[] = [];
      const results = await Promise.allSettled([
        sql.txGrouped(async () => insert.run({ id: 1, name: 'a', qty: 1 })).then(() => void after.push(sql.inTx())),
        sql.txGrouped(async () => {
          await insert.run({ id: 2, name: 'b', qty: 1 });
          throw new Error('piece fails');
        }),
        sql.txGrouped(async () => insert.run({ id: 3, name: 'c', qty: 1 })).then(() => void after.push(sql.inTx())),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(after).toEqual([false, false]);
      expect(await names()).toEqual(['a', 'c']);
    });
  });
}
