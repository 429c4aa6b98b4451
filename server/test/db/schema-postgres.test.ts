import { getTableColumns, getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as sqliteSchema from '../../src/db/schema';
import * as pgSchema from '../../src/db/schema-postgres';

// drizzle-kit reads schema-postgres.ts's named exports: a table left out of its list would get no migration.
describe('schema-postgres.ts', () => {
  it('exports a PostgreSQL table for every SQLite table, under the same name and with the same columns', () => {
    const sqliteTables = Object.entries(sqliteSchema).filter(([, v]) => is(v, SQLiteTable)) as Array<[string, SQLiteTable]>;
    const pgTables = Object.fromEntries(Object.entries(pgSchema).filter(([, v]) => is(v, PgTable))) as Record<string, PgTable>;
    expect(sqliteTables.length).toBeGreaterThan(20);
    for (const [key, table] of sqliteTables) {
      const pg = pgTables[key];
      expect(pg, `schema-postgres.ts exports ${key}`).toBeDefined();
      expect(getTableName(pg!)).toBe(getTableName(table));
      expect(Object.keys(getTableColumns(pg!))).toEqual(Object.keys(getTableColumns(table)));
    }
    expect(Object.keys(pgTables).sort()).toEqual(sqliteTables.map(([k]) => k).sort());
  });
});
