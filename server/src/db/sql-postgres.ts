import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { rewriteParams } from './pg-params';
import type { RunResult, Sql, SqlText, Statement } from './sql';

/**
 * The PostgreSQL side of the data-access contract (sql.ts), on node-postgres (`pg`): a Pool of
 * clients, each statement a named prepared statement (parsed once per connection), transactions
 * carried through AsyncLocalStorage so services need no handle.
 *
 * Why `pg` rather than postgres.js: drizzle-orm and drizzle-kit support both, but `pg` gives a
 * plain Pool/PoolClient with explicit checkout, which is exactly what "this transaction's
 * statements run on this connection, found through AsyncLocalStorage" needs (postgres.js ties a
 * transaction to a callback-scoped `sql` handle, so every statement would have to be re-bound to
 * it), per-pool type parsers (int8/numeric to numbers without touching the process-wide
 * defaults), and a dedicated `Client` with notification events for LISTEN (bus-postgres.ts).
 */

export interface PgSqlOptions {
  /** Most connections this process holds (DATABASE_POOL_MAX, default 10). */
  poolMax?: number;
  /** How long a statement or transaction waits for a free connection before failing (DATABASE_POOL_TIMEOUT_MS, default 10 s). */
  poolTimeoutMs?: number;
  /** Isolation of `tx`; the contract's is READ COMMITTED (sql.ts). */
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  /** Attempts of one transaction on 40001/40P01, the first included (default 8). */
  maxAttempts?: number;
  /**
   * PostgreSQL ends a session left idle inside a transaction this long (default 30 s; 0: never):
   * a node that stalls mid-transaction (frozen, partitioned) must not hold its row locks, or the
   * event log's append lock that every node's commits wait for, for ever.
   */
  idleInTxTimeoutMs?: number;
  /** Most pieces `txGrouped` puts in one transaction (default 64). */
  maxGroup?: number;
  /** A commit listener threw, or an idle pooled connection failed: reported here (default: console.error). */
  onError?: (err: unknown, what: string) => void;
}

/** What the SQLSTATE of a failure that retrying the whole transaction cures: serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);

/** Runs before the outermost COMMIT; `bag` is one per transaction attempt, for hooks that gather work (the event log's batch). */
export type CommitHook = (bag: Map<unknown, unknown>) => Promise<void> | void;

interface GroupPiece {
  fn: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** A transaction (depth 0) or a savepoint inside one: what AsyncLocalStorage carries. */
interface Frame {
  client: pg.PoolClient;
  depth: number;
  /** Shared by every frame of one transaction. */
  tx: { savepoints: number; done: boolean };
  /** Work to run just before the outermost COMMIT, registered in this frame (dropped if it rolls back). */
  beforeCommit: CommitHook[];
  /** Savepoints directly inside this frame run one at a time (one connection: they cannot interleave). */
  children: Promise<unknown>;
}

/** The process-wide pg defaults, except: int8 and numeric as numbers, booleans as 0/1, JSON as text, timestamps as ISO text (sql.ts). */
const parsers = new Map<number, (value: string) => unknown>([
  [20, Number], // int8 (count(*), bigserial ids): below 2^53 by the contract
  [1700, Number], // numeric (sum of int8)
  [16, (v: string) => (v === 't' ? 1 : 0)], // bool
  [114, (v: string) => v], // json
  [3802, (v: string) => v], // jsonb
  [1184, (v: string) => (pg.types.getTypeParser(1184, 'text')(v) as Date).toISOString()], // timestamptz
  [1114, (v: string) => new Date(`${v.replace(' ', 'T')}Z`).toISOString()], // timestamp (UTC by convention)
]);
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    parsers.get(oid) ?? pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

let statementNames = 0;

export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

export class PgSql implements Sql {
  readonly dialect = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly als = new AsyncLocalStorage<Frame>();
  /** Set inside `outsideTx`: statements go to `side`. */
  private readonly outside = new AsyncLocalStorage<true>();
  /** The connections of `outsideTx` (2: its statements are single short upserts). */
  private readonly side: pg.Pool;
  private readonly listeners: (() => void)[] = [];
  private readonly isolation: string;
  private readonly maxAttempts: number;
  private readonly maxGroup: number;
  private readonly poolMax: number;
  private readonly poolTimeoutMs: number;
  private readonly onError: (err: unknown, what: string) => void;
  /** Transactions retried after 40001/40P01, since start (for metrics and tests). */
  retries = 0;

