import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client';
import type { Sql } from '../../src/db/sql';
import { PgSql } from '../../src/db/sql-postgres';
import { SqliteSql } from '../../src/db/sql-sqlite';
import { OutboxRunner, type Held, type Pacing, type RunnerSettings } from '../../src/outbox/runner';
import { onPostgres } from '../helpers/app';
import { holdOpen } from '../helpers/hold-open';
import { freshDatabase } from '../helpers/pg';
import { requireService } from '../helpers/services';

/** An outbox table of the shape every outbox has, plus a key for pacing. */
const jobs = sqliteTable('test_jobs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  chatKey: integer('chat_key').notNull(),
  status: text('status').notNull(),
  attempts: integer('attempts').notNull(),
  nextAttemptAt: text('next_attempt_at').notNull(),
  leaseUntil: text('lease_until'),
  lastError: text('last_error'),
  lastErrorCode: text('last_error_code'),
  claimedAt: text('claimed_at'),
  doneAt: text('done_at'),
  updatedAt: text('updated_at').notNull(),
});
type Job = typeof jobs.$inferSelect;
type Row = Record<string, unknown>;

const log = Fastify({ logger: false }).log;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
const runners: OutboxRunner<Job>[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
  for (const c of cleanups.splice(0).reverse()) await c();
});

const COLUMNS = `chat_key INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL, lease_until TEXT, last_error TEXT,
    last_error_code TEXT, claimed_at TEXT, done_at TEXT, updated_at TEXT NOT NULL`;

/**
 * A real database with the table, of the pass's kind (a SQLite file, or a fresh PostgreSQL
 * database on the PostgreSQL pass); `open()` gives another connection to it (another process's view).
 */
async function database() {
  let open: () => Sql;
  if (onPostgres) {
    const pg = await freshDatabase('oc_outbox');
    cleanups.push(() => pg.drop());
    open = () => {
      const sql = new PgSql(pg.url, { poolMax: 4 });
      cleanups.push(() => sql.close());
      return sql;
    };
    await (open() as PgSql).exec(`CREATE TABLE test_jobs (id BIGSERIAL PRIMARY KEY, ${COLUMNS})`);
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'ordercast-outbox-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    open = () => {
      const sql = new SqliteSql(openDatabase(join(dir, 'outbox.db')).$client);
      cleanups.push(() => sql.close());
      return sql;
    };
    const first = open() as SqliteSql;
    first.client.exec(`CREATE TABLE test_jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, ${COLUMNS})`);
  }
  const sql = open();
  const insert = sql.prepare<{ chatKey: number; at: string }, { id: number }>(
    'INSERT INTO test_jobs (chat_key, next_attempt_at, updated_at) VALUES (@chatKey, @at, @at) RETURNING id',
  );
  const select = sql.prepare<{ id: number }, Row>('SELECT * FROM test_jobs WHERE id = @id');
  const add = async (chatKey = 0, at = new Date().toISOString()): Promise<number> => (await insert.get({ chatKey, at }))!.id;
  const row = async (id: number): Promise<Row> => (await select.get({ id }))!;
  /** Sets a job's status and lease as another holder would. */
  const lease = sql.prepare<{ id: number; status: string; until: string }>('UPDATE test_jobs SET status = @status, lease_until = @until WHERE id = @id');
  const setLease = async (id: number, status: string, until: string) => void (await lease.run({ id, status, until }));
  return { sql, open, add, row, setLease };
}

const SETTINGS: RunnerSettings = { maxAttempts: 3, retryBaseMs: 20, retryMaxMs: 50, leaseMs: 30_000, concurrency: 4, pollMs: 60_000 };

function runner(sql: Sql, send: (held: Held<Job>) => Promise<void>, opts: { settings?: Partial<RunnerSettings>; pacing?: Pacing<Job> } = {}) {
  const r = new OutboxRunner<Job>(
    { sql, log, name: 'test', send, ...(opts.pacing && { pacing: opts.pacing }) },
    { table: jobs, claimed: 'sending', failed: 'failed', claimedAtColumn: 'claimed_at', errorCodeColumn: 'last_error_code' },
    { ...SETTINGS, ...opts.settings },
  );
  runners.push(r);
  return r;
}


