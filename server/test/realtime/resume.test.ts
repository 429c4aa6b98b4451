import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, signInCustomer, signInStaff, type TestApp } from '../helpers/app';
import { TestClient, createOrder, listen, setStatus, sleep, until } from './helpers';

/** Appends n sync-success events to the city-1 and admin rooms, in one transaction each (fast, no HTTP). */
function appendEvents(t: TestApp, n: number, perTx = 1): void {
  for (let i = 0; i < n; i += perTx) {
    t.app.tx(() => {
      for (let j = i; j < Math.min(n, i + perTx); j++) {
        t.app.events.append('sync-success', ['admin-orders', 'city-1-orders'], { entity: 'order', entityId: j + 1, timestamp: new Date().toISOString() });
      }
    });
  }
}

describe('resume from the durable log', () => {
  let t: TestApp;
  let url: { ws: string; http: string };
  let manager1: string;
  const open: TestClient[] = [];
  const client = async (query: string) => {
    const c = await TestClient.ready(`${url.ws}/ws?${query}`);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    t = await buildTestApp();
    url = await listen(t.app);
    manager1 = (await signInStaff(t.app, 'manager1')).token;
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t.close();
  });

  it('replays the 100 events missed during a disconnect, in order, before live ones, no gap, no duplicate', async () => {
    const cust = await signInCustomer(t.app);
    const watcher = await client(`token=${manager1}`);
    const first = await client(`token=${manager1}`);
    const o = await createOrder(t.app, cust.token, 1);
    const seen = await first.waitFor((m) => m.type === 'new-order');
    first.close();
    await sleep(50);

    // 100 events while away: orders and status moves through the real API, plus appended ones.
    for (let i = 0; i < 30; i++) await createOrder(t.app, cust.token, 1);
    await setStatus(t.app, manager1, o.id, 'confirmed');
    await setStatus(t.app, manager1, o.id, 'preparing');
    appendEvents(t, 38);
    // 30 new-order + 2 status + 38 sync = 70 events for city-1 (order-created go to the user room only)...
    appendEvents(t, 30, 10);
    await until(() => watcher.events().length >= 101, 5000, 'watcher');
    const expected = watcher.events().filter((m) => m.id! > seen.id!);
    expect(expected.length).toBe(100);

    // Live events keep coming while the client resumes.
    const resumed = TestClient.connect(`${url.ws}/ws?token=${manager1}&lastEventId=${seen.id}`);
    open.push(resumed);
    const live = (async () => {
      for (let i = 0; i < 10; i++) {
        appendEvents(t, 1);
        await sleep(2);
      }
    })();
    await resumed.waitFor((m) => m.type === 'connected');
    await live;
    await until(() => watcher.events().length >= 111);
    await until(() => resumed.events().length >= 110);
    await sleep(100);
    expect(resumed.messages[0]!.type).toBe('connected');
    const want = watcher.events().filter((m) => m.id! > seen.id!);
    expect(resumed.events().map((m) => m.id)).toEqual(want.map((m) => m.id));
    expect(resumed.events()).toEqual(want);
    expect(resumed.ofType('resync')).toEqual([]);
  });

  it('replays 10,000 missed events quickly and completely', async () => {
    const c0 = await client(`token=${manager1}`);
    appendEvents(t, 1, 1);
    const last = await c0.waitFor((m) => m.type === 'sync-success');
    c0.close();
    appendEvents(t, 10_000, 1000);
    const started = Date.now();
    const c = TestClient.connect(`${url.ws}/ws?token=${manager1}&lastEventId=${last.id}`);
    open.push(c);
    // Live events keep arriving while the replay runs in batches.
    for (let i = 0; i < 20; i++) {
      appendEvents(t, 5, 5);
      await sleep(3);
    }
    await until(() => c.events().length >= 10_100, 10_000, '10k replay');
    const took = Date.now() - started;
    await sleep(50);
    const ids = c.events().map((m) => m.id!);
    expect(ids.length).toBe(10_100);
    expect(ids[0]).toBe(last.id! + 1);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBe(ids[i - 1]! + 1);
    expect(took).toBeLessThan(5000); // the 1 s target is for the benchmark, not a timed test
  });

  it('sends resync for an id beyond the log, and for a pruned one; then goes live', async () => {
    const beyond = await client(`token=${manager1}&lastEventId=${t.app.events.log.highestId() + 1000}`);
    await beyond.waitFor((m) => m.type === 'resync');
    expect(beyond.messages.map((m) => m.type).slice(0, 2)).toEqual(['connected', 'resync']);
    const junk = await client(`token=${manager1}&lastEventId=abc`);
    await junk.waitFor((m) => m.type === 'resync');

    // Prune: keep only the newest 1000 rows, then ask for an id before them.
    t.app.events.log.prune(10_000, 1000);
    const { min } = t.app.events.log.bounds();
    const old = await client(`token=${manager1}&lastEventId=${min! - 5}`);
    await old.waitFor((m) => m.type === 'resync');
    appendEvents(t, 1);
    const live = await old.waitFor((m) => m.type === 'sync-success');
    expect(live.id).toBe(t.app.events.log.highestId());
    expect(old.events().length).toBe(1);
  });
});

describe('resume after a server restart', () => {
  it('replays what happened while the server was down, from SQLite', async () => {
    const first = await buildTestApp();
    const dir = first.dir;
    let url = await listen(first.app);
    const manager1 = (await signInStaff(first.app, 'manager1')).token;
    const cust = await signInCustomer(first.app);
    const c = await TestClient.ready(`${url.ws}/ws?token=${manager1}`);
    const o = await createOrder(first.app, cust.token, 1);
    const seen = await c.waitFor((m) => m.type === 'new-order' && m.data.id === o.id);
    // Graceful shutdown: the socket is closed with 1001 (going away).
    await first.app.close();
    expect((await c.waitClose()).code).toBe(1001);

    const second = await buildTestApp({}, { dir });
    try {
      // Events committed while no client was connected (and before any listener).
      const o2 = await createOrder(second.app, cust.token, 1);
      await setStatus(second.app, manager1, o.id, 'confirmed');
      url = await listen(second.app);
      const r = await TestClient.ready(`${url.ws}/ws?token=${manager1}&lastEventId=${seen.id}`);
      await until(() => r.events().length >= 2);
      await sleep(50);
      expect(r.events().map((m) => [m.type, m.data.id ?? m.data.orderId])).toEqual([
        ['new-order', o2.id],
        ['order-status-updated', o.id],
      ]);
      expect(r.events()[0]!.id).toBe(seen.id! + 2); // +1 was the customer's order-created
      r.close();
    } finally {
      await second.close();
    }
  });
});
