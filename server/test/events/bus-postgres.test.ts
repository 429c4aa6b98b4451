import type { FastifyBaseLogger } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PgSql } from '../../src/db/sql-postgres';
import { PgBus, type PgBusOptions } from '../../src/events/bus-postgres';
import { runPostgresMigrations } from '../../src/db/postgres-migrate';
import { PgEventLog } from '../../src/events/log-postgres';
import type { BusEvent, BusNotice, NodeRequest } from '../../src/events/types';
import { freshDatabase, type TestDatabase } from '../helpers/pg';
import { requireService } from '../helpers/services';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A logger that keeps what it is told (the bus's warnings are part of its behaviour). */
function recordingLogger(): FastifyBaseLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (a: unknown, b?: unknown) => void lines.push(`${level}: ${typeof a === 'string' ? a : String(b)}`);
  const logger = { lines, info: keep('info'), warn: keep('warn'), error: keep('error'), debug: keep('debug'), trace: keep('trace'), fatal: keep('fatal'), level: 'info' };
  return { ...logger, child: () => logger, silent: () => undefined } as unknown as FastifyBaseLogger & { lines: string[] };
}

interface Node {
  sql: PgSql;
  log: PgEventLog;
  bus: PgBus;
  events: BusEvent[];
  notices: BusNotice[];
  logger: ReturnType<typeof recordingLogger>;
  append(marker: string, rooms?: string[]): Promise<void>;
}

