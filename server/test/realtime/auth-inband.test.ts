import { describe, expect, it } from 'vitest';
import { signInCustomer, signInStaff, useTestApp } from '../helpers/app';
import { TestClient, createOrder, listen, sleep } from './helpers';

/**
 * Seed 002: a WebSocket may connect without a token and sign in with its first message,
 * `{"type":"auth","data":{"token":…}}`; it is then treated exactly like `?token=`.
 */
describe('in-band auth on WebSocket', () => {
  const t = useTestApp({ WS_AUTH_TIMEOUT_MS: '400', WS_MAX_PENDING_AUTH: '3' });
  let url: { http: string; ws: string };
  const clients: TestClient[] = [];
  const open = (path: string) => {
    const c = TestClient.connect(`${url.ws}${path}`);
    clients.push(c);
    return c;
  };
  const opened = async (c: TestClient) => {
    for (let i = 0; i < 200 && !c.opened; i++) await sleep(5);
    expect(c.opened).toBe(true);
  };

  it('auth after connect: connected with the role rooms, then live events and resume from lastEventId in the URL', async () => {
    url = await listen(t.app);
    const customer = await signInCustomer(t.app);
    const manager = (await signInStaff(t.app, 'manager1')).token;
    const first = await createOrder(t.app, customer.token, 1);

    const c = open('/ws?lastEventId=0');
    await opened(c);
    await sleep(50);
    expect(c.messages).toEqual([]); // nothing before auth
    c.send({ type: 'auth', data: { token: manager } });
    const connected = await c.waitFor((m) => m.type === 'connected');
    expect(connected.data.role).toBe('manager');
    expect(connected.data.rooms).toContain('city-1-orders');
    // The resume from the URL's lastEventId was applied: the order placed before connecting came back.
    const replayed = await c.waitFor((m) => m.type === 'new-order' && m.data.id === first.id);
    expect(typeof replayed.id).toBe('number');

    const live = await createOrder(t.app, customer.token, 1);
    await c.waitFor((m) => m.type === 'new-order' && m.data.id === live.id);
    c.send({ type: 'ping' });
    await c.waitFor((m) => m.type === 'pong');
  });

  it('the same on / (seed 001 URL)', async () => {
    const token = (await signInStaff(t.app, 'admin')).token;
    const c = open('/');
    await opened(c);
    c.send({ type: 'auth', data: { token } });
    const connected = await c.waitFor((m) => m.type === 'connected');
    expect(connected.data.rooms).toContain('admin-orders');
  });

  it('a bad token: error, then close 4401', async () => {
    const c = open('/ws');
    await opened(c);
    c.send({ type: 'auth', data: { token: 'not-a-jwt' } });
    const closed = await c.waitClose();
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/^invalid_token/);
    expect(c.ofType('error')[0]?.data.code).toBe('unauthorized');
    expect(c.ofType('connected')).toEqual([]);
  });

  it('no auth in time: close 4401 auth_timeout', async () => {
    const c = open('/ws');
    await opened(c);
    const t0 = Date.now();
    const closed = await c.waitClose(3000);
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/^auth_timeout/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it('any other message before auth: error unauthorized and close 4401', async () => {
    const c = open('/ws');
    await opened(c);
    c.send({ type: 'join-room', data: { roomId: 'admin-orders' } });
    const closed = await c.waitClose();
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/^unauthorized/);
    expect(c.ofType('error')[0]?.data.code).toBe('unauthorized');
    expect(c.ofType('connected')).toEqual([]);
  });

  it('not JSON before auth: closed 4401 too', async () => {
    const c = open('/ws');
    await opened(c);
    c.send('{nope');
    expect((await c.waitClose()).code).toBe(4401);
  });

  it('at most WS_MAX_PENDING_AUTH unauthenticated sockets at once; the next is closed 1013', async () => {
    // Signed in first: a password check on a loaded machine can outlast the 400 ms the sockets have.
    const admin = (await signInStaff(t.app, 'admin')).token;
    const pending = [open('/ws'), open('/ws'), open('/ws')];
    for (const p of pending) await opened(p);
    const extra = open('/ws');
    const closed = await extra.waitClose();
    expect(closed.code).toBe(1013);
    expect(closed.reason).toMatch(/^too_many_pending/);
    // One of the pending signs in: a slot frees for the next.
    pending[0]!.send({ type: 'auth', data: { token: admin } });
    await pending[0]!.waitFor((m) => m.type === 'connected');
    const next = open('/ws');
    await opened(next);
    await sleep(50);
    expect(next.closeCode).toBeUndefined();
    for (const p of [...pending, next]) p.close();
  });

  it('?token= keeps working (seed 001), and a URL with a bad token is refused before any message', async () => {
    const token = (await signInStaff(t.app, 'admin')).token;
    const ok = await TestClient.ready(`${url.ws}/ws?token=${token}`);
    clients.push(ok);
    const bad = open('/ws?token=garbage');
    expect((await bad.waitClose()).code).toBe(4401);
    for (const c of clients) c.close();
  });
});
