import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** SQLite's migrations (PostgreSQL's are in drizzle/postgres/, see postgres-migrate.ts). */
export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../drizzle/sqlite');

/** Opens (creating its folder) and configures the SQLite file. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  // WAL: readers never block the writer; NORMAL sync is durable across process crashes in WAL mode.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Several processes may share the file (the Redis scale-out path): wait for the lock, don't fail.
  sqlite.pragma('busy_timeout = 5000');
  return drizzle(sqlite, { schema }) as Db;
}

export class MigrationError extends Error {
  constructor(cause: unknown) {
    // drizzle wraps the SQLite error in one that quotes the whole query; the innermost reason is what helps.
    let root = cause;
    while (root instanceof Error && root.cause instanceof Error) root = root.cause;
    const reason = root instanceof Error ? root.message : String(root);
    super(`database migration failed: ${reason.split('\n')[0]}`, { cause });
    this.name = 'MigrationError';
  }
}

export function runMigrations(db: Db, migrationsFolder = MIGRATIONS_DIR): void {
  try {
    migrate(db, { migrationsFolder });
  } catch (err) {
    throw new MigrationError(err);
  }
}
