import { getTableColumns, getTableName } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

/** Column types whose SQLite values are already what `$inferSelect` holds (no decoding; a REAL is a JS number either way). */
const PLAIN = new Set(['SQLiteInteger', 'SQLiteText', 'SQLiteReal']);

/**
 * A table's columns as `"sql_name" AS "property"`, for the few statements on the order path that run
 * on better-sqlite3 directly: their rows come out in the table's `$inferSelect` shape with no
 * per-row mapping. drizzle's row mapping was the largest single allocator of an order and most of its
 * query time outside SQLite (server/bench/README.md). Only for tables of plain
 * integer and text columns: a column that needs decoding (boolean, JSON, timestamp modes) throws
 * here, at start, rather than arrive undecoded.
 */
export function columnsOf(table: SQLiteTable): string {
  return Object.entries(getTableColumns(table))
    .map(([property, column]) => {
      if (!PLAIN.has(column.columnType)) {
        throw new Error(`${getTableName(table)}.${column.name} (${column.columnType}) needs decoding: read it through drizzle`);
      }
      return `"${column.name}" AS "${property}"`;
    })
    .join(', ');
}
