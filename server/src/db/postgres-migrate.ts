import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';
import { MigrationError } from './client';

/** PostgreSQL's migrations, generated from the same schema as SQLite's (drizzle.postgres.config.ts). */
export const POSTGRES_MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../drizzle/postgres');

/**
 * Any fixed number: the advisory lock the migrator holds. Several nodes start against one database
 * at once; drizzle's migrator runs its batch in one transaction but does not stop a second node from
 * reading the same "last applied" row and applying the batch again.
 */
const MIGRATION_LOCK = 7_130_013;

/**
 * Applies pending migrations (drizzle's table `drizzle.__drizzle_migrations` records them), one node
 * at a time. Throws MigrationError with the innermost reason, like SQLite's runMigrations.
 */
export async function runPostgresMigrations(pool: pg.Pool, migrationsFolder = POSTGRES_MIGRATIONS_DIR): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } catch (err) {
    throw new MigrationError(err);
  } finally {
    client.release();
  }
}

/**
 * After rows were inserted with their ids given (the seed's cities, restaurants, zones), moves each
 * identity column's sequence past the highest id, so the next row without an id does not collide.
 * SQLite needs no such step: it takes max(rowid) + 1.
 */
export async function syncIdentitySequences(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND is_identity = 'YES'`,
  );
  for (const { table_name: table, column_name: column } of rows) {
    const t = `"${table.replaceAll('"', '""')}"`;
    const c = `"${column.replaceAll('"', '""')}"`;
    await pool.query(`SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(${c}), 0) + 1, false) FROM ${t}`, [t, column]);
  }
}
