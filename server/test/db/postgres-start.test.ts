import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { runPostgresMigrations } from '../../src/db/postgres-migrate';
import { seedIfEmpty } from '../../src/db/seed';
import { PgSql } from '../../src/db/sql-postgres';
import { testSql } from '../helpers/db';
import { testEnv, signInStaff } from '../helpers/app';
import { freshDatabase } from '../helpers/pg';
import { requireService } from '../helpers/services';

/** A server started with DATABASE_URL: migrated, seeded once, whatever number of nodes start at once. */
describe('starting on PostgreSQL (DATABASE_URL)', await requireService('postgres'), () => {
  it('three seeders on one empty migrated database at once: one fills it, the others find it filled', async () => {
    const db = await freshDatabase('oc_seed');
    const pools = [0, 1, 2].map(() => new PgSql(db.url, { poolMax: 2 }));
    const watch = new PgSql(db.url, { poolMax: 2 });
    try {
      await runPostgresMigrations(pools[0]!.pool);
      // Force the race: hold the cities table against writes until all three seeders are in their
      // transaction and waiting (each has already seen an empty table unless something orders them).
      const holder = await watch.pool.connect();
      await holder.query('BEGIN; LOCK TABLE cities IN SHARE ROW EXCLUSIVE MODE');
      const seeding = Promise.allSettled(pools.map((p) => seedIfEmpty(p, 'demo-password')));
      // (Not on the holder: inside a transaction pg_stat_activity is read once and then kept.)
      const waiting = async () =>
        (await watch.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0]!.n;
      for (let i = 0; i < 300 && (await waiting()) < 3; i++) await new Promise((r) => setTimeout(r, 50));
      await holder.query('COMMIT');
      holder.release();
      const results = await seeding;
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason))).sort()).toEqual([false, false, true]);
      expect((await pools[0]!.prepare<void, { n: number }>('SELECT count(*) AS n FROM cities').get())?.n).toBe(3);
    } finally {
      await Promise.all([...pools, watch].map((p) => p.close()));
      await db.drop();
    }
  });

  it('three nodes starting at once on one empty database: one seeds, all serve, new rows get fresh ids', async () => {
    const db = await freshDatabase('oc_start');
    const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'ordercast-pgstart-')));
    const apps = await Promise.all(
      dirs.map(async (dir) => {
        const app = await buildApp(loadConfig(testEnv(dir, { DATABASE_URL: db.url, NODE_ENV: 'development' })), { logger: false });
        await app.ready();
        return app;
      }),
    );
    try {
      const q = testSql(apps[0]!);
      const cities = await q.get<{ n: number }>('SELECT count(*) AS n FROM cities');
      expect(cities?.n).toBe(3);
      expect((await q.get<{ n: number }>("SELECT count(*) AS n FROM users WHERE username = 'admin'"))?.n).toBe(1);
      // Every node signs staff in, and a row inserted without an id does not collide with a seeded one.
      for (const app of apps) expect((await signInStaff(app, 'manager1')).token).toBeTruthy();
      // Every identity column's next value lies above the ids the seed gave (cities' restaurants, zones…).
      const identities = await q.all<{ t: string; c: string }>(
        "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'",
      );
      expect(identities.length).toBeGreaterThan(5);
      for (const { t, c } of identities) {
        const { max } = (await q.get<{ max: number }>(`SELECT coalesce(max("${c}"), 0) AS max FROM "${t}"`))!;
        const seq = (await q.get<{ last: number; called: number }>(
          `SELECT last_value AS last, is_called AS called FROM ${(await q.get<{ s: string }>(`SELECT pg_get_serial_sequence('"${t}"', '${c}') AS s`))!.s}`,
        ))!;
        expect(seq.called ? seq.last + 1 : seq.last, `${t}.${c}`).toBeGreaterThan(max);
      }
      const health = await apps[1]!.inject({ method: 'GET', url: '/health' });
      expect(health.json()).toMatchObject({ db: 'up', bus: 'up' });
    } finally {
      await Promise.all(apps.map((a) => a.close()));
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      await db.drop();
    }
  });

  it('no pooled connection free in time: 503 with Retry-After (DATABASE_POOL_TIMEOUT_MS), then serves again', async () => {
    const db = await freshDatabase('oc_pool');
    const dir = mkdtempSync(join(tmpdir(), 'ordercast-pgpool-'));
    const app = await buildApp(loadConfig(testEnv(dir, { DATABASE_URL: db.url, NODE_ENV: 'development', DATABASE_POOL_MAX: '2', DATABASE_POOL_TIMEOUT_MS: '300' })), {
      logger: false,
    });
    await app.ready();
    try {
      const { token } = await signInStaff(app, 'admin');
      const me = () => app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
      expect((await me()).statusCode).toBe(200);
      const pool = (app.sql as PgSql).pool;
      const held = [await pool.connect(), await pool.connect()];
      const res = await me();
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json()).toMatchObject({ error: 'unavailable' });
      for (const c of held) c.release();
      expect((await me()).statusCode).toBe(200);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });
});
