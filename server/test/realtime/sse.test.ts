import { beforeAll, describe, expect, it } from 'vitest';
import { useServedApp, bearer, buildTestApp, signInCustomer, signInStaff } from '../helpers/app';
import { TestClient, TestSse, createOrder, listen, setStatus, sleep, until, upTo } from './helpers';

describe('realtime over SSE', () => {
  let admin: string, manager1: string;

  const t = useServedApp({ SSE_HEARTBEAT_MS: '100' });
  beforeAll(async () => {
    admin = (await signInStaff(t.app, 'admin')).token;
    manager1 = (await signInStaff(t.app, 'manager1')).token;
  });
  const sse = (query: string, headers?: Record<string, string>) => {
    const s = new TestSse(`${t.url.http}/sse?${query}`, headers ? { headers } : undefined);
    t.keep(s);
    return s;
  };

  it('streams with the right headers, a flushing comment, a retry hint and heartbeats', async () => {
    const cust = await signInCustomer(t.app);
    const ac = new AbortController();
    const res = await fetch(`${t.url.http}/sse?token=${cust.token}`, { signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toMatch(/no-cache/);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const reader = res.body!.getReader();
    let text = '';
    const dec = new TextDecoder();
    const end = Date.now() + 3000;
    while (!/: hb\n\n[\s\S]*: hb\n\n/.test(text) && Date.now() < end) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
    ac.abort();
    expect(text.startsWith(':')).toBe(true);
    expect(text).toMatch(/\nretry: \d+\n/);
    const connected = /data: (\{"type":"connected".*\})\n\n/.exec(text);
    expect(JSON.parse(connected![1]!)).toMatchObject({ type: 'connected', data: { userId: cust.user.id, transport: 'sse' } });
    expect(text.match(/: hb\n\n/g)!.length).toBeGreaterThanOrEqual(2);
    await until(() => t.app.realtime.sse.size === 0, 3000, 'disconnect noticed');
  });

  it('refuses a bad or missing token with 401 JSON', async () => {
    for (const q of ['', '?token=bad', '?ticket=nope']) {
      const res = await fetch(`${t.url.http}/sse${q}`);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
  });

  it('delivers the same sequence as WebSocket, with id: equal to the event id', async () => {
    const cust = await signInCustomer(t.app);
    const ws = await TestClient.ready(`${t.url.ws}/ws?token=${manager1}`);
    const wsCust = await TestClient.ready(`${t.url.ws}/ws?token=${cust.token}`);
    const s = sse(`token=${manager1}`);
    const sCust = sse(`token=${cust.token}`);
    await s.waitFor((m) => m.type === 'connected');
    await sCust.waitFor((m) => m.type === 'connected');
    for (let i = 0; i < 5; i++) {
      const o = await createOrder(t.app, cust.token, 1);
      await setStatus(t.app, manager1, o.id, 'confirmed');
    }
    await until(() => ws.orderEvents().length === 10 && s.orderEvents().length === 10 && sCust.orderEvents().length === 10);
    await sleep(50);
    expect(s.orderEvents()).toEqual(ws.orderEvents());
    expect(sCust.events()).toEqual(wsCust.events());
    // Everything else in the same rooms (the POS worker's sync events) matches too, up to the last id both have.
    const common = Math.min(ws.events().at(-1)!.id!, s.events().at(-1)!.id!);
    expect(upTo(s.events(), common)).toEqual(upTo(ws.events(), common));
    // Event ids on the SSE side are the `id:` lines.
    const withIds = s.messages.map((m, i) => [m.id, s.ids[i]]).filter(([id]) => id !== undefined);
    for (const [id, lastEventId] of withIds) expect(String(id)).toBe(lastEventId);
    ws.close();
    wsCust.close();
  });

  it('resumes by Last-Event-ID header or lastEventId query, and signals resync for a too-old id', async () => {
    const cust = await signInCustomer(t.app);
    const ws = await TestClient.ready(`${t.url.ws}/ws?token=${manager1}`);
    await createOrder(t.app, cust.token, 1);
    const first = await ws.waitFor((m) => m.type === 'new-order');
    for (let i = 0; i < 3; i++) await createOrder(t.app, cust.token, 1);
    await until(() => ws.orderEvents().length === 4);
    const byHeader = sse(`token=${manager1}`, { 'Last-Event-ID': String(first.id) });
    const byQuery = sse(`token=${manager1}&lastEventId=${first.id}`);
    await until(() => byHeader.orderEvents().length === 3 && byQuery.orderEvents().length === 3);
    const want = ws.orderEvents().slice(1);
    expect(byHeader.orderEvents()).toEqual(want);
    expect(byQuery.orderEvents()).toEqual(want);
    const common = Math.min(ws.events().at(-1)!.id!, byHeader.events().at(-1)!.id!);
    expect(upTo(byHeader.events(), common)).toEqual(upTo(ws.events(), common).filter((m) => m.id! > first.id!));
    const tooNew = sse(`token=${manager1}&lastEventId=${await t.app.events.log.highestId() + 50}`);
    await tooNew.waitFor((m) => m.type === 'resync');
    ws.close();
  });

  it('changes rooms over REST with the same rules, for its own connection only', async () => {
    const cust = await signInCustomer(t.app);
    const other = await signInCustomer(t.app);
    const s = sse(`token=${cust.token}`);
    const connected = await s.waitFor((m) => m.type === 'connected');
    const connectionId = connected.data.connectionId as string;
    const post = (path: string, token: string, body: object) =>
      t.app.inject({ method: 'POST', url: `/api/realtime/rooms/${path}`, headers: bearer(token), payload: body });

    const forbidden = await post('join', cust.token, { connectionId, roomId: 'admin-orders' });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ error: 'forbidden' });
    expect((await post('join', other.token, { connectionId, roomId: `user-${other.user.id}` })).statusCode).toBe(404);
    expect((await post('join', cust.token, { connectionId: 'nope', roomId: 'city-1-menu' })).statusCode).toBe(404);
    expect((await post('join', cust.token, { connectionId })).statusCode).toBe(400);
    const ok = await post('join', cust.token, { connectionId, roomId: 'city-1-menu' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().rooms).toContain('city-1-menu');
    await s.waitFor((m) => m.type === 'room-joined' && m.data.roomId === 'city-1-menu');

    // An admin's SSE joins a city room: events in both rooms arrive once.
    const a = sse(`token=${admin}`);
    const ac = await a.waitFor((m) => m.type === 'connected');
    expect((await post('join', admin, { connectionId: ac.data.connectionId, roomId: 'city-1-orders' })).statusCode).toBe(200);
    await createOrder(t.app, cust.token, 1);
    await a.waitFor((m) => m.type === 'new-order');
    await sleep(100);
    expect(a.events().filter((m) => m.type === 'new-order').length).toBe(1);
    const ids = a.events().map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    const left = await post('leave', admin, { connectionId: ac.data.connectionId, roomId: 'city-1-orders' });
    expect(left.json().rooms).not.toContain('city-1-orders');
  });

  it('accepts a single-use ticket, and ends the stream when the token behind it expires', async () => {
    const cust = await signInCustomer(t.app);
    const short = t.app.jwt.sign({ sub: String(cust.user.id), role: 'customer' }, { expiresIn: 2 });
    const tr = await t.app.inject({ method: 'POST', url: '/api/realtime/ticket', headers: bearer(short) });
    const { ticket } = tr.json();
    const res = await fetch(`${t.url.http}/sse?ticket=${encodeURIComponent(ticket)}`);
    expect(res.status).toBe(200);
    expect((await fetch(`${t.url.http}/sse?ticket=${encodeURIComponent(ticket)}`)).status).toBe(401);
    const reader = res.body!.getReader();
    let text = '';
    const started = Date.now();
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      text += new TextDecoder().decode(r.value);
    }
    expect(Date.now() - started).toBeLessThan(5000);
    expect(text).toContain(`"userId":${cust.user.id}`);
  });

  it('ends streams on shutdown', async () => {
    const other = await buildTestApp();
    const u = await listen(other.app);
    const cust = await signInCustomer(other.app);
    const res = await fetch(`${u.http}/sse?token=${cust.token}`);
    const reader = res.body!.getReader();
    await reader.read();
    const started = Date.now();
    // The server's shutdown alone: the test's cleanup after it (dropping a PostgreSQL database) is not part of it.
    await other.app.close();
    expect(Date.now() - started).toBeLessThan(3000);
    for (;;) {
      const r = await reader.read().catch(() => ({ done: true }));
      if (r.done) break;
    }
    await other.close();
  });
});
