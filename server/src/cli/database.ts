import { loadConfigOrExit, type Config } from '../config/config';
import { openDatabase, runMigrations } from '../db/client';
import { runPostgresMigrations, syncIdentitySequences } from '../db/postgres-migrate';
import type { Sql } from '../db/sql';
import { PgSql } from '../db/sql-postgres';
import { SqliteSql } from '../db/sql-sqlite';

export interface MigratedDatabase {
  sql: Sql;
  /** What to name it in messages: the SQLite path, or the PostgreSQL URL without its password. */
  where: string;
  /** PostgreSQL: moves identity sequences past ids given explicitly (after a seed); nothing on SQLite. */
  syncSequences(): Promise<void>;
  close(): Promise<void>;
}

/** The PostgreSQL URL as it can be printed (no password). */
export function printableUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** Migrates the configured database (SQLite at DATABASE_PATH, or PostgreSQL at DATABASE_URL) and opens it through `Sql`. */
export async function openMigrated(config: Config): Promise<MigratedDatabase> {
  if (config.DATABASE_URL) {
    const pg = new PgSql(config.DATABASE_URL, { poolMax: 2 });
    try {
      await runPostgresMigrations(pg.pool);
    } catch (err) {
      await pg.close();
      throw err;
    }
    return { sql: pg, where: printableUrl(config.DATABASE_URL), syncSequences: () => syncIdentitySequences(pg.pool), close: () => pg.close() };
  }
  const db = openDatabase(config.DATABASE_PATH);
  runMigrations(db);
  const sql = new SqliteSql(db.$client);
  return { sql, where: config.DATABASE_PATH, syncSequences: async () => undefined, close: () => sql.close() };
}

/** The configured database, migrated (a command may be the first thing run on an empty one); exits 1 with the reason otherwise. */
export async function openMigratedDatabase(): Promise<MigratedDatabase> {
  const config = loadConfigOrExit();
  try {
    return await openMigrated(config);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}

/** One line on stderr, exit code 1. */
export function fail(message: string): never {
  console.error(message);
  process.exit(1);
}