describe(`outbox runner (${onPostgres ? 'PostgreSQL, two pools as two nodes' : 'real SQLite file'})`, onPostgres ? await requireService('postgres') : {}, () => {
  it('sends a due job once, finishing it with its columns, and wakes at once for new work (the poll is a minute)', async () => {
    const { sql, add, row } = await database();
    const sent: Job[] = [];
    const r = runner(sql, async (held) => {
      sent.push(held.job);
      await held.finish('done', (now) => ({ done_at: now }));
    });
    const first = await add();
    r.start();
    await waitFor(async () => (await row(first)).status === 'done', 'the first job done');
    const second = await add();
    r.wake();
    await waitFor(async () => (await row(second)).status === 'done', 'the job added after start, on wake');
    expect(sent.map((j) => j.id)).toEqual([first, second]);
    // The sender gets the held row in its drizzle shape.
    expect(sent[0]).toMatchObject({ status: 'sending', attempts: 0, chatKey: 0 });
    expect(sent[0]!.claimedAt).toEqual(expect.any(String));
    const done = await row(second);
    expect(done).toMatchObject({ lease_until: null, attempts: 0 });
    expect(done.done_at).toBe(done.updated_at);
  });

  it('two runners on one database (two connections) send each job exactly once', async () => {
    const a = await database();
    const other = a.open();
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push(await a.add());
    const sends: { id: number; by: string }[] = [];
    const send = (by: string) => async (held: Held<Job>) => {
      sends.push({ id: held.job.id, by });
      await sleep(5);
      await held.finish('done');
    };
    runner(a.sql, send('a')).start();
    runner(other, send('b')).start();
    await waitFor(async () => (await Promise.all(ids.map(a.row))).every((r) => r.status === 'done'), 'all 40 jobs done');
    await sleep(200);
    expect(sends).toHaveLength(40);
    expect(new Set(sends.map((s) => s.id)).size).toBe(40);
  });

  // SQLite has no row locks: a claim holds the database's write lock, and another one simply waits its turn.
  it.skipIf(!onPostgres)('a job another node is claiming (its row locked) is passed over, not waited for: the others go at once', async () => {
    const a = await database();
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push(await a.add());
    // Another node, mid-claim of the oldest job: its transaction holds the row.
    const other = a.open();
    const lockRow = other.prepare<{ id: number }>('SELECT id FROM test_jobs WHERE id = @id FOR UPDATE');
    const release = await holdOpen(other, () => lockRow.get({ id: ids[0]! }));
    const sent: number[] = [];
    const r = runner(a.sql, async (held) => {
      sent.push(held.job.id);
      await held.finish('done');
    });
    r.start();
    try {
      await waitFor(async () => (await a.row(ids[1]!)).status === 'done' && (await a.row(ids[2]!)).status === 'done', 'the two jobs nobody holds', 3_000);
      expect((await a.row(ids[0]!)).status).toBe('pending');
    } finally {
      await release();
    }
    r.wake();
    await waitFor(async () => (await a.row(ids[0]!)).status === 'done', 'the held job, once let go');
    expect(sent).toEqual([ids[1], ids[2], ids[0]]);
  });

  // On SQLite a claim waiting for another connection's lock blocks the whole event loop (busy_timeout): nothing to stop meanwhile.
  it.skipIf(!onPostgres)('stop waits for a pass that is claiming; the jobs it took go back untouched, unsent', async () => {
    const a = await database();
    const id = await a.add();
    const other = a.open();
    const lockTable = other.prepare('LOCK TABLE test_jobs IN EXCLUSIVE MODE');
    const waiting = other.prepare<void, { n: number }>("SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND relation = 'test_jobs'::regclass");
    // Reads go on; the claim's UPDATE waits for the lock.
    const release = await holdOpen(other, () => lockTable.run());
    const sent: number[] = [];
    const r = runner(a.sql, async (held) => {
      sent.push(held.job.id);
      await held.finish('done');
    });
    r.start();
    await waitFor(async () => (await waiting.get())!.n > 0, 'the claim waiting for the lock');
    let stopped = false;
    const stopping = r.stop().then(() => (stopped = true));
    await sleep(100);
    expect(stopped).toBe(false);
    await release();
    await stopping;
    expect(sent).toEqual([]);
    expect(await a.row(id)).toMatchObject({ status: 'pending', lease_until: null, attempts: 0 });
  });

  it('retries a retryable failure with backoff, counting attempts, until it gives up; a rejection gives up at once', async () => {
    const { sql, add, row } = await database();
    const seen: { id: number; attempt: number; final: boolean; nextAt: string | null }[] = [];
    const r = runner(sql, async (held) => {
      const retryable = held.job.chatKey === 1;
      await held.fail({ retryable, message: 'nope', code: retryable ? 'timeout' : 'REJECTED' }, (x) => seen.push({ id: held.job.id, ...x }));
    });
    const flaky = await add(1);
    const rejected = await add(2);
    r.start();
    await waitFor(async () => (await row(flaky)).status === 'failed' && (await row(rejected)).status === 'failed', 'both given up');
    expect(await row(flaky)).toMatchObject({ attempts: 3, last_error: 'nope', last_error_code: 'timeout', lease_until: null });
    expect(await row(rejected)).toMatchObject({ attempts: 1, last_error_code: 'REJECTED' });
    const flakySeen = seen.filter((s) => s.id === flaky);
    expect(flakySeen.map((s) => [s.attempt, s.final])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    // Retries wait the shared backoff (at least 10 ms, at most retryMaxMs) from the write.
    for (const s of flakySeen.slice(0, 2)) expect(s.nextAt).not.toBeNull();
    expect(flakySeen[2]!.nextAt).toBeNull();
    expect(seen.filter((s) => s.id === rejected).map((s) => [s.attempt, s.final])).toEqual([[1, true]]);
  });

  it('hands a job on its way back untouched when stopped, and the next start sends it', async () => {
    const { sql, add, row } = await database();
    let started = false;
    const r = runner(sql, async (held) => {
      started = true;
      await new Promise<void>((resolve) => held.signal.addEventListener('abort', () => resolve(), { once: true }));
      await held.handBack();
    });
    const id = await add();
    r.start();
    await waitFor(() => started, 'the send started');
    expect((await row(id)).status).toBe('sending');
    await r.stop();
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0, lease_until: null });
    const again = runner(sql, async (held) => void (await held.finish('done')));
    again.start();
    await waitFor(async () => (await row(id)).status === 'done', 'sent after the restart');
  });

  it("retakes a job whose holder's lease expired (a crashed process), and a late holder's writes change nothing", async () => {
    const { sql, add, row, setLease } = await database();
    const id = await add();
    await setLease(id, 'sending', new Date(Date.now() - 1000).toISOString());
    let late: { finished: boolean; failed: boolean; ran: boolean } | undefined;
    const r = runner(sql, async (held) => {
      // Another runner retakes it meanwhile (its lease differs): this holder no longer owns it.
      await setLease(held.job.id, 'sending', '2999-01-01T00:00:00.000Z');
      let ran = false;
      const finished = await held.finish('done', {}, () => (ran = true));
      const failed = (await held.fail({ retryable: true, message: 'x' }, () => (ran = true))).owned;
      late ??= { finished, failed, ran };
    });
    r.start();
    expect(await waitFor(() => late, 'the expired job retaken')).toEqual({ finished: false, failed: false, ran: false });
    expect(await row(id)).toMatchObject({ status: 'sending', lease_until: '2999-01-01T00:00:00.000Z', attempts: 0 });
  });

  it('paces per key (in order, one at a time, a pause after each) and caps the starts per second', async () => {
    const { sql, add } = await database();
    const starts: { key: number; at: number }[] = [];
    const pacing: Pacing<Job> = { keyOf: (j) => j.chatKey, perKeyMs: 300, perSecond: 5 };
    const r = runner(
      sql,
      async (held) => {
        starts.push({ key: held.job.chatKey, at: Date.now() });
        await held.finish('done');
      },
      { pacing, settings: { concurrency: 8, scan: 50 } },
    );
    for (let i = 0; i < 3; i++) await add(1);
    for (let k = 2; k < 10; k++) await add(k);
    r.start();
    await waitFor(() => starts.length === 11, 'all 11 jobs', 15_000);
    const key1 = starts.filter((s) => s.key === 1).map((s) => s.at);
    for (let i = 1; i < key1.length; i++) expect(key1[i]! - key1[i - 1]!).toBeGreaterThanOrEqual(300);
    const at = starts.map((s) => s.at);
    // The runner reads the clock just before it calls send, the test just after: the two readings
    // of one start may differ by a millisecond, hence a 999 ms window.
    for (const t of at) expect(at.filter((x) => x >= t && x < t + 999).length).toBeLessThanOrEqual(5);
  });

  it('retryAfter waits the given time without counting an attempt; unpaced lets the key go at once', async () => {
    const { sql, add, row } = await database();
    const starts: number[] = [];
    const r = runner(
      sql,
      async (held) => {
        starts.push(Date.now());
        if (starts.length === 1) held.retryAfter(400, 'slow down');
        else {
          await held.finish('done');
          held.unpaced();
        }
      },
      { pacing: { keyOf: (j) => j.chatKey, perKeyMs: 5_000, perSecond: 30 } },
    );
    const id = await add(7);
    r.start();
    await waitFor(async () => (await row(id)).status === 'done', 'sent after the wait');
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(390);
    expect(await row(id)).toMatchObject({ attempts: 0, last_error: 'slow down' });
    // The key did not keep its 5 s pause: the next job of it goes at once.
    const next = await add(7);
    r.wake();
    await waitFor(async () => (await row(next)).status === 'done', 'the next job of the key', 2_000);
  });
});
