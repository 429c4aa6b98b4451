import { sql } from 'drizzle-orm';
import { getTableConfig, PgDialect, type PgColumn } from 'drizzle-orm/pg-core';
import { blob, index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import { nowIso } from '../../src/db/dialect-sql';
import { toPostgres } from '../../src/db/to-postgres';

const parent = sqliteTable('parent', { id: integer('id').primaryKey({ autoIncrement: true }) });
const child = sqliteTable(
  'child',
  {
    id: integer('id').primaryKey(),
    parentId: integer('parent_id').references(() => parent.id, { onDelete: 'set null' }),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    kind: text('kind', { enum: ['a', 'b'] }).notNull().default('a'),
    lat: real('lat'),
    token: text('token').$defaultFn(() => 'fresh'),
    createdAt: text('created_at').notNull().default(nowIso),
  },
  (t) => [index('child_open_idx').on(t.parentId, sql`coalesce(${t.lat}, 0)`).where(sql`${t.active} = 1`)],
);

const render = (fragment: unknown) => new PgDialect().sqlToQuery(fragment as never).sql;

describe('toPostgres', () => {
  const pg = toPostgres({ parent, child, notATable: 42 });
  const config = getTableConfig(pg.child);
  const col = (name: string) => config.columns.find((c) => c.name === name) as PgColumn;

  it('maps each column type, keeps keys, nullability and defaults, and the perDialect spelling', () => {
    expect(Object.keys(pg)).toEqual(['parent', 'child']);
    const parentId = getTableConfig(pg.parent).columns[0]!;
    expect([parentId.getSQLType(), parentId.primary, (parentId as unknown as { generatedIdentity?: { type: string } }).generatedIdentity?.type]).toEqual(['bigint', true, 'byDefault']);
    expect([col('id').getSQLType(), col('id').primary, col('id').hasDefault]).toEqual(['bigint', true, false]);
    expect([col('active').getSQLType(), col('active').notNull, render(col('active').default)]).toEqual(['integer', true, '1']);
    expect(col('active').mapFromDriverValue(0)).toBe(false);
    expect([col('kind').enumValues, col('kind').default]).toEqual([['a', 'b'], 'a']);
    expect([col('lat').getSQLType(), col('lat').notNull]).toEqual(['double precision', false]);
    expect(col('token').defaultFn?.()).toBe('fresh');
    expect(render(col('created_at').default)).toContain('statement_timestamp()');
  });

  it('re-points foreign keys, index columns and conditions at the PostgreSQL tables', () => {
    const [fk] = config.foreignKeys;
    expect(fk!.onDelete).toBe('set null');
    expect(fk!.reference().foreignTable).toBe(pg.parent);
    const [ix] = config.indexes;
    expect(ix!.config.name).toBe('child_open_idx');
    expect(render(ix!.config.where)).toBe('"child"."active" = 1');
    expect(render(ix!.config.columns[1])).toBe('coalesce("child"."lat", 0)');
  });

  it('refuses a column type it has no mapping for, rather than guessing', () => {
    const odd = sqliteTable('odd', { data: blob('data') });
    expect(() => toPostgres({ odd })).toThrow(/has no PostgreSQL mapping/);
  });
});
