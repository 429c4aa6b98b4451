import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rewriteParams } from '../../src/db/pg-params';
import { PgSql, type PgSqlOptions } from '../../src/db/sql-postgres';
import { holdOpen } from '../helpers/hold-open';
import { freshDatabase, type TestDatabase } from '../helpers/pg';
import { requireService } from '../helpers/services';
import { sqlContract } from './sql-contract';

const pgOptions = await requireService('postgres');

sqlContract(
  'PostgreSQL',
  async () => {
    const db = await freshDatabase();
    const sql = new PgSql(db.url, { poolMax: 10 });
    return {
      sql,
      dispose: async () => {
        await sql.close();
        await db.drop();
      },
    };
  },
  pgOptions,
);

describe('@name → $n rewriting', () => {
  it('numbers names in first-use order, one number per name', () => {
    expect(rewriteParams('SELECT @b, @a, @b, @a_1')).toEqual({ text: 'SELECT $1, $2, $1, $3', names: ['b', 'a', 'a_1'] });
    expect(rewriteParams('SELECT @x::int + 1')).toEqual({ text: 'SELECT $1::int + 1', names: ['x'] });
  });

  it('leaves @ alone inside literals, quoted identifiers, dollar quotes and comments', () => {
    const keep = [
      "SELECT 'mail@example.com', 'it''s @not'",
      "SELECT E'a\\'@no', e'\\\\'",
      'SELECT "col@x" FROM "t@"',
      'SELECT $$ @no $$, $tag$ @no $x$ @no $tag$',
      'SELECT 1 -- @no\n',
      'SELECT /* @no /* nested @no */ @still_no */ 1',
    ];
    for (const text of keep) expect(rewriteParams(text)).toEqual({ text, names: [] });
    expect(rewriteParams("SELECT 'x' || @p || E'\\'' || @q").names).toEqual(['p', 'q']);
    expect(rewriteParams('SELECT $$@no$$ || @yes').names).toEqual(['yes']);
    expect(rewriteParams('SELECT 1 -- @no\n, @yes').names).toEqual(['yes']);
  });

  it('keeps PostgreSQL @ operators: @>, <@, @@, @-@ and a@b', () => {
    for (const text of ['SELECT a @> b', 'SELECT a<@b', 'SELECT a <@ b', 'SELECT v @@ q', 'SELECT @-@ p', 'SELECT abs@x']) {
      expect(rewriteParams(text)).toEqual({ text, names: [] });
    }
    expect(rewriteParams('SELECT tags @> @want::jsonb').text).toBe('SELECT tags @> $1::jsonb');
  });
});

