import type Database from 'better-sqlite3';

/*
 * In-memory caches of the catalogue: what rarely changes and the order path reads for every order
 * (cities, restaurants with their hours and pauses, delivery zones with their shapes, prices and
 * availability, option groups). Every write to those tables, on any connection of any process
 * sharing the file, gives the row `catalogue-version` of system_state a new random value (triggers
 * of migration 0014_catalogue_version); a cache reads that one row (a primary-key lookup, ~1–3 µs)
 * on each use and drops everything it holds when it differs. So a change is seen by the next read
 * after its commit, here or in another process, with no message between processes.
 */

const VERSION_SQL = "SELECT value FROM system_state WHERE key = 'catalogue-version'";

/** The catalogue's current version on this connection (null before migration 0014 ran: nothing is cached then). */
export class CatalogueVersion {
  private readonly stmt;

  constructor(sqlite: Database.Database) {
    this.stmt = sqlite.prepare<[], string>(VERSION_SQL).pluck();
  }

  current(): string | null {
    return this.stmt.get() ?? null;
  }
}

const versions = new WeakMap<Database.Database, CatalogueVersion>();

/** One version reader per connection, shared by every cache on it. */
export function catalogueVersion(sqlite: Database.Database): CatalogueVersion {
  let v = versions.get(sqlite);
  if (!v) {
    v = new CatalogueVersion(sqlite);
    versions.set(sqlite, v);
  }
  return v;
}

/**
 * `load(key)` remembered per key while the catalogue's version stays the same. Values (rows,
 * `undefined` for a missing one) are shared between callers: treat them as read-only.
 */
export class CatalogueMemo<K, V> {
  private readonly values = new Map<K, V>();
  private seen: string | null = null;
  private readonly version: CatalogueVersion;

  constructor(
    sqlite: Database.Database,
    private readonly load: (key: K) => V,
  ) {
    this.version = catalogueVersion(sqlite);
  }

  get(key: K): V {
    const now = this.version.current();
    if (now === null) return this.load(key);
    if (now !== this.seen) {
      this.values.clear();
      this.seen = now;
    }
    if (this.values.has(key)) return this.values.get(key)!;
    const value = this.load(key);
    this.values.set(key, value);
    return value;
  }
}
