/**
 * Wake-up latency of the PostgreSQL event bus (issue 13): an event committed through node A, until
 * node B (its own pool and LISTEN connection) hands it to its handlers, read from the log.
 *
 *   npm run bench:pg-bus -w server [-- --rate 100 --seconds 10]
 *
 * Commits are paced at `rate` per second (open loop, one event each, through txGrouped).
 * Needs PostgreSQL at TEST_DATABASE_URL or 127.0.0.1:5432; uses a fresh database, dropped after.
 */
import { parseArgs } from 'node:util';
import type { FastifyBaseLogger } from 'fastify';
import { PgSql } from '../src/db/sql-postgres';
import { PgBus } from '../src/events/bus-postgres';
import { runPostgresMigrations } from '../src/db/postgres-migrate';
import { PgEventLog } from '../src/events/log-postgres';
import { freshDatabase } from '../test/helpers/pg';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '100' }, seconds: { type: 'string', default: '10' } } });
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const quiet = { info() {}, warn: console.warn, error: console.error } as unknown as FastifyBaseLogger;

const db = await freshDatabase('oc_bench');
const nodes: { sql: PgSql; bus: PgBus }[] = [];
try {
  const make = async () => {
    const sql = new PgSql(db.url, { poolMax: 16 });
    const log = new PgEventLog(sql);
    const bus = await PgBus.connect({ url: db.url, sql, log, logger: quiet, pollMs: 0 });
    nodes.push({ sql, bus });
    return { sql, log, bus };
  };
  const setup = new PgSql(db.url, { poolMax: 1 });
  await runPostgresMigrations(setup.pool);
  await setup.close();
  const a = await make();
  const b = await make();
  const committedAt = new Map<string, number>();
  const deliveredAt = new Map<string, number>();
  b.bus.subscribe((e) => deliveredAt.set((JSON.parse(e.json) as { data: { marker: string } }).data.marker, performance.now()));
  const total = rate * seconds;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const marker = `m${i}`;
    pending.push(
      a.sql
        .txGrouped(async () => a.log.insert('menu-updated', ['admin'], JSON.stringify({ marker })))
        .then(() => void committedAt.set(marker, performance.now())),
    );
  }
  await Promise.all(pending);
  const end = Date.now() + 30_000;
  while (deliveredAt.size < total && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  // Delivery can beat the committer's own promise (the NOTIFY goes out at commit): those count as 0.
  const sorted = [...deliveredAt].map(([m, at]) => Math.max(0, at - committedAt.get(m)!)).sort((x, y) => x - y);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(1);
  console.log(`${rate}/s for ${seconds}s: ${sorted.length}/${total} delivered on B; commit → B's handler p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1 - 1e-9)} ms`);
} finally {
  for (const n of nodes) {
    await n.bus.close();
    await n.sql.close();
  }
  await db.drop();
}
