import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/client';
import { SqliteSql } from '../../src/db/sql-sqlite';
import { OutboxRunner, type Held, type Pacing, type RunnerSettings } from '../../src/outbox/runner';

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

const log = Fastify({ logger: false }).log;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(fn: () => T | null | undefined | false, what: string, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const dirs: string[] = [];
const runners: OutboxRunner<Job>[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A real SQLite file with the table; `open()` gives another connection to it (another process's view). */
function database() {
  const dir = mkdtempSync(join(tmpdir(), 'ordercast-outbox-'));
  dirs.push(dir);
  const path = join(dir, 'outbox.db');
  const open = () => openDatabase(path);
  const db = open();
  db.$client.exec(`CREATE TABLE test_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, chat_key INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL, lease_until TEXT, last_error TEXT,
    last_error_code TEXT, claimed_at TEXT, done_at TEXT, updated_at TEXT NOT NULL)`);
  const insert = db.$client.prepare(`INSERT INTO test_jobs (chat_key, next_attempt_at, updated_at) VALUES (?, ?, ?)`);
  const add = (chatKey = 0, at = new Date().toISOString()): number => Number(insert.run(chatKey, at, at).lastInsertRowid);
  const row = (id: number) => db.$client.prepare('SELECT * FROM test_jobs WHERE id = ?').get(id) as Record<string, unknown>;
  return { db, open, add, row };
}

/** One `Sql` per connection, as the app has. */
const sqls = new WeakMap<Db, SqliteSql>();
const sqlOf = (db: Db): SqliteSql => {
  let sql = sqls.get(db);
  if (!sql) sqls.set(db, (sql = new SqliteSql(db.$client)));
  return sql;
};

const SETTINGS: RunnerSettings = { maxAttempts: 3, retryBaseMs: 20, retryMaxMs: 50, leaseMs: 30_000, concurrency: 4, pollMs: 60_000 };

function runner(db: Db, send: (held: Held<Job>) => Promise<void>, opts: { settings?: Partial<RunnerSettings>; pacing?: Pacing<Job> } = {}) {
  const r = new OutboxRunner<Job>(
    { sql: sqlOf(db), log, name: 'test', send, ...(opts.pacing && { pacing: opts.pacing }) },
    { table: jobs, claimed: 'sending', failed: 'failed', claimedAtColumn: 'claimed_at', errorCodeColumn: 'last_error_code' },
    { ...SETTINGS, ...opts.settings },
  );
  runners.push(r);
  return r;
}

describe('outbox runner (real SQLite file)', () => {
  it('sends a due job once, finishing it with its columns, and wakes at once for new work (the poll is a minute)', async () => {
    const { db, add, row } = database();
    const sent: Job[] = [];
    const r = runner(db, async (held) => {
      sent.push(held.job);
      await held.finish('done', (now) => ({ done_at: now }));
    });
    const first = add();
    r.start();
    await waitFor(() => row(first).status === 'done', 'the first job done');
    const second = add();
    r.wake();
    await waitFor(() => row(second).status === 'done', 'the job added after start, on wake');
    expect(sent.map((j) => j.id)).toEqual([first, second]);
    // The sender gets the held row in its drizzle shape.
    expect(sent[0]).toMatchObject({ status: 'sending', attempts: 0, chatKey: 0 });
    expect(sent[0]!.claimedAt).toEqual(expect.any(String));
    expect(row(second)).toMatchObject({ lease_until: null, attempts: 0 });
    expect(row(second).done_at).toBe(row(second).updated_at);
  });

  it('two runners on one file (two connections) send each job exactly once', async () => {
    const a = database();
    const other = a.open();
    const ids = Array.from({ length: 40 }, () => a.add());
    const sends: { id: number; by: string }[] = [];
    const send = (by: string) => async (held: Held<Job>) => {
      sends.push({ id: held.job.id, by });
      await sleep(5);
      await held.finish('done');
    };
    runner(a.db, send('a')).start();
    runner(other, send('b')).start();
    await waitFor(() => ids.every((id) => a.row(id).status === 'done'), 'all 40 jobs done');
    await sleep(200);
    expect(sends).toHaveLength(40);
    expect(new Set(sends.map((s) => s.id)).size).toBe(40);
  });

  it('retries a retryable failure with backoff, counting attempts, until it gives up; a rejection gives up at once', async () => {
    const { db, add, row } = database();
    const seen: { id: number; attempt: number; final: boolean; nextAt: string | null }[] = [];
    const r = runner(db, async (held) => {
      const retryable = held.job.chatKey === 1;
      await held.fail({ retryable, message: 'nope', code: retryable ? 'timeout' : 'REJECTED' }, (x) => seen.push({ id: held.job.id, ...x }));
    });
    const flaky = add(1);
    const rejected = add(2);
    r.start();
    await waitFor(() => row(flaky).status === 'failed' && row(rejected).status === 'failed', 'both given up');
    expect(row(flaky)).toMatchObject({ attempts: 3, last_error: 'nope', last_error_code: 'timeout', lease_until: null });
    expect(row(rejected)).toMatchObject({ attempts: 1, last_error_code: 'REJECTED' });
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
    const { db, add, row } = database();
    let started = false;
    const r = runner(db, async (held) => {
      started = true;
      await new Promise<void>((resolve) => held.signal.addEventListener('abort', () => resolve(), { once: true }));
      await held.handBack();
    });
    const id = add();
    r.start();
    await waitFor(() => started, 'the send started');
    expect(row(id).status).toBe('sending');
    await r.stop();
    expect(row(id)).toMatchObject({ status: 'pending', attempts: 0, lease_until: null });
    const again = runner(db, async (held) => void held.finish('done'));
    again.start();
    await waitFor(() => row(id).status === 'done', 'sent after the restart');
  });

  it("retakes a job whose holder's lease expired (a crashed process), and a late holder's writes change nothing", async () => {
    const { db, add, row } = database();
    const id = add();
    const past = new Date(Date.now() - 1000).toISOString();
    db.$client.prepare(`UPDATE test_jobs SET status = 'sending', lease_until = ? WHERE id = ?`).run(past, id);
    let late: { finished: boolean; failed: boolean; ran: boolean } | undefined;
    const r = runner(db, async (held) => {
      // Another runner retakes it meanwhile (its lease differs): this holder no longer owns it.
      db.$client.prepare(`UPDATE test_jobs SET lease_until = '2999-01-01T00:00:00.000Z' WHERE id = ?`).run(held.job.id);
      let ran = false;
      const finished = await held.finish('done', {}, () => (ran = true));
      const failed = (await held.fail({ retryable: true, message: 'x' }, () => (ran = true))).owned;
      late ??= { finished, failed, ran };
    });
    r.start();
    expect(await waitFor(() => late, 'the expired job retaken')).toEqual({ finished: false, failed: false, ran: false });
    expect(row(id)).toMatchObject({ status: 'sending', lease_until: '2999-01-01T00:00:00.000Z', attempts: 0 });
  });

  it('paces per key (in order, one at a time, a pause after each) and caps the starts per second', async () => {
    const { db, add } = database();
    const starts: { key: number; at: number }[] = [];
    const pacing: Pacing<Job> = { keyOf: (j) => j.chatKey, perKeyMs: 300, perSecond: 5 };
    const r = runner(
      db,
      async (held) => {
        starts.push({ key: held.job.chatKey, at: Date.now() });
        await held.finish('done');
      },
      { pacing, settings: { concurrency: 8, scan: 50 } },
    );
    for (let i = 0; i < 3; i++) add(1);
    for (let k = 2; k < 10; k++) add(k);
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
    const { db, add, row } = database();
    const starts: number[] = [];
    const r = runner(
      db,
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
    const id = add(7);
    r.start();
    await waitFor(() => row(id).status === 'done', 'sent after the wait');
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(390);
    expect(row(id)).toMatchObject({ attempts: 0, last_error: 'slow down' });
    // The key did not keep its 5 s pause: the next job of it goes at once.
    const next = add(7);
    r.wake();
    await waitFor(() => row(next).status === 'done', 'the next job of the key', 2_000);
  });
});
