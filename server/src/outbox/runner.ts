import { getTableColumns, getTableName } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { FastifyBaseLogger } from 'fastify';
import { backoffDelay } from '@ordercast/shared';
import type { Sql, Statement } from '../db/sql';
import { isoNow } from '../lib/time';

type SqlValue = string | number | null;
/** Columns (by their SQL names) a settled job also gets; a function gets the write's own timestamp. */
export type Columns = Record<string, SqlValue> | ((now: string) => Record<string, SqlValue>);

/** What every outbox row has (the table also has `status`, `next_attempt_at`, `last_error`, `updated_at`). */
export interface OutboxJob {
  id: number;
  attempts: number;
  leaseUntil: string | null;
}

/** A failed attempt as the sender sees it. */
export interface Failure {
  /** False for an answer no retry can change (a rejection): the job gives up at once. */
  retryable: boolean;
  message: string;
  /** Kept in the table's `errorCodeColumn`, if it has one. */
  code?: string | null;
}

/** What a counted failure did to the job. */
export interface Retry {
  attempt: number;
  /** Gave up: no attempt is left, or the failure was not retryable. */
  final: boolean;
  /** When the job is tried again (null once it gave up). */
  nextAt: string | null;
  /** The write's timestamp. */
  now: string;
  /** False when the job was no longer this runner's (its lease expired and another took it): nothing was written. */
  owned: boolean;
}

/**
 * A job this runner holds (leased). The sender settles it once, through one of these; a job left
 * unsettled (a crash) is retaken when its lease expires. Every write only touches the job while it
 * is still held under this lease, so a job retaken by another process is never overwritten.
 */
export interface Held<J> {
  readonly job: J;
  /** Aborted when the runner stops: a send on its way gives up and calls `handBack`. */
  readonly signal: AbortSignal;
  /**
   * Ends the job with `status`; `then` runs in the same transaction, only if the job was still held
   * (database writes only: the transaction may be run again).
   */
  finish(status: string, set?: Columns, then?: (now: string) => unknown): Promise<boolean>;
  /** Counts a failed attempt: retried after the shared backoff, or given up; `then` as for `finish`. */
  fail(failure: Failure, then?: (retry: Retry) => unknown): Promise<Retry>;
  /** Tries again in `ms` without counting an attempt (the other side said when to come back); its pacing key waits too. */
  retryAfter(ms: number, message: string): Promise<void>;
  /** Stopping mid-send: the job goes back untouched (no attempt counted) and the next start sends it. */
  handBack(): Promise<void>;
  /** The job did not use its key's turn (nothing was sent): the key's next job may go at once. */
  unpaced(): void;
}

export interface OutboxQueue<J extends OutboxJob> {
  /** The outbox table; its rows are handed to the sender as `$inferSelect` (camelCase). */
  table: SQLiteTable;
  /** Status of a held job (`pending` is the waiting one). */
  claimed: string;
  /** Status of a job that gave up. */
  failed: string;
  /** Further condition a due job must meet, over the table aliased `j` (e.g. "the oldest of its chat"). */
  dueWhere?: string;
  /** A column set to the claim's time. */
  claimedAtColumn?: string;
  /** A column that keeps a failure's code. */
  errorCodeColumn?: string;
  /** Reads a raw row; `rowReader(table)` unless the sender wants another shape. */
  read?: (row: Record<string, unknown>) => J;
}

/** Spacing of the sends: one at a time per key with a pause after each, and a cap per second overall. */
export interface Pacing<J> {
  keyOf(job: J): number | string;
  /** Least time between the end of one job of a key and the start of the next. */
  perKeyMs: number;
  /** Jobs started in any one second. */
  perSecond: number;
}

export interface RunnerSettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a held job stays ours before another runner may retake it (longer than a send can take). */
  leaseMs: number;
  /** Jobs in flight at once in this process. */
  concurrency: number;
  /** Longest sleep between looks at the table (jobs written by other processes). */
  pollMs: number;
  /** Due rows looked at per pass; more than `concurrency` when pacing may pass some over. */
  scan?: number;
}

export interface RunnerDeps<J extends OutboxJob> {
  /** Settled jobs are written in its transactions (with the sender's own writes of `then`). */
  sql: Sql;
  log: FastifyBaseLogger;
  /** Prefix of the log lines, e.g. `pos sync`. */
  name: string;
  /** Does one job and settles it through `held`. */
  send(held: Held<J>): Promise<void>;
  pacing?: Pacing<J>;
}

