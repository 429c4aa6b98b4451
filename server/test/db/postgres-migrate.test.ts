import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asc } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, runMigrations, type Db } from '../../src/db/client';
import { POSTGRES_MIGRATIONS_DIR, runPostgresMigrations, syncIdentitySequences } from '../../src/db/postgres-migrate';
import * as sqliteTables from '../../src/db/schema';
import * as pgTables from '../../src/db/schema-postgres';
import { seedIfEmpty } from '../../src/db/seed';
import { SqliteSql } from '../../src/db/sql-sqlite';
import { createFreshDatabase, type FreshDatabase } from '../helpers/fresh-postgres';
import { requireService } from '../helpers/services';
import { postgresShape, sqliteShape } from './schema-shape';

const journal = JSON.parse(readFileSync(join(POSTGRES_MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function migratedSqlite(): Db {
  const db = openDatabase(':memory:');
  runMigrations(db);
  return db;
}

describe('PostgreSQL migrations (drizzle/postgres/)', await requireService('postgres'), () => {
  let pgdb: FreshDatabase;
  beforeEach(async () => {
    pgdb = await createFreshDatabase();
  });
  afterEach(async () => {
    await pgdb.drop();
  });

  const applied = async () => (await pgdb.pool.query<{ hash: string; created_at: number }>('SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id')).rows;

  it('apply to an empty database; applying them again changes nothing', async () => {
    await runPostgresMigrations(pgdb.pool);
    const first = await applied();
    expect(first).toHaveLength(journal.entries.length);
    const shape = await postgresShape(pgdb.pool);
    await runPostgresMigrations(pgdb.pool);
    expect(await applied()).toEqual(first);
    expect(await postgresShape(pgdb.pool)).toEqual(shape);
  });

  it('two nodes starting at once apply them once', async () => {
    await Promise.all([runPostgresMigrations(pgdb.pool), runPostgresMigrations(pgdb.pool)]);
    expect(await applied()).toHaveLength(journal.entries.length);
  });

  it('give the same tables, columns, keys, indexes and checks as SQLite', async () => {
    await runPostgresMigrations(pgdb.pool);
    const sqlite = migratedSqlite();
    const expected = sqliteShape(sqlite.$client);
    sqlite.$client.close();
    const actual = await postgresShape(pgdb.pool);
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    for (const table of Object.keys(expected)) expect(actual[table], table).toEqual(expected[table]);
    // The expression in the bot outbox's unique key and the partial indexes' conditions carried over.
    const defs = (await pgdb.pool.query<{ indexname: string; indexdef: string }>("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")).rows;
    const def = (n: string) => defs.find((d) => d.indexname === n)?.indexdef ?? '';
    expect(def('bot_messages_order_step_uq')).toMatch(/COALESCE\(chat_message_id, \(?0\)?/);
    expect(def('orders_unpaid_online_idx')).toMatch(/WHERE .*payment_method = 'online'.*payment_status = 'unpaid'/);
    expect(def('bonus_ledger_order_type_uq')).toMatch(/WHERE .*order_id IS NOT NULL.*type <> 'adjusted'/);
  });

  it('make the soft-state tables UNLOGGED (chat_presence, rewritten by its nodes; rate_counters, sign-in counters), and no other', async () => {
    await runPostgresMigrations(pgdb.pool);
    const { rows } = await pgdb.pool.query<{ relname: string; relpersistence: string }>(
      `SELECT c.relname, c.relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname`,
    );
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => r.relpersistence === 'u').map((r) => r.relname)).toEqual(['chat_presence', 'rate_counters']);
    expect(rows.filter((r) => r.relpersistence !== 'u').every((r) => r.relpersistence === 'p')).toBe(true);
  });

  it('take the seed data with plain INSERTs and read it back as SQLite does', async () => {
    await runPostgresMigrations(pgdb.pool);
    const sqlite = migratedSqlite();
    await seedIfEmpty(new SqliteSql(sqlite.$client), 'demo-password');
    const shape = sqliteShape(sqlite.$client);
    // Parents before children (foreign keys are checked per statement in both).
    const order: string[] = [];
    const visit = (t: string) => {
      if (order.includes(t)) return;
      for (const fk of shape[t]!.foreignKeys) if (fk.table !== t) visit(fk.table);
      order.push(t);
    };
    Object.keys(shape).forEach(visit);
    const rowsOf = (t: string) => {
      const pk = shape[t]!.primaryKey.map((c) => `"${c}"`).join(', ');
      // The catalogue's version row is each database's own (a trigger gives it a random value per write).
      const own = t === 'system_state' ? ` WHERE key <> 'catalogue-version'` : '';
      return { sqlite: sqlite.$client.prepare(`SELECT * FROM "${t}"${own} ORDER BY ${pk}`).all() as Array<Record<string, unknown>>, orderBy: pk, own };
    };
    let copied = 0;
    for (const t of order) {
      for (const row of rowsOf(t).sqlite) {
        const names = Object.keys(row);
        await pgdb.pool.query(
          `INSERT INTO "${t}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
          names.map((n) => row[n]),
        );
        copied++;
      }
    }
    expect(copied).toBeGreaterThan(100);
    for (const t of order) {
      const { sqlite: expected, orderBy, own } = rowsOf(t);
      const actual = (await pgdb.pool.query(`SELECT * FROM "${t}"${own} ORDER BY ${orderBy}`)).rows;
      expect(actual, t).toEqual(expected);
    }

    // Rows without an id get the next one in both, once PostgreSQL's sequences know the given ids.
    await syncIdentitySequences(pgdb.pool);
    const insertZoneless = `INSERT INTO restaurants (city_id, code, name, name_en, address, address_en, phone, lat, lng, hours)
      VALUES (1, 'NEW', 'Новый', 'New', 'адрес', 'address', '+7', 55.7, 37.6, '[]')`;
    const fromSqlite = sqlite.$client.prepare(`${insertZoneless} RETURNING id, created_at, active`).get();
    const fromPg = (await pgdb.pool.query(`${insertZoneless} RETURNING id, created_at, active`)).rows[0] as { id: number; created_at: string; active: number };
    expect(fromPg.id).toBe((fromSqlite as { id: number }).id);
    expect(fromPg.active).toBe(1);
    expect(fromPg.created_at).toMatch(ISO);
    expect((fromSqlite as { created_at: string }).created_at).toMatch(ISO);

    // Through drizzle's query builder the translated tables give the same values too (0/1 read as booleans).
    const viaPg = await drizzle(pgdb.pool)
      .select({ id: pgTables.restaurants.id, active: pgTables.restaurants.active, lat: pgTables.restaurants.lat, hours: pgTables.restaurants.hours })
      .from(pgTables.restaurants)
      .orderBy(asc(pgTables.restaurants.id));
    const viaSqlite = sqlite
      .select({ id: sqliteTables.restaurants.id, active: sqliteTables.restaurants.active, lat: sqliteTables.restaurants.lat, hours: sqliteTables.restaurants.hours })
      .from(sqliteTables.restaurants)
      .orderBy(asc(sqliteTables.restaurants.id))
      .all();
    expect(viaSqlite[0]!.active).toBe(true);
    expect(viaPg).toEqual(viaSqlite);
    sqlite.$client.close();
  });

  it('fill stage_ms and bump the catalogue version by trigger, as SQLite does, and null an order\'s zone when the zone is deleted', async () => {
    await runPostgresMigrations(pgdb.pool);
    const sqlite = migratedSqlite();
    const setup = [
      `INSERT INTO cities (id, name, name_en) VALUES (1, 'Москва', 'Moscow')`,
      `INSERT INTO restaurants (id, city_id, code, name, name_en, address, address_en, phone, lat, lng, hours)
         VALUES (1, 1, 'R', 'Р', 'R', 'а', 'a', '+7', 55.7, 37.6, '[]')`,
      `INSERT INTO delivery_zones (id, restaurant_id, city_id, name, geometry) VALUES (1, 1, 1, 'zone', '{}')`,
      `INSERT INTO users (id, role, telegram_id) VALUES (1, 'customer', 5000000001)`,
      `INSERT INTO orders (id, order_number, order_day, city_id, user_id, subtotal, total, delivery_type, delivery_zone_id)
         VALUES (1, 'M-0001', '2026-11-30', 1, 1, 1000, 1000, 'delivery', 1)`,
      `INSERT INTO order_status_history (order_id, to_status, source, created_at) VALUES (1, 'pending', 'customer', '2026-11-30T10:00:00.000Z')`,
      `INSERT INTO order_status_history (order_id, from_status, to_status, source, created_at) VALUES (1, 'pending', 'confirmed', 'manager', '2026-11-30T10:01:30.250Z')`,
      `INSERT INTO order_status_history (order_id, from_status, to_status, source, created_at) VALUES (1, 'confirmed', 'cooking', 'pos', '2026-11-30T10:21:30.250Z')`,
      `INSERT INTO order_status_history (order_id, from_status, to_status, source, created_at, stage_ms) VALUES (1, 'cooking', 'ready', 'pos', '2026-11-30T10:22:00.000Z', 7)`,
      `DELETE FROM delivery_zones WHERE id = 1`,
    ];
    const versionSql = "SELECT value FROM system_state WHERE key = 'catalogue-version'";
    const versionsBefore = [sqlite.$client.prepare(versionSql).get(), (await pgdb.pool.query(versionSql)).rows[0]];
    for (const s of setup) {
      sqlite.$client.exec(s);
      await pgdb.pool.query(s);
    }
    // The catalogue's writes gave the version row a new value in both (the catalogue-version triggers).
    expect(versionsBefore.every(Boolean)).toBe(true);
    expect(sqlite.$client.prepare(versionSql).get()).not.toEqual(versionsBefore[0]);
    expect((await pgdb.pool.query(versionSql)).rows[0]).not.toEqual(versionsBefore[1]);
    const history = 'SELECT stage_ms FROM order_status_history ORDER BY id';
    const expected = sqlite.$client.prepare(history).all();
    expect(expected).toEqual([{ stage_ms: null }, { stage_ms: 90_250 }, { stage_ms: 1_200_000 }, { stage_ms: 7 }]);
    expect((await pgdb.pool.query(history)).rows).toEqual(expected);
    const zone = 'SELECT delivery_zone_id FROM orders WHERE id = 1';
    expect(sqlite.$client.prepare(zone).get()).toEqual({ delivery_zone_id: null });
    expect((await pgdb.pool.query(zone)).rows).toEqual([{ delivery_zone_id: null }]);
    sqlite.$client.close();
  });
});
