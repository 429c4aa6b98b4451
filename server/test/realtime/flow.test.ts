import { beforeAll, describe, expect, it } from 'vitest';
import { useServedApp, bearer, buildTestApp, signInCustomer, signInStaff } from '../helpers/app';
import { TestClient, listen, sleep, until } from './helpers';

/** Keepalive, backpressure and shutdown, with small settings so they happen in test time. */
describe('keepalive and backpressure', () => {
  let admin: string;

  const t = useServedApp({ WS_PING_INTERVAL_MS: '150', WS_MAX_BUFFERED_BYTES: '65536' });
  beforeAll(async () => {
    admin = (await signInStaff(t.app, 'admin')).token;
  });

  const stats = async () => (await t.app.inject({ url: '/ws/stats', headers: bearer(admin) })).json();

  it('pings, keeps clients that pong, terminates one that stays silent, and counts stay right', async () => {
    const cust = await signInCustomer(t.app);
    const good = await TestClient.ready(`${t.url.ws}/ws?token=${cust.token}`);
    let pings = 0;
    good.ws.on('ping', () => pings++);
    const silent = await TestClient.ready(`${t.url.ws}/ws?token=${cust.token}`, { autoPong: false });
    expect((await stats()).total).toBe(2);
    const closed = await silent.waitClose(3000);
    expect(closed.code).toBe(1006); // terminated, no close frame
    await sleep(400);
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(good.closeCode).toBeUndefined();
    expect(await stats()).toMatchObject({ total: 1, by_type: { customer: 1 }, by_transport: { ws: 1 } });
    const m = await t.app.inject({ url: '/metrics' });
    expect(m.body).toMatch(/ordercast_realtime_keepalive_terminations_total [1-9]/);
    good.close();
    await until(() => t.app.realtime.hub.conns.size === 0);
  });

  it('closes a slow consumer with 1013 while another client keeps receiving; it resumes on reconnect', async () => {
    // Its own server: a long keepalive, so the paused client is ended for being slow, not for missing pings.
    const b = await buildTestApp({ WS_MAX_BUFFERED_BYTES: '65536' });
    try {
      const u = await listen(b.app);
      const tok = (await signInStaff(b.app, 'admin')).token;
      const slow = await TestClient.ready(`${u.ws}/ws?token=${tok}`);
      const fast = await TestClient.ready(`${u.ws}/ws?token=${tok}`);
      // Stop reading: the kernel buffers fill, then the server's own buffer grows past the limit.
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const pad = 'x'.repeat(16_000);
      let sent = 0;
      const metrics = b.app.realtime.metrics;
      for (let i = 0; i < 3000 && metrics.slowClosesWs === 0; i++) {
        await b.app.tx(async () =>
          b.app.events.append('sync-error', ['admin-orders'], { entity: 'order', entityId: i + 1, error: pad, timestamp: new Date().toISOString() }),
        );
        sent++;
        if (i % 10 === 0) await sleep(1);
      }
      await until(() => metrics.slowClosesWs === 1, 3000, 'slow-consumer close');
      // The fast client got everything, and keeps getting new events.
      for (let i = 0; i < 5; i++) {
        await b.app.tx(() => b.app.events.append('sync-success', ['admin-orders'], { entity: 'order', entityId: 1, timestamp: new Date().toISOString() }));
      }
      await until(() => fast.events().length === sent + 5, 10_000, 'fast client');
      // The server holds only what it had queued; the slow one, reading again, finds the 1013 close after it.
      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      const { code } = await slow.waitClose(10_000);
      expect(code).toBe(1013);
      const lastSeen = slow.events().at(-1)!.id!;
      expect(slow.events().length).toBeLessThan(sent + 5);
      // Reconnect with the last id: everything missed arrives.
      const back = await TestClient.ready(`${u.ws}/ws?token=${tok}&lastEventId=${lastSeen}`);
      const missed = fast.events().filter((m) => m.id! > lastSeen).length;
      await until(() => back.events().length === missed, 10_000, 'resumed events');
      expect([...slow.events(), ...back.events()].map((m) => m.id)).toEqual(fast.events().map((m) => m.id));
      const m = await b.app.inject({ url: '/metrics' });
      expect(m.body).toContain('ordercast_realtime_slow_consumer_closes_total{transport="ws"} 1');
      back.close();
      fast.close();
    } finally {
      await b.close();
    }
  });

  it('closes every socket with 1001 on shutdown', async () => {
    const other = await buildTestApp();
    const u = await listen(other.app);
    const cust = await signInCustomer(other.app);
    const a = await TestClient.ready(`${u.ws}/ws?token=${cust.token}`);
    const b = await TestClient.ready(`${u.ws}/?token=${cust.token}`);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await a.waitClose()).code).toBe(1001);
    expect((await b.waitClose()).code).toBe(1001);
  });
});

describe('keepalive spread', () => {
  /** `n` clients on a server pinging every second, watched for 2.3 s: pings per client and each one's first ping time. */
  async function pingsOver(n: number): Promise<{ counts: number[]; firstPings: number[] }> {
    const t = await buildTestApp({ WS_PING_INTERVAL_MS: '1000' });
    try {
      const url = await listen(t.app);
      const cust = await signInCustomer(t.app);
      const clients = await Promise.all(Array.from({ length: n }, () => TestClient.ready(`${url.ws}/ws?token=${cust.token}`)));
      const counts = new Array<number>(n).fill(0);
      const first = new Map<number, number>();
      clients.forEach((c, i) =>
        c.ws.on('ping', () => {
          counts[i]!++;
          if (!first.has(i)) first.set(i, Date.now());
        }),
      );
      await sleep(2300);
      for (const c of clients) c.close();
      return { counts, firstPings: [...first.values()] };
    } finally {
      await t.close();
    }
  }

  it('pings each connection once per interval, spread over the interval rather than all at once', async () => {
    const { counts, firstPings } = await pingsOver(20);
    // Every client pinged about twice in 2.3 s (never more than one ping per interval plus the one in flight)…
    for (const n of counts) {
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(3);
    }
    // …and the first pings of the twenty spread over most of the interval, not one burst.
    expect(firstPings.length).toBe(counts.length);
    expect(Math.max(...firstPings) - Math.min(...firstPings)).toBeGreaterThan(500);
  });

  it('with fewer connections than slices in a round, each is still pinged once per interval', async () => {
    const { counts } = await pingsOver(3);
    for (const n of counts) {
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(3);
    }
  });
});
