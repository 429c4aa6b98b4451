import type Database from 'better-sqlite3';
import type pg from 'pg';

/*
 * One engine-neutral description of a migrated database, read from SQLite's pragmas and from
 * PostgreSQL's catalogs, so a test can require the two to be equal. Types are compared by class
 * (integer, text, real), defaults after normalising each engine's spelling.
 */
export interface ColumnShape {
  name: string;
  type: 'integer' | 'text' | 'real';
  notNull: boolean;
  /** Normalised default (null: none); the current-time default reads `now()`. */
  default: string | null;
  /** Numbered by the database when not given (AUTOINCREMENT / identity). */
  generated: boolean;
}
export interface IndexShape {
  name: string;
  unique: boolean;
  partial: boolean;
  /** Column names in order; null where the key is an expression. */
  columns: Array<string | null>;
}
export interface ForeignKeyShape {
  from: string;
  table: string;
  to: string;
  onDelete: string;
}
export interface TableShape {
  columns: ColumnShape[];
  primaryKey: string[];
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
  checks: string[];
}
export type DatabaseShape = Record<string, TableShape>;

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

function normaliseDefault(d: string | null): string | null {
  if (d === null) return null;
  if (/strftime\('%Y-%m-%dT%H:%M:%fZ', 'now'\)|statement_timestamp\(\)/.test(d)) return 'now()';
  if (d === 'true') return '1';
  if (d === 'false') return '0';
  return d.replace(/::(text|bigint|integer)$/, '');
}

function sqliteType(t: string): ColumnShape['type'] {
  const lower = t.toLowerCase();
  if (lower === 'integer' || lower === 'text' || lower === 'real') return lower;
  throw new Error(`unexpected SQLite type ${t}`);
}

function pgType(t: string): ColumnShape['type'] {
  if (t === 'bigint' || t === 'integer' || t === 'smallint') return 'integer';
  if (t === 'text') return 'text';
  if (t === 'double precision') return 'real';
  throw new Error(`unexpected PostgreSQL type ${t}`);
}

export function sqliteShape(db: Database.Database): DatabaseShape {
  const tables = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations' ORDER BY name")
    .all() as Array<{ name: string; sql: string }>;
  const out: DatabaseShape = {};
  for (const { name: table, sql } of tables) {
    const info = db.prepare(`PRAGMA table_info("${table}")`).all() as Array<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>;
    const columns = info
      .map((c) => ({
        name: c.name,
        type: sqliteType(c.type),
        notNull: c.notnull === 1 || c.pk > 0,
        default: normaliseDefault(c.dflt_value),
        generated: new RegExp(`\`${c.name}\` integer PRIMARY KEY AUTOINCREMENT`).test(sql),
      }))
      .sort(byName);
    const primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const list = db.prepare(`PRAGMA index_list("${table}")`).all() as Array<{ name: string; unique: number; origin: string; partial: number }>;
    const indexes = list
      .filter((ix) => ix.origin !== 'pk')
      .map((ix) => {
        const keys = (db.prepare(`PRAGMA index_xinfo("${ix.name}")`).all() as Array<{ seqno: number; cid: number; name: string | null; key: number }>)
          .filter((k) => k.key === 1)
          .sort((a, b) => a.seqno - b.seqno);
        return { name: ix.name, unique: ix.unique === 1, partial: ix.partial === 1, columns: keys.map((k) => (k.cid === -2 ? null : k.name)) };
      })
      .sort(byName);
    const fks = db.prepare(`PRAGMA foreign_key_list("${table}")`).all() as Array<{ table: string; from: string; to: string; on_delete: string }>;
    const foreignKeys = fks
      .map((f) => ({ from: f.from, table: f.table, to: f.to, onDelete: f.on_delete.toLowerCase() }))
      .sort((a, b) => a.from.localeCompare(b.from));
    const checks = [...sql.matchAll(/CONSTRAINT "([^"]+)" CHECK/g)].map((m) => m[1]!).sort();
    out[table] = { columns, primaryKey, indexes, foreignKeys, checks };
  }
  return out;
}

const PG_ON_DELETE: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

export async function postgresShape(pool: pg.Pool): Promise<DatabaseShape> {
  const q = async <R extends pg.QueryResultRow>(text: string) => (await pool.query<R>(text)).rows;
  const cols = await q<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null; is_identity: string }>(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
       FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  const indexes = await q<{ table: string; name: string; unique: boolean; partial: boolean; primary: boolean; columns: Array<string | null> }>(
    `SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indpred IS NOT NULL AS partial,
            ix.indisprimary AS primary,
            ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                    LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
                   ORDER BY k.ord) AS columns
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public'`,
  );
  const constraints = await q<{ table: string; name: string; type: string; from: string | null; ref: string | null; to: string | null; ondelete: string }>(
    `SELECT t.relname AS table, c.conname AS name, c.contype AS type, a.attname AS from, rt.relname AS ref, ra.attname AS to,
            c.confdeltype AS ondelete
       FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
       LEFT JOIN pg_class rt ON rt.oid = c.confrelid
       LEFT JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
      WHERE n.nspname = 'public' AND c.contype IN ('f', 'c')`,
  );
  const out: DatabaseShape = {};
  const tableNames = [...new Set(cols.map((c) => c.table_name))].sort();
  for (const table of tableNames) {
    const columns = cols
      .filter((c) => c.table_name === table)
      .map((c) => ({
        name: c.column_name,
        type: pgType(c.data_type),
        notNull: c.is_nullable === 'NO',
        default: normaliseDefault(c.column_default),
        generated: c.is_identity === 'YES',
      }))
      .sort(byName);
    const mine = indexes.filter((i) => i.table === table);
    const primaryKey = mine.find((i) => i.primary)?.columns.map(String) ?? [];
    out[table] = {
      columns,
      primaryKey,
      indexes: mine
        .filter((i) => !i.primary)
        .map((i) => ({ name: i.name, unique: i.unique, partial: i.partial, columns: i.columns }))
        .sort(byName),
      foreignKeys: constraints
        .filter((c) => c.table === table && c.type === 'f')
        .map((c) => ({ from: c.from!, table: c.ref!, to: c.to!, onDelete: PG_ON_DELETE[c.ondelete]! }))
        .sort((a, b) => a.from.localeCompare(b.from)),
      checks: constraints
        .filter((c) => c.table === table && c.type === 'c')
        .map((c) => c.name)
        .sort(),
    };
  }
  return out;
}