  constructor(connectionString: string, opts: PgSqlOptions = {}) {
    this.poolMax = opts.poolMax ?? 10;
    this.poolTimeoutMs = opts.poolTimeoutMs ?? 10_000;
    this.pool = new pg.Pool({
      connectionString,
      max: this.poolMax,
      connectionTimeoutMillis: this.poolTimeoutMs,
      types: typeParsers,
      application_name: 'ordercast',
      idle_in_transaction_session_timeout: opts.idleInTxTimeoutMs ?? 30_000,
    });
    this.side = new pg.Pool({
      connectionString,
      max: 2,
      connectionTimeoutMillis: this.poolTimeoutMs,
      types: typeParsers,
      application_name: 'ordercast',
      idle_in_transaction_session_timeout: opts.idleInTxTimeoutMs ?? 30_000,
    });
    this.isolation = (opts.isolation ?? 'read committed').toUpperCase();
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.maxGroup = opts.maxGroup ?? 64;
    this.onError = opts.onError ?? ((err, what) => console.error(what, err));
    // An idle pooled connection that fails (server restart, pg_terminate_backend) must not crash the process; the pool replaces it.
    // (After close() the pool's connections are still shutting down: their errors are no news.)
    this.pool.on('error', (err) => !this.closed && this.onError(err, 'idle PostgreSQL connection failed'));
    this.side.on('error', (err) => !this.closed && this.onError(err, 'idle PostgreSQL connection failed'));
  }

  /** From the environment: DATABASE_POOL_MAX, DATABASE_POOL_TIMEOUT_MS. */
  static fromEnv(connectionString: string, env: Record<string, string | undefined> = process.env, opts: PgSqlOptions = {}): PgSql {
    const int = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
    return new PgSql(connectionString, { poolMax: int(env.DATABASE_POOL_MAX), poolTimeoutMs: int(env.DATABASE_POOL_TIMEOUT_MS), ...opts });
  }

  prepare<P extends object | void = void, R = unknown>(source: SqlText): Statement<P, R> {
    const { text, names } = rewriteParams(typeof source === 'string' ? source : source.postgres);
    const name = `oc${++statementNames}`;
    const values = (params: P): unknown[] =>
      names.map((n) => {
        const v = (params as Record<string, unknown> | undefined)?.[n];
        if (v === undefined) throw new Error(`missing parameter @${n} for: ${text.slice(0, 120)}`);
        return v;
      });
    const run = (params: P) => this.query<R>(name, text, values(params));
    return {
      all: async (params: P) => (await run(params)).rows,
      get: async (params: P) => (await run(params)).rows[0],
      run: async (params: P): Promise<RunResult> => ({ changes: (await run(params)).rowCount ?? 0 }),
    };
  }

  /** One statement, unprepared, on the current transaction's connection if any (for DDL and one-off SQL). */
  async exec(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
    return this.query(undefined, text, values);
  }

  private async query<R>(name: string | undefined, text: string, values: unknown[]): Promise<pg.QueryResult<R & pg.QueryResultRow>> {
    if (this.outside.getStore()) {
      try {
        return await this.side.query<R & pg.QueryResultRow>({ name, text, values });
      } catch (err) {
        throw this.explainPoolError(err);
      }
    }
    const frame = this.als.getStore();
    if (frame) {
      if (frame.tx.done) throw new Error('statement issued after its transaction ended (an un-awaited promise inside tx?)');
      return frame.client.query<R & pg.QueryResultRow>({ name, text, values });
    }
    try {
      return await this.pool.query<R & pg.QueryResultRow>({ name, text, values });
    } catch (err) {
      throw this.explainPoolError(err);
    }
  }

  outsideTx<T>(fn: () => Promise<T>): Promise<T> {
    return this.outside.run(true, fn);
  }

  inTx(): boolean {
    return this.als.getStore() !== undefined && !this.outside.getStore();
  }

  scope(): object | undefined {
    return this.als.getStore();
  }

  onCommit(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Runs `hook` inside the current transaction just before its outermost COMMIT (after `fn` has
   * returned), on its connection, in the order registered. Registered in a savepoint that rolls
   * back, it is dropped with it. A hook that throws rolls the transaction back (and a 40001/40P01
   * from it retries the transaction, like one from `fn`).
   * The PostgreSQL event log uses it to insert a transaction's events last (log-postgres.ts).
   */
  beforeCommit(hook: CommitHook): void {
    const frame = this.als.getStore();
    if (!frame) throw new Error('beforeCommit outside a transaction');
    frame.beforeCommit.push(hook);
  }

  /**
   * Group commit, as on SQLite: the pieces submitted in one event-loop turn share one transaction,
   * each in its own savepoint, run one after another on its connection; each settles after the
   * shared COMMIT. It pays on PostgreSQL too: a transaction that appends events holds the log's
   * append lock through its COMMIT (log-postgres.ts), so such commits, and their WAL flushes, are
   * serialised; one commit for many pieces shares the flush (bench/pg-events.ts: 2–3× the
   * transactions/s of `tx` at 8–64 concurrent callers on this machine; equal with one caller).
   * A piece that fails rolls back alone; a serialization failure or deadlock retries the group.
   */
  txGrouped<T>(fn: () => Promise<T>): Promise<T> {
    if (this.als.getStore()) return this.tx(fn); // already inside a transaction: a savepoint
    return new Promise<T>((resolve, reject) => {
      this.groupQueue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.groupScheduled) {
        this.groupScheduled = true;
        setImmediate(() => this.flushGroups());
      }
    });
  }

