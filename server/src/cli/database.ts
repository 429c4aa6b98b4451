import { loadConfigOrExit } from '../config/config';
import { openDatabase, runMigrations, type Db } from '../db/client';

/** The configured database, migrated (a command may be the first thing run on an empty one); exits 1 with the reason otherwise. */
export function openMigratedDatabase(): { db: Db; path: string } {
  const config = loadConfigOrExit();
  try {
    const db = openDatabase(config.DATABASE_PATH);
    runMigrations(db);
    return { db, path: config.DATABASE_PATH };
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}

/** One line on stderr, exit code 1. */
export function fail(message: string): never {
  console.error(message);
  process.exit(1);
}
