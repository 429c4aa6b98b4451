import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { buildTestApp, signInStaff } from '../helpers/app';
import { TestClient, type Msg, createOrder, listen, signInCustomerQuick, sleep, until, upTo } from './helpers';
import { ServerProcess, useProcessPair, usePrivateRedis } from './processes';
import { requireService, TEST_REDIS_URL } from '../helpers/services';

const REDIS_URL = TEST_REDIS_URL;

/** The log's ids for a set of rooms, read straight from the shared SQLite file. */
function logIds(dbPath: string, rooms: string[], after: number, upToId: number): number[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.prepare('SELECT id, rooms FROM events WHERE id > ? AND id <= ? ORDER BY id').all(after, upToId) as { id: number; rooms: string }[];
    return rows.filter((r) => (JSON.parse(r.rooms) as string[]).some((x) => rooms.includes(x))).map((r) => r.id);
  } finally {
    db.close();
  }
}

function logHead(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT MAX(id) AS m FROM events').get() as { m: number | null }).m ?? 0;
  } finally {
    db.close();
  }
}

const lastId = (msgs: Msg[]) => msgs.at(-1)?.id ?? 0;

describe('two server processes, one SQLite file, Redis between them', await requireService('redis'), () => {
  const pair = useProcessPair(REDIS_URL);

  const connect = async (p: ServerProcess, query: string) => {
    return pair.keep(await TestClient.ready(`${p.ws}/ws?${query}`));
  };

  it('delivers an order created through A to a manager on B, and both deliver one ordered sequence', async () => {
    const { a, b, dbPath } = pair;
    const manager = await a.staffToken('manager1');
    const cust = await a.customer(910_000_001);
    const onA = await connect(a, `token=${manager}`);
    const onB = await connect(b, `token=${manager}`);
    const health = await b.json('GET', '/health');
    expect(health.body).toMatchObject({ bus: 'up' });

    const id = await a.order(cust.token);
    const got = await onB.waitFor((m) => m.type === 'new-order' && m.data.id === id);
    expect(got.data).toMatchObject({ id, city_id: 1, status: 'pending' });

    // Orders through both processes at once: adjacent ids are published by different processes.
    const ids: number[] = [];
    for (let round = 0; round < 6; round++) {
      ids.push(...(await Promise.all([0, 1, 2, 3, 4].map((i) => (i % 2 ? a : b).order(cust.token)))));
    }
    for (const c of [onA, onB]) {
      await until(() => ids.every((oid) => c.messages.some((m) => m.type === 'new-order' && m.data.id === oid)), 10_000, 'all orders');
    }
    const common = Math.min(lastId(onA.events()), lastId(onB.events()));
    const first = got.id! - 1;
    const want = logIds(dbPath, onA.messages[0]!.data.rooms, first, common);
    expect(upTo(onA.events(), common).filter((m) => m.id! > first).map((m) => m.id)).toEqual(want);
    expect(upTo(onB.events(), common).filter((m) => m.id! > first).map((m) => m.id)).toEqual(want);
  });

  it('a client on A that is killed mid-stream resumes on B with nothing lost', async () => {
    const { a, b, dbPath } = pair;
    const manager = await b.staffToken('manager1');
    const cust = await b.customer(910_000_002);
    const onA = await connect(a, `token=${manager}`);
    const reference = await connect(b, `token=${manager}`);
    // Everything after this id must reach the client (on A, then on B): both are connected by now.
    const start = logHead(dbPath);

    let killed = false;
    const stream = (async () => {
      for (let i = 0; i < 40; i++) {
        if (i === 15) {
          a.kill('SIGKILL');
          killed = true;
        }
        // Through A while it lives (its dispatcher publishes some events), then through B.
        const target = !killed && i % 2 ? a : b;
        await target.order(cust.token).catch(() => undefined);
        await sleep(10);
      }
    })();
    const closed = await onA.waitClose(10_000);
    expect(closed.code).toBe(1006);
    const seen = lastId(onA.events());
    expect(seen).toBeGreaterThan(start);
    const resumed = await connect(b, `token=${manager}&lastEventId=${seen}`);
    await stream;

    const head = logHead(dbPath);
    const rooms = onA.messages[0]!.data.rooms as string[];
    const wantHead = Math.max(...logIds(dbPath, rooms, start, head));
    await until(() => lastId(reference.events()) >= wantHead && lastId(resumed.events()) >= wantHead, 10_000, 'events after the kill');
    const want = logIds(dbPath, rooms, start, wantHead);
    const combined = [...onA.events(), ...resumed.events()].filter((m) => m.id! > start && m.id! <= wantHead);
    expect(combined.map((m) => m.id)).toEqual(want);
    expect(upTo(reference.events(), wantHead).filter((m) => m.id! > start).map((m) => m.id)).toEqual(want);
    expect(combined).toEqual(upTo(reference.events(), wantHead).filter((m) => m.id! > start));
  });
});

describe('Redis going down', await requireService('redis-server'), () => {
  const redis = usePrivateRedis();

  it('reports the bus down, keeps delivering (own clients at once, other processes from the log), and recovers', async () => {
    const env = { REDIS_URL: redis.url };
    const t1 = await buildTestApp(env);
    const t2 = await buildTestApp(env, { dir: t1.dir }); // a second "process" on the same SQLite file
    try {
      const url1 = await listen(t1.app);
      const url2 = await listen(t2.app);
      const health = async () => (await t2.app.inject({ url: '/health' })).json();
      expect(await health()).toMatchObject({ bus: 'up' });
      const manager = (await signInStaff(t1.app, 'manager1')).token;
      const cust = await signInCustomerQuick(t1.app);
      const local = await TestClient.ready(`${url1.ws}/ws?token=${manager}`);
      const remote = await TestClient.ready(`${url2.ws}/ws?token=${manager}`);
      const o1 = await createOrder(t1.app, cust, 1);
      await remote.waitFor((m) => m.type === 'new-order' && m.data.id === o1.id);

      redis.kill();
      await until(() => !t1.app.events.bus.healthy() && !t2.app.events.bus.healthy(), 5000, 'bus down');
      expect(await health()).toMatchObject({ status: 'unavailable', bus: 'down', reasons: expect.arrayContaining(['event bus disconnected']) });
      const o2 = await createOrder(t1.app, cust, 1);
      await local.waitFor((m) => m.type === 'new-order' && m.data.id === o2.id, 500);
      await remote.waitFor((m) => m.type === 'new-order' && m.data.id === o2.id, 5000);

      await redis.start();
      await until(() => t1.app.events.bus.healthy() && t2.app.events.bus.healthy(), 10_000, 'bus up again');
      const o3 = await createOrder(t1.app, cust, 1);
      await remote.waitFor((m) => m.type === 'new-order' && m.data.id === o3.id);
      for (const c of [local, remote]) {
        const ids = c.events().map((m) => m.id!);
        expect([...new Set(ids)].sort((x, y) => x - y)).toEqual(ids);
      }
      expect(remote.orderEvents()).toEqual(local.orderEvents());
      local.close();
      remote.close();
    } finally {
      await t2.app.close();
      await t1.close();
    }
  });

  it('starts while Redis is down, and connects when it comes', async () => {
    redis.kill();
    await sleep(100);
    const t = await buildTestApp({ REDIS_URL: redis.url });
    try {
      expect(t.app.events.bus.healthy()).toBe(false);
      await redis.start();
      await until(() => t.app.events.bus.healthy(), 10_000, 'bus up');
    } finally {
      await t.close();
    }
  });
});