  private groupQueue: GroupPiece[] = [];
  private groupScheduled = false;

  private flushGroups(): void {
    this.groupScheduled = false;
    while (this.groupQueue.length) void this.runGroup(this.groupQueue.splice(0, this.maxGroup));
  }

  private async runGroup(batch: GroupPiece[]): Promise<void> {
    if (batch.length === 1) {
      const p = batch[0]!;
      return this.tx(p.fn).then(p.resolve, p.reject);
    }
    let outcomes: { ok: boolean; value: unknown }[];
    try {
      outcomes = await this.tx(async () => {
        const out: { ok: boolean; value: unknown }[] = [];
        for (const p of batch) {
          try {
            out.push({ ok: true, value: await this.tx(p.fn) });
          } catch (err) {
            if (isRetryable(err)) throw err; // the whole group again
            out.push({ ok: false, value: err });
          }
        }
        return out;
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => (outcomes[i]!.ok ? p.resolve(outcomes[i]!.value) : p.reject(outcomes[i]!.value)));
  }

  async tx<T>(fn: () => Promise<T>): Promise<T> {
    const parent = this.als.getStore();
    if (parent) return this.savepoint(parent, fn);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(fn);
      } catch (err) {
        if (!isRetryable(err) || attempt >= this.maxAttempts) throw err;
        this.retries++;
        // Exponential backoff with full jitter, so the transactions that collided do not collide again.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
      }
    }
  }

  private async attempt<T>(fn: () => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.explainPoolError(err);
    }
    const frame: Frame = { client, depth: 0, tx: { savepoints: 0, done: false }, beforeCommit: [], children: Promise.resolve() };
    let broken: unknown = undefined;
    // A checked-out client has no error listener (the pool removes its own): a connection lost
    // while the transaction awaits something else would otherwise be an uncaught 'error' event.
    // Its next statement fails instead, and the transaction with it.
    const lost = (err: Error) => {
      broken = err;
    };
    client.on('error', lost);
    try {
      await client.query(this.isolation === 'READ COMMITTED' ? 'BEGIN' : `BEGIN ISOLATION LEVEL ${this.isolation}`);
      const result = await this.als.run(frame, async () => {
        const value = await fn();
        await frame.children;
        // Hooks may register more hooks (they run after those already registered): run until none is left.
        const bag = new Map<unknown, unknown>();
        while (frame.beforeCommit.length) await frame.beforeCommit.shift()!(bag);
        return value;
      });
      frame.tx.done = true;
      await client.query('COMMIT');
      client.removeListener('error', lost);
      client.release();
      this.committed();
      return result;
    } catch (err) {
      frame.tx.done = true;
      if (broken === undefined) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          broken = rollbackErr; // the connection is unusable: the pool discards it
        }
      }
      client.removeListener('error', lost);
      client.release(broken !== undefined);
      throw err;
    }
  }

  private savepoint<T>(parent: Frame, fn: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (parent.tx.done) throw new Error('tx called after its transaction ended');
      const name = `sp${++parent.tx.savepoints}`;
      const frame: Frame = { client: parent.client, depth: parent.depth + 1, tx: parent.tx, beforeCommit: [], children: Promise.resolve() };
      await parent.client.query(`SAVEPOINT ${name}`);
      try {
        const value = await this.als.run(frame, async () => {
          const v = await fn();
          await frame.children;
          return v;
        });
        await parent.client.query(`RELEASE SAVEPOINT ${name}`);
        parent.beforeCommit.push(...frame.beforeCommit);
        return value;
      } catch (err) {
        if (!parent.tx.done) await parent.client.query(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`);
        throw err;
      }
    };
    const result = parent.children.then(run, run);
    parent.children = result.catch(() => undefined);
    return result;
  }

  private committed(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (err) {
        this.onError(err, 'commit listener failed');
      }
    }
  }

  private explainPoolError(err: unknown): unknown {
    if (err instanceof Error && /timeout exceeded when trying to connect/.test(err.message)) {
      const e = new Error(
        `no PostgreSQL connection free within ${this.poolTimeoutMs} ms (all ${this.poolMax} in use; DATABASE_POOL_MAX, DATABASE_POOL_TIMEOUT_MS)`,
        { cause: err },
      );
      (e as Error & { code: string }).code = 'POOL_TIMEOUT';
      return e;
    }
    return err;
  }

  private closed = false;

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.pool.end(), this.side.end()]);
  }
}
