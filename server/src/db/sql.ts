/**
 * The one data-access contract the domain code is written against, whichever database runs below
 * (issue 13): SQLite (better-sqlite3, the embedded default) or PostgreSQL (`DATABASE_URL`).
 *
 * Statements are SQL text with named parameters (`@name`, as better-sqlite3 writes them; the
 * PostgreSQL side rewrites them to `$1…` once, when prepared). Where the two dialects need
 * different text (JSON functions, GLOB, date arithmetic, upserts that SQLite spells `OR IGNORE`),
 * a statement gives both; everything else is written once in the SQL both understand. Rows come
 * back with the column names the statement gives them (`"sql_name" AS "property"`, see rows.ts).
 *
 * Types both sides agree on: integers are JS numbers (PostgreSQL's int8 is parsed to a number;
 * ids stay below 2^53), booleans are 0/1 integers, timestamps ISO-8601 text, JSON is text.
 *
 * Transactions: `tx` runs its function in one write transaction on one connection; every statement
 * awaited inside it (found through AsyncLocalStorage, so services need not pass a handle around)
 * runs on that connection. Nested `tx` calls become savepoints. On SQLite the transaction is
 * BEGIN IMMEDIATE under a per-connection mutex (statements outside a transaction wait for it too);
 * on PostgreSQL it is a pooled client at READ COMMITTED, retried from the start on a serialization
 * failure or deadlock (40001, 40P01), so its function must have no effects outside the database
 * before it returns. Commit listeners run after every successful outermost commit.
 */
export type Dialect = 'sqlite' | 'postgres';

/** SQL text, or one text per dialect where they differ. */
export type SqlText = string | { sqlite: string; postgres: string };

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

export interface Statement<P extends object | void = void, R = unknown> {
  all(params: P): Promise<R[]>;
  get(params: P): Promise<R | undefined>;
  run(params: P): Promise<RunResult>;
}

export interface Sql {
  readonly dialect: Dialect;
  /** Prepares once (call it in a constructor); each call runs on the current transaction's connection, if any. */
  prepare<P extends object | void = void, R = unknown>(text: SqlText): Statement<P, R>;
  /** One write transaction (or a savepoint inside one); see the module comment. */
  tx<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Like `tx`, but shares one commit with the other work submitted in the same event-loop turn,
   * each piece in its own savepoint (group commit, for the hot write paths); settles after the commit.
   */
  txGrouped<T>(fn: () => Promise<T>): Promise<T>;
  /** True inside `tx`/`txGrouped`. */
  inTx(): boolean;
  /**
   * The transaction or savepoint this context runs in (undefined outside one): an identity that
   * stays the same while it runs, to key what may be remembered for that piece of work only.
   */
  scope(): object | undefined;
  /**
   * Runs fn's statements outside the current transaction, each committed at once, for a counter
   * that must not stay locked until the caller's transaction ends (the order number: otherwise
   * every order of a city waits for the one before it to commit, and grouped transactions taking
   * two cities' counters in opposite order deadlock). PostgreSQL: on a small pool of its own, so a
   * transaction holding a pooled connection never waits for another; a number drawn by a
   * transaction that then rolls back is not reused (a gap, as with a sequence). SQLite: in the
   * current transaction, whose single writer already serialises (no gaps).
   */
  outsideTx<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs after every successful outermost commit (event dispatch, worker wake-ups). */
  onCommit(listener: () => void): void;
  close(): Promise<void>;
}

/**
 * `build(sql)` once per `Sql`, remembered while that `Sql` lives: for statements (and readers built
 * on them) of code that is called, not constructed, so that it prepares once rather than per call.
 */
export function perSql<T>(build: (sql: Sql) => T): (sql: Sql) => T {
  const built = new WeakMap<Sql, T>();
  return (sql) => {
    let value = built.get(sql);
    if (value === undefined) {
      value = build(sql);
      built.set(sql, value);
    }
    return value;
  };
}
