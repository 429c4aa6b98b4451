import { describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import type { WebSocketCtor } from '@ordercast/shared/client';
import { signInCustomer, signInStaff } from '../../../../server/test/helpers/app';
import { createOrder, Recorder, useClientStage, sleep, strictlyIncreasing, until } from './helpers';

/** A token for `userId` that expires in `seconds` (JWT_TTL_S is at least 60 s). */
async function shortToken(app: FastifyInstance, userId: number, seconds: number): Promise<string> {
  const p = (await app.users.principal(userId))!;
  const claims = p.tokenVersion ? { sub: String(userId), role: p.role, tv: p.tokenVersion } : { sub: String(userId), role: p.role };
  return app.jwt.sign(claims, { expiresIn: seconds });
}

/**
 * Seed 002 in the shared client: it signs in by message (no token in any URL), and on
 * `token-expiring` it gets a fresh token and hands it to the live connection by itself.
 */
describe('shared realtime client: in-band auth and token refresh', () => {
  const { t, track } = useClientStage();

  it('signs in over WebSocket by its first message: no token or ticket in the URL, no ticket request', async () => {
    const cust = await signInCustomer(t.app);
    const urls: string[] = [];
    const fetched: string[] = [];
    const Recording = class extends WebSocket {
      constructor(url: string) {
        urls.push(url);
        super(url, { perMessageDeflate: false });
      }
    } as unknown as WebSocketCtor;
    const c = track(
      new Recorder({
        baseUrl: t.url.http,
        getToken: () => cust.token,
        WebSocket: Recording,
        fetch: (url, init) => (fetched.push(url), fetch(url, init)),
      }),
    );
    c.rt.connect();
    await c.waitStatus('live');
    expect(c.rt.transport).toBe('ws');
    expect(urls).toHaveLength(1);
    expect(urls[0]).not.toMatch(/token=|ticket=/);
    expect(fetched).toEqual([]);
    const order = await createOrder(t.app, cust.token);
    await c.waitFor((m) => m.type === 'order-created' && m.data.id === order.id);
  });

  it('WebSocket: refreshes on token-expiring and stays on the same connection; events during the refresh arrive exactly once', async () => {
    const cust = await signInCustomer(t.app);
    const mgr = (await signInStaff(t.app, 'manager1')).user.id;
    let refreshes = 0;
    const first = await shortToken(t.app, mgr, 3);
    const c = track(
      new Recorder({
        baseUrl: t.url.http,
        getToken: () => first,
        refreshToken: async () => {
          refreshes++;
          await sleep(100); // events are published while the refresh is under way
          return await shortToken(t.app, mgr, 60);
        },
      }),
    );
    c.rt.connect();
    await c.waitStatus('live');
    c.rt.joinRoom('city-2-menu');
    await c.waitFor((m) => m.type === 'room-joined');
    const placed = [await createOrder(t.app, cust.token, 1)];
    await c.waitFor((m) => m.type === 'token-expiring', 4000);
    placed.push(await createOrder(t.app, cust.token, 1));
    await c.waitFor((m) => m.type === 'authenticated');
    placed.push(await createOrder(t.app, cust.token, 1));
    await sleep(2600); // past the first token's expiry
    placed.push(await createOrder(t.app, cust.token, 1));
    for (const o of placed) await c.waitFor((m) => m.type === 'new-order' && m.data.id === o.id);

    expect(refreshes).toBe(1);
    expect(c.statuses).toEqual(['connecting', 'live']);
    expect(c.ofType('connected')).toHaveLength(1);
    for (const o of placed) expect(c.ofType('new-order').filter((m) => m.data.id === o.id)).toHaveLength(1);
    expect(strictlyIncreasing(c.events().map((e) => e.id))).toBe(true);
    const conn = [...t.app.realtime.hub.conns].find((x) => x.principal.userId === mgr)!;
    expect(conn.rooms.has('city-2-menu')).toBe(true);
  }, 15_000);

  it('SSE: refreshes through POST /api/realtime/auth and keeps the stream past the old expiry', async () => {
    const cust = await signInCustomer(t.app);
    const first = await shortToken(t.app, cust.user.id, 3);
    const c = track(
      new Recorder({
        baseUrl: t.url.http,
        transports: ['sse'],
        getToken: () => first,
        refreshToken: () => shortToken(t.app, cust.user.id, 60),
      }),
    );
    c.rt.connect();
    await c.waitStatus('fallback-sse');
    await c.waitFor((m) => m.type === 'token-expiring', 4000);
    await c.waitFor((m) => m.type === 'authenticated');
    await sleep(2600);
    const order = await createOrder(t.app, cust.token);
    await c.waitFor((m) => m.type === 'order-created' && m.data.id === order.id);
    expect(c.statuses).toEqual(['connecting', 'fallback-sse']);
    expect(c.ofType('connected')).toHaveLength(1);
  }, 15_000);

  it('a refresh that fails: closed 4401 at expiry, then onAuthError, a fresh sign-in and a resume with nothing lost', async () => {
    const cust = await signInCustomer(t.app);
    // 4 s: the notice (half the time left) and the expiry fall in different ticks of the server's
    // once-a-second timer even on a loaded machine.
    let token = await shortToken(t.app, cust.user.id, 4);
    let authErrors = 0;
    const c = track(
      new Recorder({
        baseUrl: t.url.http,
        getToken: () => token,
        refreshToken: () => Promise.reject(new Error('refresh endpoint down')),
        onAuthError: () => {
          authErrors++;
          token = cust.token;
        },
      }),
    );
    c.rt.connect();
    await c.waitStatus('live');
    await c.waitFor((m) => m.type === 'token-expiring', 5000);
    await until(() => c.statuses.includes('reconnecting'), 6000, 'the 4401 close');
    const during = await createOrder(t.app, cust.token);
    await c.waitStatus('live');
    await c.waitFor((m) => m.type === 'order-created' && m.data.id === during.id);
    expect(authErrors).toBe(1);
  }, 25_000);
});
