import { perSql, type Sql, type Statement } from './sql';

/*
 * In-memory caches of the catalogue: what rarely changes and the order path reads for every order
 * (cities, restaurants with their hours and pauses, delivery zones with their shapes, prices and
 * availability, option groups). Every write to those tables, on any connection of any process
 * sharing the database, gives the row `catalogue-version` of system_state a new random value
 * (triggers of migration 0014_catalogue_version); a cache reads that one row (a primary-key
 * lookup) on each use (once for a whole order: `holding`) and drops everything it holds when it differs. So a change is seen by the
 * next read after its commit, here or in another process, with no message between processes.
 */

const VERSION_SQL = "SELECT value FROM system_state WHERE key = 'catalogue-version'";

/** The catalogue's current version (null before migration 0014 ran: nothing is cached then). */
export class CatalogueVersion {
  private readonly stmt: Statement<void, { value: string }>;
  /** Versions read once for a whole piece of work (`holding`), by its transaction scope. */
  private readonly held = new WeakMap<object, Promise<string | null>>();

  constructor(private readonly sql: Sql) {
    this.stmt = sql.prepare(VERSION_SQL);
  }

  current(): Promise<string | null> {
    const scope = this.sql.scope();
    const held = scope && this.held.get(scope);
    return held ?? this.read();
  }

  /**
   * Runs `fn` with one read of the version for all its catalogue reads (an order reads the
   * catalogue through several memos: one row read instead of one per memo, and every memo sees the
   * same version). Only for work that writes no catalogue row meanwhile: a change it made itself
   * would not be seen until `fn` returns. Outside a transaction it changes nothing.
   */
  async holding<T>(fn: () => Promise<T>): Promise<T> {
    const scope = this.sql.scope();
    if (!scope || this.held.has(scope)) return fn();
    this.held.set(scope, Promise.resolve(await this.read()));
    try {
      return await fn();
    } finally {
      this.held.delete(scope);
    }
  }

  private async read(): Promise<string | null> {
    return (await this.stmt.get())?.value ?? null;
  }
}

/** One version reader per `Sql`, shared by every cache on it. */
export const catalogueVersion: (sql: Sql) => CatalogueVersion = perSql((sql) => new CatalogueVersion(sql));

/**
 * `load(key)` remembered per key while the catalogue's version stays the same. Values (rows,
 * `undefined` for a missing one) are shared between callers: treat them as read-only.
 */
export class CatalogueMemo<K, V> {
  private readonly values = new Map<K, V>();
  private seen: string | null = null;
  private readonly version: CatalogueVersion;

  constructor(
    sql: Sql,
    private readonly load: (key: K) => Promise<V>,
  ) {
    this.version = catalogueVersion(sql);
  }

  async get(key: K): Promise<V> {
    const now = await this.version.current();
    if (now === null) return this.load(key);
    if (now !== this.seen) {
      this.values.clear();
      this.seen = now;
    }
    if (this.values.has(key)) return this.values.get(key)!;
    const value = await this.load(key);
    // Kept only if the version did not move while it loaded (another caller may have seen a newer one).
    if (this.seen === now) this.values.set(key, value);
    return value;
  }
}
