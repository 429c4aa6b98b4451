import { SQL, sql } from 'drizzle-orm';

/*
 * The schema (schema.ts) is declared once, in sqlite-core, and translated to pg-core
 * (schema-postgres.ts). Most of its SQL (checks, partial-index conditions, index expressions) is
 * written in the SQL both engines understand; where the two need different text, the schema uses a
 * fragment made here: SQLite's text in the declaration, PostgreSQL's remembered beside it for the
 * translation to pick up.
 */
const postgresText = new WeakMap<SQL, SQL>();

/** A fragment whose PostgreSQL spelling differs: the SQLite one is what the declaration holds. */
export function perDialect(sqlite: SQL, postgres: SQL): SQL {
  postgresText.set(sqlite, postgres);
  return sqlite;
}

/** The PostgreSQL spelling of a fragment made by perDialect (undefined: the fragment is portable). */
export function postgresVariant(fragment: SQL): SQL | undefined {
  return postgresText.get(fragment);
}

/**
 * The current time as the ISO-8601 UTC text every timestamp column holds (`2026-11-30T10:18:57.123Z`,
 * sortable, what the wire carries). PostgreSQL's statement_timestamp() is the closest to SQLite's
 * 'now', which is fixed per statement, not per transaction as now() would be.
 */
export const nowIso = perDialect(
  sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
  sql`to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
);
