import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PgSql } from '../../src/db/sql-postgres';
import { runPostgresMigrations } from '../../src/db/postgres-migrate';
import { PgEventLog } from '../../src/events/log-postgres';
import { freshDatabase, type TestDatabase } from '../helpers/pg';
import { requireService } from '../helpers/services';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('event log on PostgreSQL', await requireService('postgres'), () => {
  let db: TestDatabase;
  let sql: PgSql;
  let log: PgEventLog;
  const extra: { close(): Promise<unknown> }[] = [];

  beforeEach(async () => {
    db = await freshDatabase();
    sql = new PgSql(db.url, { poolMax: 12 });
    // The schema the application migrates to (drizzle/postgres), not a table of the test's own.
    await runPostgresMigrations(sql.pool);
    log = new PgEventLog(sql);
  });
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((c) => c.close()));
    await sql.close();
    await db.drop();
  });

  /** A second process's view: its own pool. */
  const otherNode = () => {
    const s = new PgSql(db.url, { poolMax: 4 });
    extra.push(s);
    return { sql: s, log: new PgEventLog(s) };
  };

  const append = (marker: string, rooms = ['admin']) => log.insert('menu-updated', rooms, JSON.stringify({ marker }));
  const markers = (events: { json: string }[]) => events.map((e) => (JSON.parse(e.json) as { data: { marker: string } }).data.marker);

  it('appends inside the caller’s transaction, in order, with the wire JSON; rollbacks and rolled-back savepoints leave nothing', async () => {
    expect(() => append('outside')).toThrow('outside a transaction');
    await sql.tx(async () => {
      append('a');
      await expect(
        sql.tx(async () => {
          append('dropped with its savepoint');
          throw new Error('inner');
        }),
      ).rejects.toThrow('inner');
      await sql.tx(async () => append('b'));
      append('c', ['user-1', 'admin']);
    });
    await expect(
      sql.tx(async () => {
        append('rolled back');
        throw new Error('outer');
      }),
    ).rejects.toThrow('outer');
    const events = await log.after(0);
    expect(markers(events)).toEqual(['a', 'b', 'c']);
    expect(events.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(events[2]).toMatchObject({ type: 'menu-updated', rooms: ['user-1', 'admin'], json: '{"type":"menu-updated","data":{"marker":"c"},"id":3}' });
    expect(events[0]!.appendedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(await log.after(1, 1)).toHaveLength(1);
  });

  it('reads in rooms, bounds, resume checks and pruning (which keeps the newest row)', async () => {
    for (let i = 1; i <= 6; i++) await sql.tx(async () => append(`e${i}`, i % 2 ? ['user-7'] : ['city-1-orders', 'admin']));
    expect(markers(await log.inRooms(0, 6, ['user-7']))).toEqual(['e1', 'e3', 'e5']);
    expect(markers(await log.inRooms(2, 5, ['admin', 'user-7']))).toEqual(['e3', 'e4', 'e5']);
    expect(await log.inRooms(0, 6, ['user-70'])).toEqual([]); // a name that contains another's is not it
    expect(await log.bounds()).toEqual({ min: 1, max: 6 });
    expect(await log.canResumeFrom(0)).toBe(true);
    expect(await log.canResumeFrom(7)).toBe(false);
    expect(await log.prune(24, 4)).toBe(2);
    expect(await log.bounds()).toEqual({ min: 3, max: 6 });
    expect(await log.canResumeFrom(1)).toBe(false);
    expect(await log.canResumeFrom(2)).toBe(true);
    expect(await log.prune(0, 1000)).toBe(3); // all older than now: only the newest stays
    expect(await log.highestId()).toBe(6);
    expect(await log.canResumeFrom(6)).toBe(true);
  });

  it('shows the hazard it prevents: plain inserts can become visible out of id order, and a reader skips one', async () => {
    await sql.exec('CREATE TABLE naive (id bigserial PRIMARY KEY)');
    const a = new pg.Client({ connectionString: db.url });
    const b = new pg.Client({ connectionString: db.url });
    await Promise.all([a.connect(), b.connect()]);
    extra.push({ close: () => a.end() }, { close: () => b.end() });
    await a.query('BEGIN');
    await a.query('INSERT INTO naive DEFAULT VALUES'); // id 1
    await b.query('BEGIN');
    await b.query('INSERT INTO naive DEFAULT VALUES'); // id 2
    await b.query('COMMIT');
    const read = async (after: number) => (await sql.exec('SELECT id FROM naive WHERE id > $1 ORDER BY id', [after])).rows.map((r) => Number(r.id));
    const first = await read(0);
    expect(first).toEqual([2]);
    await a.query('COMMIT');
    expect(await read(first.at(-1)!)).toEqual([]); // id 1 committed, and this reader never sees it
  });

  it('two transactions that would commit out of id order: the later one waits, and a reader sees each event once, in order', async () => {
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    let aInserted!: () => void;
    const inserted = new Promise<void>((r) => (aInserted = r));
    const done: string[] = [];
    // A appends, and is held after its events are inserted (ids drawn, lock held) but before COMMIT.
    const a = sql
      .tx(async () => {
        append('A');
        // Registered from a commit hook, this runs after the log's insert (registered the same way, earlier).
        sql.beforeCommit(() =>
          sql.beforeCommit(async () => {
            aInserted();
            await gate;
          }),
        );
      })
      .then(() => done.push('A'));
    await inserted;
    const b = sql.tx(async () => append('B')).then(() => done.push('B'));
    // B reaches its insert and waits for the append lock.
    const other = otherNode();
    for (const started = Date.now(); ; ) {
      if (Date.now() - started > 20_000) throw new Error('B never waited for the append lock');
      const waiting = await other.sql.exec("SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
      if (waiting.rows[0].n === 1) break;
      await sleep(10);
    }
    // A reader polling meanwhile sees neither: A's row is not committed, B's id is not even drawn.
    const seen: { id: number; marker: string }[] = [];
    let position = 0;
    const poll = async () => {
      const batch = await other.log.after(position, 100);
      for (const e of batch) seen.push({ id: e.id, marker: markers([e])[0]! });
      position = batch.at(-1)?.id ?? position;
    };
    for (let i = 0; i < 5; i++) {
      await poll();
      await sleep(10);
    }
    expect(seen).toEqual([]);
    expect(done).toEqual([]);
    openGate();
    await Promise.all([a, b]);
    await poll();
    expect(done).toEqual(['A', 'B']);
    expect(seen.map((s) => s.marker)).toEqual(['A', 'B']);
    expect(seen[0]!.id).toBeLessThan(seen[1]!.id);
  });

  it('many writers (plain and grouped), some rolling back, commits held open at random: a tailing reader gets every committed event once, in id order', async () => {
    const WRITERS = 8;
    const TXS = 30;
    const expected = new Set<string>();
    const tail: { id: number; marker: string }[] = [];
    const reader = otherNode();
    let writing = true;
    const tailing = (async () => {
      let position = 0;
      for (;;) {
        const stop = !writing; // one last full read after every writer is done
        for (;;) {
          const batch = await reader.log.after(position, 50);
          for (const e of batch) tail.push({ id: e.id, marker: markers([e])[0]! });
          position = batch.at(-1)?.id ?? position;
          if (batch.length < 50) break;
        }
        if (stop) return;
        await sleep(1);
      }
    })();
    const writer = async (w: number) => {
      for (let t = 0; t < TXS; t++) {
        const mine = Array.from({ length: 1 + ((w + t) % 3) }, (_, k) => `w${w}-t${t}-e${k}`);
        const fate = (w * 7 + t) % 5; // 0: rolls back; 1: loses a savepoint; else commits
        // Half through group commit: pieces of several writers share a transaction and one insert.
        const run = t % 2 ? (fn: () => Promise<void>) => sql.tx(fn) : (fn: () => Promise<void>) => sql.txGrouped(fn);
        try {
          await run(async () => {
            for (const m of mine) append(m);
            if (fate === 1) {
              await sql.tx(async () => append(`w${w}-t${t}-savepoint-kept`));
              await sql
                .tx(async () => {
                  append(`w${w}-t${t}-savepoint-lost`);
                  throw new Error('savepoint');
                })
                .catch(() => undefined);
            }
            // Hold the commit open a little after the insert, at random: the window the hazard needs.
            sql.beforeCommit(() => sql.beforeCommit(async () => void (await sleep(Math.random() * 4))));
            if (fate === 0) throw new Error('rolled back');
            await sleep(Math.random() * 3);
          });
          for (const m of mine) expected.add(m);
          if (fate === 1) expected.add(`w${w}-t${t}-savepoint-kept`);
        } catch (err) {
          if ((err as Error).message !== 'rolled back') throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    writing = false;
    await tailing;
    const ids = tail.map((e) => e.id);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
    expect(new Set(tail.map((e) => e.marker)).size).toBe(tail.length);
    expect(new Set(tail.map((e) => e.marker))).toEqual(expected);
    expect(markers(await log.after(0, 100_000))).toEqual(tail.map((e) => e.marker));
  });
});
