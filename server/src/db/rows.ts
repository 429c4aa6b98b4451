import { getTableColumns, getTableName } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Sql } from './sql';

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
export function columnsOf(table: SQLiteTable, alias?: string): string {
  return Object.entries(getTableColumns(table))
    .map(([property, column]) => {
      if (!PLAIN.has(column.columnType)) {
        throw new Error(`${getTableName(table)}.${column.name} (${column.columnType}) needs decoding: read it with tableRows`);
      }
      return `${alias ? `${alias}.` : ''}"${column.name}" AS "${property}"`;
    })
    .join(', ');
}

/** Column types read as stored and decoded by `tableRows` (booleans are 0/1 in both dialects, see sql.ts). */
const BOOLEAN = 'SQLiteBoolean';

/**
 * A table's column list for statements through `Sql` (optionally qualified by an alias, for joins)
 * and the one decoder of its rows: boolean-mode columns come back as 0/1 and are turned into
 * booleans in place (no copy); tables without such columns need no decoding at all. Other modes
 * (JSON, timestamps) throw at start, as in `columnsOf`.
 */
export function tableRows<T extends SQLiteTable>(table: T, alias?: string): { columns: string; decode: (row: unknown) => T['$inferSelect'] } {
  const booleans: string[] = [];
  const columns = Object.entries(getTableColumns(table))
    .map(([property, column]) => {
      if (column.columnType === BOOLEAN) booleans.push(property);
      else if (!PLAIN.has(column.columnType)) throw new Error(`${getTableName(table)}.${column.name} (${column.columnType}) needs decoding`);
      return `${alias ? `${alias}.` : ''}"${column.name}" AS "${property}"`;
    })
    .join(', ');
  const decode =
    booleans.length === 0
      ? (row: unknown) => row as T['$inferSelect']
      : (row: unknown) => {
          const r = row as Record<string, unknown>;
          for (const b of booleans) if (r[b] !== null && r[b] !== undefined) r[b] = r[b] === 1 || r[b] === true;
          return r as T['$inferSelect'];
        };
  return { columns, decode };
}

/**
 * What an INSERT stores in the columns it does not name: each column's literal schema default, else
 * null. Computed once at start, so the order path can build its new row in JS from what it inserted
 * instead of having the database hand back every column (server/bench/README.md). A column left out
 * whose default is an SQL expression (a timestamp) throws here: the statement must name it.
 */
export function defaultsOf(table: SQLiteTable, named: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [property, column] of Object.entries(getTableColumns(table))) {
    if (property === 'id' || named.includes(property)) continue;
    const value = column.hasDefault ? column.default : null;
    if (value !== null && typeof value === 'object') {
      throw new Error(`${getTableName(table)}.${column.name} has an SQL default: the INSERT must name it`);
    }
    out[property] = value ?? null;
  }
  return out;
}

/** Rows per INSERT statement in `insertRows` (far below both engines' limits on bound parameters). */
const ROWS_PER_INSERT = 200;

/**
 * Inserts rows given in a table's `$inferInsert` shape (property names, booleans as booleans)
 * through `Sql`, on either database: for the seed and the command-line tools, not for hot paths.
 * Rows of one shape (the same columns given) go in multi-row INSERTs. Returns the rows' `id`s, in
 * the order given, when the table has an `id` column.
 */
export async function insertRows<T extends SQLiteTable>(sql: Sql, table: T, rows: readonly T['$inferInsert'][]): Promise<number[]> {
  const columns = getTableColumns(table);
  const name = getTableName(table);
  const hasId = 'id' in columns;
  const ids: number[] = [];
  // Each row's given columns, found once (a run's first row is also the row that ended the run before it).
  const keysOf = rows.map(definedKeys);
  const shapes = keysOf.map((k) => k.join(','));
  let i = 0;
  while (i < rows.length) {
    // A run of consecutive rows with the same columns given (order is kept, so ids come back in order).
    const keys = keysOf[i]!;
    const shape = shapes[i];
    const run: (typeof rows)[number][] = [];
    while (i < rows.length && run.length < ROWS_PER_INSERT && shapes[i] === shape) run.push(rows[i++]!);
    const names = keys.map((k) => {
      const c = columns[k];
      if (!c) throw new Error(`${name} has no column ${k}`);
      return `"${c.name}"`;
    });
    const params: Record<string, unknown> = {};
    const tuples = run.map((row, r) => {
      for (const k of keys) {
        const v = (row as Record<string, unknown>)[k];
        params[`${k}_${r}`] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      }
      return `(${keys.map((k) => `@${k}_${r}`).join(', ')})`;
    });
    const stmt = sql.prepare<Record<string, unknown>, { id: number }>(
      `INSERT INTO "${name}" (${names.join(', ')}) VALUES ${tuples.join(', ')}${hasId ? ' RETURNING id' : ''}`,
    );
    if (hasId) ids.push(...(await stmt.all(params)).map((r) => r.id));
    else await stmt.run(params);
  }
  return ids;
}

function definedKeys(row: object): string[] {
  return Object.keys(row).filter((k) => (row as Record<string, unknown>)[k] !== undefined);
}