describe('event bus over PostgreSQL LISTEN/NOTIFY', await requireService('postgres'), () => {
  let db: TestDatabase;
  const nodes: Node[] = [];

  beforeEach(async () => {
    db = await freshDatabase();
    const setup = new PgSql(db.url, { poolMax: 1 });
    await runPostgresMigrations(setup.pool);
    await setup.close();
  });
  afterEach(async () => {
    for (const n of nodes.splice(0)) {
      await n.bus.close();
      await n.sql.close();
    }
    await db.drop();
  });

  /** One server node: its own pool, log and bus. No poll: only notifications and catch-up deliver. */
  const node = async (opts: Partial<PgBusOptions> = {}): Promise<Node> => {
    const sql = new PgSql(db.url, { poolMax: 6 });
    const log = new PgEventLog(sql);
    const logger = recordingLogger();
    const bus = await PgBus.connect({ url: db.url, sql, log, logger, pollMs: 0, ...opts });
    const n: Node = {
      sql,
      log,
      bus,
      logger,
      events: [],
      notices: [],
      append: (marker, rooms = ['admin']) => sql.tx(async () => log.insert('menu-updated', rooms, JSON.stringify({ marker }))),
    };
    bus.subscribe((e) => n.events.push(e));
    bus.onNotice((x) => n.notices.push(x));
    nodes.push(n);
    return n;
  };
  const markers = (events: { json: string }[]) => events.map((e) => (JSON.parse(e.json) as { data: { marker: string } }).data.marker);

  it('wakes every node at commit: each delivers the other’s events, from the log, in id order', async () => {
    const a = await node();
    const b = await node();
    expect(a.bus.healthy()).toBe(true);
    expect(a.bus.kind).toBe('postgres');
    await a.append('from-a');
    await until(() => b.events.length === 1 && a.events.length === 1, 'both nodes to deliver the first event');
    expect(b.events[0]).toMatchObject({ id: 1, type: 'menu-updated', rooms: ['admin'], json: '{"type":"menu-updated","data":{"marker":"from-a"},"id":1}' });
    // Writers on both nodes at once: both deliver one sequence, the log's.
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).append(`e${i}`)));
    await until(() => a.events.length === 41 && b.events.length === 41, 'all 41 events on both nodes');
    const all = await a.log.after(0, 1000);
    expect(a.events.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(b.events.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(markers(b.events)).toEqual(markers(all));
  });

  it('publish delivers a node’s own next event at once, and never twice when its notification follows', async () => {
    const a = await node();
    await a.append('x');
    await until(() => a.events.length === 1, 'the first event');
    await a.append('y');
    const [y] = await a.log.after(1);
    await a.bus.publish(y!); // what the dispatcher does right after its own commit
    expect(a.events.map((e) => e.id)).toEqual([1, 2]);
    await a.append('z');
    await until(() => a.events.length === 3, 'the third event');
    await sleep(100);
    expect(a.events.map((e) => e.id)).toEqual([1, 2, 3]);
  });

  it('a node starts after the events already in the log (clients resume from the log), or from a given id', async () => {
    const a = await node();
    await a.append('old');
    await until(() => a.events.length === 1, 'the old event on A');
    const late = await node();
    const replay = await node({ from: 0 });
    await a.append('new');
    await until(() => late.events.length === 1 && replay.events.length === 2, 'the late nodes to deliver');
    expect(markers(late.events)).toEqual(['new']);
    expect(markers(replay.events)).toEqual(['old', 'new']);
  });

  it('catches up from the log after its LISTEN connection is terminated, and re-checks rights (principals-stale)', async () => {
    const a = await node();
    const b = await node({ reconnectMs: 500 });
    await a.append('before');
    await until(() => b.events.length === 1, 'the first event on B');
    const pid = b.bus.listenerPid();
    expect(pid).toEqual(expect.any(Number));
    await a.sql.exec('SELECT pg_terminate_backend($1)', [pid]);
    await until(() => !b.bus.healthy(), 'B to notice its LISTEN connection is gone');
    // Committed while B is not listening: B never gets these notifications.
    for (let i = 0; i < 5; i++) await a.append(`missed-${i}`);
    expect(b.bus.healthy()).toBe(false);
    expect(b.events).toHaveLength(1);
    await until(() => b.bus.healthy(), 'B to reconnect');
    await until(() => b.events.length === 6, 'B to catch up from the log');
    expect(markers(b.events)).toEqual(['before', 'missed-0', 'missed-1', 'missed-2', 'missed-3', 'missed-4']);
    expect(b.notices).toContainEqual({ kind: 'principals-stale' });
    expect(b.bus.connections).toBe(2);
    expect(b.logger.lines.some((l) => l.includes('lost its LISTEN connection'))).toBe(true);
    // And it listens again.
    await a.append('after');
    await until(() => b.events.length === 7, 'the event after the reconnect');
    expect(b.bus.listenerPid()).not.toBe(pid);
  });

  it('writers on both nodes while B’s LISTEN connection is cut twice: both deliver the log’s whole sequence, once each, in order', async () => {
    const a = await node();
    const b = await node({ reconnectMs: 50 });
    const cutter = (async () => {
      for (let cut = 0; cut < 2; cut++) {
        await sleep(150);
        await until(() => b.bus.listenerPid() !== null, 'B listening');
        await a.sql.exec('SELECT pg_terminate_backend($1)', [b.bus.listenerPid()]);
      }
    })();
    const writer = async (n: Node, w: number) => {
      for (let t = 0; t < 25; t++) {
        if (t % 2) await n.append(`w${w}-t${t}`);
        else await n.sql.txGrouped(async () => n.log.insert('menu-updated', ['admin'], JSON.stringify({ marker: `w${w}-t${t}` })));
      }
    };
    await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((w) => writer(w % 2 ? a : b, w)));
    await cutter;
    const all = await a.log.after(0, 1000);
    expect(all).toHaveLength(200);
    await until(() => a.events.length >= 200 && b.events.length >= 200, 'both nodes to deliver all 200');
    await sleep(100);
    expect(a.events.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(b.events.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(b.bus.connections).toBe(3);
  });

  it('carries notices between nodes in the notification (each node hears it once, the sender locally)', async () => {
    const a = await node();
    const b = await node();
    a.bus.notify({ kind: 'principal-changed', userId: 42 });
    b.bus.notify({ kind: 'chat', room: 'order-7-chat', json: '{"type":"chat-typing"}', except: 3, presence: true });
    await until(() => a.notices.length === 2 && b.notices.length === 2, 'both notices on both nodes');
    await sleep(100);
    for (const n of [a, b]) {
      expect(n.notices).toHaveLength(2);
      expect(n.notices).toContainEqual({ kind: 'principal-changed', userId: 42 });
      expect(n.notices).toContainEqual({ kind: 'chat', room: 'order-7-chat', json: '{"type":"chat-typing"}', except: 3, presence: true });
    }
    // Too large for NOTIFY: delivered here, said in the log, not sent.
    a.bus.notify({ kind: 'chat', room: 'order-7-chat', json: 'x'.repeat(9000), except: 0 });
    expect(a.notices).toHaveLength(3);
    await until(() => a.logger.lines.some((l) => l.includes('too large for NOTIFY')), 'the warning');
    await sleep(100);
    expect(b.notices).toHaveLength(2);
  });

  it('asks another node and gets its answer; a node that is not there answers null at once', async () => {
    const a = await node();
    const b = await node();
    const got: NodeRequest[] = [];
    b.bus.onAsk(async (req) => {
      got.push(req);
      return req.kind === 'sse-room' && req.roomId === 'nope'
        ? { ok: false, status: 403, code: 'forbidden', message: 'Not your room' }
        : { ok: true, body: { rooms: ['admin', req.kind === 'sse-room' ? req.roomId : ''] } };
    });
    const request: NodeRequest = { kind: 'sse-room', connectionId: `${b.bus.nodeId}-1`, userId: 5, roomId: 'city-1-orders', join: true };
    expect(await a.bus.ask(b.bus.nodeId, request, 10_000)).toEqual({ ok: true, body: { rooms: ['admin', 'city-1-orders'] } });
    expect(await a.bus.ask(b.bus.nodeId, { ...request, roomId: 'nope' }, 10_000)).toEqual({ ok: false, status: 403, code: 'forbidden', message: 'Not your room' });
    expect(got).toHaveLength(2);
    // Its own id is answered in-process (no handler here: null).
    expect(await a.bus.ask(a.bus.nodeId, request, 1000)).toBeNull();
    // A node id nobody listens as: null long before the timeout.
    let started = Date.now();
    expect(await a.bus.ask('0badc0de', request, 15_000)).toBeNull();
    expect(Date.now() - started).toBeLessThan(14_000);
    // A node that has gone.
    const gone = b.bus.nodeId;
    await b.bus.close();
    await until(async () => (await a.sql.exec('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [`ocbus:${gone}`])).rowCount === 0, 'B’s session to end');
    started = Date.now();
    expect(await a.bus.ask(gone, request, 15_000)).toBeNull();
    expect(Date.now() - started).toBeLessThan(14_000);
  });
});