describe('PostgreSQL specifics', pgOptions, () => {
  let db: TestDatabase;
  const open: PgSql[] = [];
  const make = (opts: PgSqlOptions = {}) => {
    const sql = new PgSql(db.url, { poolMax: 4, ...opts });
    open.push(sql);
    return sql;
  };
  beforeEach(async () => {
    db = await freshDatabase();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    await db.drop();
  });

  const setup = async (sql: PgSql) => {
    await sql.exec('CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)');
    await sql.exec('INSERT INTO accounts VALUES (1, 100), (2, 100)');
  };

  it('runs parameters through PostgreSQL operators and literals as written', async () => {
    const sql = make();
    const row = await sql
      .prepare<{ want: string; mail: string }, { has: number; lit: string; mail: string }>(
        `SELECT '{"a":1,"b":2}'::jsonb @> @want::jsonb AS has, 'x@y' AS lit, @mail AS mail`,
      )
      .get({ want: '{"a":1}', mail: 'me@example.com' });
    expect(row).toEqual({ has: 1, lit: 'x@y', mail: 'me@example.com' });
    await expect(sql.prepare<{ a: number }>('SELECT @a, @b').get({ a: 1 } as never)).rejects.toThrow('missing parameter @b');
  });

  it('parses values as the contract says: int8/numeric numbers, booleans 0/1, JSON text, timestamps ISO-8601 text', async () => {
    const sql = make();
    const row = await sql
      .prepare<void, Record<string, unknown>>(
        `SELECT 9007199254740991::int8 AS big, 12.5::numeric AS num, true AS t, '{"a": [1]}'::jsonb AS j, '{"b":2}'::json AS k,
                '2026-01-02 03:04:05.678+03'::timestamptz AS tz, '2026-01-02 03:04:05'::timestamp AS ts`,
      )
      .get();
    expect(row).toEqual({ big: 9007199254740991, num: 12.5, t: 1, j: '{"a": [1]}', k: '{"b":2}', tz: '2026-01-02T00:04:05.678Z', ts: '2026-01-02T03:04:05.000Z' });
  });

  it('retries a transaction that lost a deadlock, from the start, and both commit', async () => {
    const sql = make();
    await setup(sql);
    const lock = sql.prepare<{ id: number }>('UPDATE accounts SET balance = balance - 1 WHERE id = @id');
    let bothHoldOne!: () => void;
    const barrier = new Promise<void>((r) => (bothHoldOne = r));
    let holding = 0;
    let runs = 0;
    const transfer = (first: number, second: number) =>
      sql.tx(async () => {
        runs++;
        await lock.run({ id: first });
        if (++holding === 2) bothHoldOne();
        await barrier; // the second attempt passes straight through
        await lock.run({ id: second });
      });
    await Promise.all([transfer(1, 2), transfer(2, 1)]);
    expect(sql.retries).toBeGreaterThanOrEqual(1);
    expect(runs).toBeGreaterThanOrEqual(3);
    const rows = await sql.prepare<void, { balance: number }>('SELECT balance FROM accounts ORDER BY id').all();
    expect(rows.map((r) => r.balance)).toEqual([98, 98]);
  });

  it('retries serialization failures at SERIALIZABLE (write skew): each transaction commits once', async () => {
    const sql = make({ isolation: 'serializable' });
    await setup(sql);
    const total = sql.prepare<void, { s: number }>('SELECT SUM(balance) AS s FROM accounts');
    const take = sql.prepare<{ id: number }>('UPDATE accounts SET balance = balance - 150 WHERE id = @id');
    let bothRead!: () => void;
    const barrier = new Promise<void>((r) => (bothRead = r));
    let read = 0;
    // Each may take 150 only while the sum covers it: run serially, only one can.
    const withdraw = (id: number) =>
      sql.tx(async () => {
        const s = (await total.get())?.s ?? 0;
        if (++read === 2) bothRead();
        await barrier;
        if (s < 150) return false;
        await take.run({ id });
        return true;
      });
    const results = await Promise.all([withdraw(1), withdraw(2)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(sql.retries).toBeGreaterThanOrEqual(1);
    expect((await total.get())?.s).toBe(50);
  });

  it('gives up after maxAttempts, and never retries other errors', async () => {
    const sql = make({ maxAttempts: 3 });
    let runs = 0;
    const conflict = Object.assign(new Error('could not serialize'), { code: '40001' });
    await expect(
      sql.tx(async () => {
        runs++;
        throw conflict;
      }),
    ).rejects.toBe(conflict);
    expect(runs).toBe(3);
    runs = 0;
    await expect(
      sql.tx(async () => {
        runs++;
        await sql.exec('SELECT 1/0');
      }),
    ).rejects.toMatchObject({ code: '22012' });
    expect(runs).toBe(1);
  });

  it('a transaction and its savepoints hold one connection: a pool of one runs them', async () => {
    const sql = make({ poolMax: 1, poolTimeoutMs: 2000 });
    await setup(sql);
    const n = await sql.tx(async () => {
      await sql.tx(async () => sql.exec('UPDATE accounts SET balance = 0 WHERE id = 1'));
      return (await sql.prepare<void, { n: number }>('SELECT COUNT(*) AS n FROM accounts WHERE balance = 0').get())?.n;
    });
    expect(n).toBe(1);
  });

  it('pool exhausted: callers wait for a free connection, and fail with a clear error after DATABASE_POOL_TIMEOUT_MS', async () => {
    const sql = make({ poolMax: 2, poolTimeoutMs: 300 });
    // Both connections in open transactions.
    const releases = await Promise.all([1, 2].map(() => holdOpen(sql, async () => {})));
    await expect(sql.tx(async () => 1)).rejects.toMatchObject({ code: 'POOL_TIMEOUT', message: expect.stringContaining('all 2 in use') });
    await expect(sql.exec('SELECT 1')).rejects.toMatchObject({ code: 'POOL_TIMEOUT' });
    // A waiter that arrives while both are busy gets a connection as soon as one is free.
    const waiter = sql.tx(async () => 'served');
    await new Promise((r) => setTimeout(r, 50));
    const releasing = releases.map((release) => release());
    expect(await waiter).toBe('served');
    await Promise.all(releasing);
  });

  it('txGrouped: the pieces of one turn share one transaction and one commit; a lone piece is a plain transaction', async () => {
    const sql = make();
    await setup(sql);
    let commits = 0;
    sql.onCommit(() => commits++);
    const xid = sql.prepare<void, { x: string }>('SELECT pg_current_xact_id()::text AS x');
    const piece = (fail: boolean) =>
      sql.txGrouped(async () => {
        await sql.exec('UPDATE accounts SET balance = balance + 1 WHERE id = 1');
        const x = (await xid.get())!.x;
        if (fail) throw new Error('this piece fails');
        return x;
      });
    const results = await Promise.allSettled([piece(false), piece(true), piece(false), piece(false)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const xids = new Set(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
    expect(xids.size).toBe(1);
    expect(commits).toBe(1);
    expect((await sql.prepare<void, { b: number }>('SELECT balance AS b FROM accounts WHERE id = 1').get())?.b).toBe(103);
    const lone = await piece(false);
    expect(lone).not.toBe([...xids][0]);
    expect(commits).toBe(2);
  });

  it('a connection lost mid-transaction fails that transaction, not the process; the pool carries on', async () => {
    const sql = make({ poolMax: 2 });
    await setup(sql);
    const other = make({ poolMax: 1 });
    await expect(
      sql.tx(async () => {
        await sql.exec('UPDATE accounts SET balance = 0 WHERE id = 1');
        const pid = (await sql.exec('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
        await other.exec('SELECT pg_terminate_backend($1)', [pid]);
        await new Promise((r) => setTimeout(r, 100)); // the 'error' arrives while the transaction is idle
        await sql.exec('SELECT 1');
      }),
    ).rejects.toThrow();
    expect((await sql.prepare<void, { b: number }>('SELECT balance AS b FROM accounts WHERE id = 1').get())?.b).toBe(100);
    expect(await sql.tx(async () => (await sql.exec('SELECT 2 AS two')).rows[0].two)).toBe(2);
  });

  it('ends a transaction left idle longer than idleInTxTimeoutMs, releasing its locks', async () => {
    const sql = make({ idleInTxTimeoutMs: 200 });
    await setup(sql);
    await expect(
      sql.tx(async () => {
        await sql.exec('UPDATE accounts SET balance = 0 WHERE id = 1');
        await new Promise((r) => setTimeout(r, 600));
        await sql.exec('SELECT 1');
      }),
    ).rejects.toThrow();
    // The row lock went with it: another transaction takes it at once.
    await sql.tx(() => sql.exec('UPDATE accounts SET balance = 5 WHERE id = 1'));
    expect((await sql.prepare<void, { b: number }>('SELECT balance AS b FROM accounts WHERE id = 1').get())?.b).toBe(5);
  });

  it('reads DATABASE_POOL_MAX and DATABASE_POOL_TIMEOUT_MS', async () => {
    const sql = PgSql.fromEnv(db.url, { DATABASE_POOL_MAX: '3', DATABASE_POOL_TIMEOUT_MS: '1234' });
    open.push(sql);
    expect(sql.pool.options.max).toBe(3);
    expect(sql.pool.options.connectionTimeoutMillis).toBe(1234);
  });

  it('a statement left running after its transaction ended fails instead of running outside it', async () => {
    const sql = make();
    let late: Promise<unknown> = Promise.resolve();
    await sql.tx(async () => {
      late = new Promise((r) => setTimeout(r, 30)).then(() => sql.exec('SELECT 1'));
    });
    await expect(late).rejects.toThrow('after its transaction ended');
  });
});
