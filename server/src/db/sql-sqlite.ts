import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import type { RunResult, Sql, SqlText, Statement } from './sql';

/**
 * One transaction (or savepoint) in progress. `root` is the outermost one, open from BEGIN to
 * COMMIT/ROLLBACK: a statement whose context holds a frame of an open root runs on at once; any
 * other waits for the connection. `tail` serialises this frame's nested transactions, which share
 * the connection and so cannot interleave their savepoints.
 */
interface Frame {
  root: Frame;
  depth: number;
  open: boolean;
  tail: Promise<unknown> | null;
}

interface Pending {
  fn: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface SqliteSqlOptions {
  /** Most pieces of work in one group commit. */
  maxBatch?: number;
  /** A commit listener that throws: reported here, never to the transaction's caller (it committed). */
  onListenerError?: (err: unknown) => void;
}

/**
 * `Sql` (sql.ts) on one better-sqlite3 connection. better-sqlite3 is synchronous, so a statement is
 * the synchronous call wrapped in a settled promise; what makes it asynchronous-safe is the
 * connection mutex: a transaction holds the connection from BEGIN IMMEDIATE to COMMIT/ROLLBACK,
 * across its awaits, and statements from outside it (told apart by AsyncLocalStorage) wait.
 * Without a transaction open, a statement runs at once (the fast path: one check, one promise).
 */
export class SqliteSql implements Sql {
  readonly dialect = 'sqlite' as const;
  private readonly als = new AsyncLocalStorage<Frame>();
  /** The connection is held (by a transaction, or by a waiting statement's turn). */
  private locked = false;
  private readonly waiters: (() => void)[] = [];
  private readonly listeners: (() => void)[] = [];
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoints: { open: Database.Statement; release: Database.Statement; undo: Database.Statement }[] = [];
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly onListenerError: (err: unknown) => void;
  private closed = false;

  constructor(
    /** The raw connection (tests set data up through it; the checkpointer and migrations use it). */
    readonly client: Database.Database,
    opts: SqliteSqlOptions = {},
  ) {
    this.begin = client.prepare('BEGIN IMMEDIATE');
    this.commit = client.prepare('COMMIT');
    this.rollback = client.prepare('ROLLBACK');
    this.maxBatch = opts.maxBatch ?? 256;
    this.onListenerError = opts.onListenerError ?? ((err) => console.error('commit listener failed', err));
  }

  prepare<P extends object | void = void, R = unknown>(text: SqlText): Statement<P, R> {
    const stmt = this.client.prepare(typeof text === 'string' ? text : text.sqlite);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the statement closes over its connection
    const self = this;
    const reader = stmt.reader;
    return {
      all(params: P): Promise<R[]> {
        if (!reader) return Promise.reject(new TypeError('all() on a statement that returns no rows'));
        return self.exec(() => (params === undefined ? stmt.all() : stmt.all(params)) as R[]);
      },
      get(params: P): Promise<R | undefined> {
        if (!reader) return Promise.reject(new TypeError('get() on a statement that returns no rows'));
        return self.exec(() => (params === undefined ? stmt.get() : stmt.get(params)) as R | undefined);
      },
      run(params: P): Promise<RunResult> {
        return self.exec(() => {
          const r = params === undefined ? stmt.run() : stmt.run(params);
          return { changes: r.changes };
        });
      },
    };
  }

  /** Runs a statement now if this context may use the connection, else after the current transaction. */
  private exec<T>(call: () => T): Promise<T> {
    if (!this.locked || this.current() !== undefined) {
      try {
        return Promise.resolve(call());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.acquire().then(() => {
      try {
        return call();
      } finally {
        this.release();
      }
    });
  }

  /** The open transaction frame of this async context, if any. */
  private current(): Frame | undefined {
    const f = this.als.getStore();
    return f !== undefined && f.root.open ? f : undefined;
  }

  outsideTx<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  inTx(): boolean {
    return this.current() !== undefined;
  }

  scope(): object | undefined {
    return this.current();
  }

  onCommit(listener: () => void): void {
    this.listeners.push(listener);
  }

  tx<T>(fn: () => Promise<T>): Promise<T> {
    const frame = this.current();
    return frame ? this.savepoint(frame, fn) : this.outermost(fn);
  }

  txGrouped<T>(fn: () => Promise<T>): Promise<T> {
    const frame = this.current();
    if (frame) return this.savepoint(frame, fn);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.acquire();
    try {
      this.client.close();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }

  private async outermost<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    let value: T;
    try {
      value = await this.inTransaction(fn);
    } finally {
      this.release();
    }
    this.committed();
    return value;
  }

  /** BEGIN IMMEDIATE … COMMIT around fn (the caller holds the connection); ROLLBACK if it throws. */
  private async inTransaction<T>(fn: () => Promise<T>): Promise<T> {
    const root = { depth: 0, open: true, tail: null } as unknown as Frame;
    root.root = root;
    this.begin.run();
    try {
      const value = await this.als.run(root, fn);
      root.open = false;
      this.commit.run();
      return value;
    } catch (err) {
      root.open = false;
      // SQLite may have rolled back already (SQLITE_FULL, a failed COMMIT of a busy database).
      if (this.client.inTransaction) this.rollback.run();
      throw err;
    }
  }

  private savepoint<T>(parent: Frame, fn: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const sp = this.savepointStatements(parent.depth + 1);
      const frame: Frame = { root: parent.root, depth: parent.depth + 1, open: true, tail: null };
      sp.open.run();
      try {
        const value = await this.als.run(frame, fn);
        sp.release.run();
        return value;
      } catch (err) {
        if (this.client.inTransaction) {
          sp.undo.run();
          sp.release.run();
        }
        throw err;
      }
    };
    const prev = parent.tail;
    const p = prev ? prev.then(run, run) : run();
    parent.tail = p.catch(() => undefined);
    return p;
  }

  private savepointStatements(depth: number) {
    let sp = this.savepoints[depth];
    if (!sp) {
      sp = {
        open: this.client.prepare(`SAVEPOINT sp${depth}`),
        release: this.client.prepare(`RELEASE sp${depth}`),
        undo: this.client.prepare(`ROLLBACK TO sp${depth}`),
      };
      this.savepoints[depth] = sp;
    }
    return sp;
  }

  private committed(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  /**
   * Group commit: what was submitted in one event-loop turn runs in one transaction, each piece in
   * its own savepoint (a piece that throws rolls back alone), and every promise settles only after
   * the shared COMMIT, so no caller answers before its write is durable. A batch of one needs no
   * savepoint: its failure rolls back a transaction that holds nothing else.
   */
  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      await this.acquire();
      let results: { ok: boolean; value: unknown }[] | undefined;
      let failure: unknown;
      try {
        if (batch.length === 1) {
          const value = await this.inTransaction(batch[0]!.fn);
          results = [{ ok: true, value }];
        } else {
          results = await this.inTransaction(async () => {
            const root = this.als.getStore()!;
            const out: { ok: boolean; value: unknown }[] = [];
            for (const p of batch) {
              try {
                out.push({ ok: true, value: await this.savepoint(root, p.fn) });
              } catch (err) {
                out.push({ ok: false, value: err });
              }
            }
            return out;
          });
        }
      } catch (err) {
        // The commit itself failed (disk full, lock timeout), or the only piece threw: nothing was written.
        failure = err;
      } finally {
        this.release();
      }
      if (!results) {
        for (const p of batch) p.reject(failure);
        continue;
      }
      this.committed();
      batch.forEach((p, i) => (results[i]!.ok ? p.resolve(results[i]!.value) : p.reject(results[i]!.value)));
    }
  }
}