/** Reads a raw SQLite row of `table` into its drizzle shape (`$inferSelect`). */
export function rowReader<T extends SQLiteTable>(table: T): (row: Record<string, unknown>) => T['$inferSelect'] {
  const columns = Object.entries(getTableColumns(table));
  return (row) => Object.fromEntries(columns.map(([key, col]) => [key, row[col.name] == null ? null : col.mapFromDriverValue(row[col.name])])) as T['$inferSelect'];
}

type Raw = Record<string, unknown>;

/**
 * One outbox runner for every table of jobs to send out (POS orders, bot messages): each job is
 * committed with the change it tells about, and this runner leases due jobs (so two processes never
 * send the same one at once; a crashed holder's lease expires and the job is retaken), hands each
 * to the sender, paces the sends, retries failures with the shared backoff until `maxAttempts`,
 * hands held jobs back on shutdown, and wakes at once when told new work was committed.
 */
export class OutboxRunner<J extends OutboxJob> {
  private readonly active = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private running = false;
  /** Woken while a pass was running: look again once it ends. */
  private again = false;
  /** Settles when the pass running now ends (stop waits for it: it may be claiming jobs). */
  private passing: Promise<void> = Promise.resolve();
  private stopped = true;
  private aborter = new AbortController();
  /** Per pacing key: when its next job may start (Infinity while one is on its way). */
  private readonly keyFreeAt = new Map<number | string, number>();
  /** Start times of the last second, for the overall cap. */
  private recent: number[] = [];
  private readonly table: string;
  private readonly read: (row: Raw) => J;
  private readonly dueStmt: Statement<{ now: string; limit: number }, Raw>;
  private readonly nextStmt: Statement<void, { at: string | null }>;
  private readonly claimStmt: Statement<{ id: number; now: string; lease: string }, Raw>;
  private readonly failStmt: Statement<Record<string, SqlValue>>;
  private readonly retryAfterStmt: Statement<Record<string, SqlValue>>;
  private readonly handBackStmt: Statement<Record<string, SqlValue>>;
  private readonly finishStmts = new Map<string, Statement<Record<string, SqlValue>>>();

  constructor(
    private readonly deps: RunnerDeps<J>,
    private readonly queue: OutboxQueue<J>,
    private readonly settings: RunnerSettings,
  ) {
    const t = (this.table = getTableName(queue.table));
    this.read = queue.read ?? (rowReader(queue.table) as (row: Raw) => J);
    const sql = deps.sql;
    const claimed = `'${queue.claimed}'`;
    const open = `(j.status = 'pending' AND j.next_attempt_at <= @now OR j.status = ${claimed} AND j.lease_until < @now)`;
    const also = queue.dueWhere ? ` AND (${queue.dueWhere})` : '';
    this.dueStmt = sql.prepare(`SELECT * FROM ${t} j WHERE ${open}${also} ORDER BY j.next_attempt_at, j.id LIMIT @limit`);
    // The next time a job may come due: a waiting one's time (of those that can go), or a held one's lease end.
    this.nextStmt = sql.prepare(
      `SELECT MIN(at) AS at FROM (
         SELECT MIN(j.next_attempt_at) AS at FROM ${t} j WHERE j.status = 'pending'${also}
         UNION ALL SELECT MIN(lease_until) FROM ${t} WHERE status = ${claimed}) AS n`,
    );
    const stamp = queue.claimedAtColumn ? `, ${queue.claimedAtColumn} = @now` : '';
    const set = `SET status = ${claimed}, lease_until = @lease, updated_at = @now${stamp}`;
    // One holder per job. SQLite: the claiming transaction holds the database's write lock, so the
    // condition is checked and the row changed with no other writer in between. PostgreSQL (several
    // nodes, row locks): the row is locked as it is checked, and a row another node is claiming
    // right now is skipped, not waited for (a plain UPDATE would queue behind that node's
    // transaction, then find the job taken; its whole claim batch would wait with it).
    this.claimStmt = sql.prepare({
      sqlite: `UPDATE ${t} AS j ${set} WHERE j.id = @id AND ${open} RETURNING *`,
      postgres: `UPDATE ${t} ${set} WHERE id = (SELECT j.id FROM ${t} j WHERE j.id = @id AND ${open} FOR UPDATE SKIP LOCKED) RETURNING *`,
    });
    const code = queue.errorCodeColumn ? `, ${queue.errorCodeColumn} = @code` : '';
    this.failStmt = sql.prepare(
      `UPDATE ${t} SET status = @status, attempts = @attempts, next_attempt_at = @at, last_error = @error${code}, lease_until = NULL, updated_at = @now WHERE ${this.held}`,
    );
    this.retryAfterStmt = sql.prepare(
      `UPDATE ${t} SET status = 'pending', next_attempt_at = @at, last_error = @error, lease_until = NULL, updated_at = @now WHERE ${this.held}`,
    );
    this.handBackStmt = sql.prepare(`UPDATE ${t} SET status = 'pending', lease_until = NULL, updated_at = @now WHERE ${this.held}`);
  }

