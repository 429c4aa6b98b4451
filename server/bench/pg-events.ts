/**
 * Append throughput of the PostgreSQL event log (issue 13), with concurrency:
 *
 *   npm run bench:pg-events -w server [-- --seconds 5 --concurrency 1,8,32]
 *
 * Each transaction is an order's shape in miniature: one row of its own and two events (the
 * staff's `new-order`, the customer's `order-created`). Variants, alternated in one session:
 *  - `log`: PgEventLog: events inserted at the end under the append lock (the safe scheme);
 *  - `naive`: the same inserts without the lock (unsafe: a reader can skip; the ceiling);
 *  - `early-lock`: the lock taken at the first append, as if events were inserted where appended
 *    (the order row written after them), to show what inserting at the end buys;
 *  - `grouped`: `log` through `txGrouped`: the transactions of one event-loop turn share one
 *    transaction, each in a savepoint (group commit).
 * Needs PostgreSQL at TEST_DATABASE_URL or 127.0.0.1:5432; uses a fresh database, dropped after.
 */
import { parseArgs } from 'node:util';
import { PgSql } from '../src/db/sql-postgres';
import { runPostgresMigrations } from '../src/db/postgres-migrate';
import { PgEventLog } from '../src/events/log-postgres';
import { freshDatabase } from '../test/helpers/pg';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '4' }, concurrency: { type: 'string', default: '1,8,32' }, rounds: { type: 'string', default: '2' } },
});
const seconds = Number(values.seconds);
const levels = values.concurrency.split(',').map(Number);
const rounds = Number(values.rounds);

type Variant = 'log' | 'naive' | 'early-lock' | 'grouped';
const variants: Variant[] = ['log', 'naive', 'early-lock', 'grouped'];

const db = await freshDatabase('oc_bench');
const sql = new PgSql(db.url, { poolMax: 32 });
try {
  await runPostgresMigrations(sql.pool);
  await sql.exec('CREATE TABLE orders_b (id bigserial PRIMARY KEY, body text NOT NULL)');
  const log = new PgEventLog(sql);
  const order = sql.prepare<{ body: string }>('INSERT INTO orders_b (body) VALUES (@body)');
  const naiveInsert = sql.prepare<{ type: string; rooms: string; payload: string }>('INSERT INTO events (type, rooms, payload) VALUES (@type, @rooms, @payload)');
  const lock = sql.prepare<{ key: number }>('SELECT pg_advisory_xact_lock(@key)');
  const payload = JSON.stringify({ id: 1, city_id: 1, status: 'pending', items: [{ dish: 'soup', qty: 2 }], total: 123_00 });

  const work: Record<Exclude<Variant, 'grouped'>, () => Promise<unknown>> = {
    log: () =>
      sql.tx(async () => {
        await order.run({ body: payload });
        log.insert('new-order', ['admin', 'city-1-orders'], payload);
        log.insert('order-created', ['user-1'], payload);
      }),
    naive: () =>
      sql.tx(async () => {
        await order.run({ body: payload });
        await naiveInsert.run({ type: 'new-order', rooms: '["admin","city-1-orders"]', payload });
        await naiveInsert.run({ type: 'order-created', rooms: '["user-1"]', payload });
      }),
    'early-lock': () =>
      sql.tx(async () => {
        await lock.run({ key: 1 });
        await naiveInsert.run({ type: 'new-order', rooms: '["admin","city-1-orders"]', payload });
        await naiveInsert.run({ type: 'order-created', rooms: '["user-1"]', payload });
        await order.run({ body: payload });
      }),
  };

  const grouped = () =>
    sql.txGrouped(async () => {
      await order.run({ body: payload });
      log.insert('new-order', ['admin', 'city-1-orders'], payload);
      log.insert('order-created', ['user-1'], payload);
    });

  const run = async (variant: Variant, concurrency: number) => {
    const fn = variant === 'grouped' ? grouped : work[variant];
    const end = Date.now() + seconds * 1000;
    let done = 0;
    const cpu = process.cpuUsage();
    const started = Date.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          await fn();
          done++;
        }
      }),
    );
    const wall = (Date.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { tps: done / wall, clientCpuMsPerTx: (used.user + used.system) / 1000 / done };
  };

  console.log(`# ${seconds}s per run, ${rounds} rounds alternated; transactions/s (2 events each), client CPU ms per transaction`);
  const results = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const c of levels) {
      for (const v of variants) {
        const { tps, clientCpuMsPerTx } = await run(v, c);
        const key = `${v} c=${c}`;
        results.set(key, [...(results.get(key) ?? []), tps]);
        console.log(`round ${r + 1}  ${key.padEnd(18)} ${tps.toFixed(0).padStart(6)} tx/s  ${clientCpuMsPerTx.toFixed(2)} ms CPU/tx`);
      }
    }
  }
  console.log('\n# median over rounds');
  for (const [key, list] of results) {
    const sorted = [...list].sort((a, b) => a - b);
    console.log(`${key.padEnd(18)} ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0).padStart(6)} tx/s`);
  }
  // Sanity: the safe log's ids are dense where nothing rolled back.
  const { rows } = await sql.exec('SELECT COUNT(*) AS n, MAX(id) - MIN(id) + 1 AS span FROM events');
  console.log(`\nevents written: ${rows[0].n} (id span ${rows[0].span})`);
} finally {
  await sql.close();
  await db.drop();
}