  /** The job is still the one this runner leased. */
  private get held(): string {
    return `id = @id AND status = '${this.queue.claimed}' AND lease_until = @lease`;
  }

  start(): void {
    this.stopped = false;
    if (this.aborter.signal.aborted) this.aborter = new AbortController();
    this.wake();
  }

  /** Stops taking jobs, aborts the sends on their way (they hand their jobs back) and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.aborter.abort();
    // A pass under way may still claim jobs (it hands them back, seeing the stop), and must end
    // before the database closes.
    await this.passing;
    await Promise.allSettled([...this.active]);
  }

  /** Look at the table now (after a commit that may have added or reset a job). Cheap and coalesced. */
  wake(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + ms;
    if (this.timer && at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      void this.tick();
    }, Math.max(0, ms));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      // A wake-up during a pass: that pass may have read the table before the change it tells of
      // (a job settled meanwhile), so it must not be the last look; one more pass follows it.
      this.again = true;
      return;
    }
    this.running = true;
    this.again = false;
    let passed!: () => void;
    this.passing = new Promise<void>((resolve) => (passed = resolve));
    try {
      const { concurrency, pollMs } = this.settings;
      let wakeIn = pollMs;
      let cut = false;
      const free = concurrency - this.active.size;
      const scanAt = isoNow();
      if (free > 0) {
        const limit = Math.max(free, this.settings.scan ?? 0);
        const due = await this.dueStmt.all({ now: scanAt, limit });
        cut = due.length === limit;
        if (due.length > 0) wakeIn = Math.min(wakeIn, await this.claim(due));
      }
      const next = (await this.nextStmt.get())?.at;
      // A job due by the scan's time and not taken waits for a free slot (a finishing job wakes the
      // runner) or its pace (in `wakeIn`); only rows past this pass's scan are looked at again at once.
      // One due after it is waited for, even if its time has passed since (the reads take time,
      // a few ms to a database over the network): the scan did not see it.
      if (next && next > scanAt) wakeIn = Math.min(wakeIn, Math.max(0, Date.parse(next) - Date.now()));
      else if (cut && this.active.size < concurrency) wakeIn = 0;
      this.schedule(Math.max(5, wakeIn));
    } catch (err) {
      // e.g. the database is busy under another process: look again shortly.
      this.deps.log.error({ err }, `${this.deps.name}: could not read the queue`);
      this.schedule(1_000);
    } finally {
      this.running = false;
      passed();
      if (this.again) this.schedule(0);
    }
  }

  /** Leases the due jobs that free slots and pacing allow and starts them; returns how soon pacing lets the next go. */
  private async claim(due: Raw[]): Promise<number> {
    const pacing = this.deps.pacing;
    const now = Date.now();
    let wakeIn = Infinity;
    if (pacing) {
      this.recent = this.recent.filter((t) => t > now - 1000);
      for (const [key, at] of this.keyFreeAt) if (at <= now) this.keyFreeAt.delete(key);
    }
    const lease = new Date(now + this.settings.leaseMs).toISOString();
    const slots = this.settings.concurrency - this.active.size;
    // Pacing decides first (no database): a transaction opens only when some job may go, so its
    // commit (which wakes this runner) never turns into a loop over jobs that must wait.
    const picked: Raw[] = [];
    const keys = new Set<number | string>();
    for (const raw of due) {
      if (picked.length >= slots) break;
      if (pacing) {
        const key = pacing.keyOf(this.read(raw));
        const freeAt = keys.has(key) ? Infinity : (this.keyFreeAt.get(key) ?? 0);
        if (freeAt > now) {
          if (freeAt !== Infinity) wakeIn = Math.min(wakeIn, freeAt - now);
          continue;
        }
        if (this.recent.length + picked.length >= pacing.perSecond) {
          wakeIn = Math.min(wakeIn, (this.recent[0] ?? now) + 1000 - now);
          break;
        }
        keys.add(key);
      }
      picked.push(raw);
    }
    if (picked.length === 0) return wakeIn;
    const taken = await this.deps.sql.tx(async () => {
      const jobs: J[] = [];
      const nowIso = isoNow();
      for (const raw of picked) {
        const row = await this.claimStmt.get({ id: raw.id as number, now: nowIso, lease });
        if (row) jobs.push(this.read(row));
      }
      return jobs;
    });
    if (this.stopped) {
      // Stopped while claiming: the jobs go back at once rather than wait for their leases to expire.
      for (const job of taken) await this.handBackStmt.run({ id: job.id, lease: job.leaseUntil, now: isoNow() });
      return wakeIn;
    }
    for (const job of taken) {
      if (pacing) this.keyFreeAt.set(pacing.keyOf(job), Infinity);
      this.run(job);
    }
    return wakeIn;
  }

  private run(job: J): void {
    const pacing = this.deps.pacing;
    // The per-second window counts from when each job really starts, not from when its claim began:
    // the claiming transaction may have waited (a busy machine, another process's write), and a
    // window counted from before it let the next batch start less than a second after this one.
    if (pacing) this.recent.push(Date.now());
    const p: Promise<void> = this.deps
      .send(this.hold(job))
      .catch((err: unknown) => this.deps.log.error({ err, jobId: job.id }, `${this.deps.name}: job crashed; its lease will expire and it will be retried`))
      .finally(() => {
        this.active.delete(p);
        if (pacing) {
          const key = pacing.keyOf(job);
          if (this.keyFreeAt.get(key) === Infinity) this.keyFreeAt.set(key, Date.now() + pacing.perKeyMs);
        }
        this.wake();
      });
    this.active.add(p);
  }

  private finishStmt(columns: string[]): Statement<Record<string, SqlValue>> {
    const key = columns.join(',');
    let stmt = this.finishStmts.get(key);
    if (!stmt) {
      const set = columns.map((c) => `, ${c} = @${c}`).join('');
      stmt = this.deps.sql.prepare<Record<string, SqlValue>>(`UPDATE ${this.table} SET status = @status, lease_until = NULL, updated_at = @now${set} WHERE ${this.held}`);
      this.finishStmts.set(key, stmt);
    }
    return stmt;
  }

  private hold(job: J): Held<J> {
    const guard = { id: job.id, lease: job.leaseUntil };
    const { settings, queue, deps } = this;
    return {
      job,
      signal: this.aborter.signal,
      finish: (status, set, then) =>
        deps.sql.tx(async () => {
          const now = isoNow();
          const extra = typeof set === 'function' ? set(now) : (set ?? {});
          const owned = (await this.finishStmt(Object.keys(extra)).run({ ...extra, ...guard, status, now })).changes > 0;
          if (owned) await then?.(now);
          return owned;
        }),
      fail: (failure, then) => {
        const attempt = job.attempts + 1;
        const final = !failure.retryable || attempt >= settings.maxAttempts;
        // At least 10 ms, so a retry never spins.
        const delay = final ? null : Math.max(10, backoffDelay(attempt - 1, { initialMs: settings.retryBaseMs, maxMs: settings.retryMaxMs }));
        return deps.sql.tx(async () => {
          // Measured from the moment of the write (the transaction may wait for the lock): never before its own timestamp.
          const now = isoNow();
          const nextAt = delay === null ? null : new Date(Date.parse(now) + delay).toISOString();
          const owned =
            (
              await this.failStmt.run({
              ...guard,
              status: final ? queue.failed : 'pending',
              attempts: attempt,
              at: nextAt ?? now,
              error: failure.message,
                ...(queue.errorCodeColumn && { code: failure.code ?? null }),
                now,
              })
            ).changes > 0;
          const retry: Retry = { attempt, final, nextAt, now, owned };
          if (owned) await then?.(retry);
          return retry;
        });
      },
      retryAfter: async (ms, message) => {
        const at = Date.now() + ms;
        if (deps.pacing) this.keyFreeAt.set(deps.pacing.keyOf(job), at);
        await this.retryAfterStmt.run({ ...guard, at: new Date(at).toISOString(), error: message, now: isoNow() });
      },
      handBack: async () => void (await this.handBackStmt.run({ ...guard, now: isoNow() })),
      unpaced: () => {
        if (deps.pacing) this.keyFreeAt.delete(deps.pacing.keyOf(job));
      },
    };
  }
}
