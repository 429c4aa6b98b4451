import { afterAll, describe, expect, it } from 'vitest';
import { onPostgres, signInStaff, useAppPair, type TestApp } from '../helpers/app';
import { requireService } from '../helpers/services';
import { TestSse, createOrder, signInCustomerQuick } from './helpers';

/**
 * No sticky sessions: an SSE stream lives in one process, its REST calls (room changes, token
 * refresh) may reach any other. Two apps on one database with a real bus between them, real
 * sockets; the stream is opened on A, every call goes to B. The bus: Redis (on either database),
 * or PostgreSQL's LISTEN/NOTIFY with no Redis (on the PostgreSQL pass, where two test apps built on
 * one folder share its database; SQLite has no bus between processes but Redis).
 */
const buses = [
  { bus: 'Redis', kind: 'redis', options: await requireService('redis') },
  { bus: 'PostgreSQL', kind: 'postgres', options: onPostgres ? await requireService('postgres') : { skip: true } },
] as const;

for (const { bus, kind, options } of buses) {
  describe(`SSE REST calls reaching another process over the ${bus} bus`, options, () => {
    const pair = useAppPair(kind);
    const streams: TestSse[] = [];
    // Before the pair closes (hooks run last-registered first).
    afterAll(() => {
      for (const s of streams) s.close();
    });

    const openOnA = async (token: string) => {
      const s = new TestSse(`${pair.a.url.http}/sse?token=${token}`);
      streams.push(s);
      const connected = await s.waitFor((m) => m.type === 'connected');
      return { s, connectionId: connected.data.connectionId as string };
    };
    const post = (app: TestApp, url: string, token: string, payload: object) =>
      app.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload });

    it('joins and leaves rooms on a stream of another process, with the same rights checks', async () => {
      const admin = (await signInStaff(pair.b.app, 'admin')).token;
      const manager = (await signInStaff(pair.b.app, 'manager1')).token;
      const { s, connectionId } = await openOnA(manager);
      expect(connectionId.startsWith(pair.a.app.events.bus.nodeId)).toBe(true);
      expect(pair.b.app.realtime.sse.has(connectionId)).toBe(false);

      // manager1 may not enter city 2's room, wherever the call lands.
      const refused = await post(pair.b, '/api/realtime/rooms/join', manager, { connectionId, roomId: 'city-2-orders' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ error: 'forbidden' });
      // Someone else's stream is as unknown as a missing one.
      const other = await post(pair.b, '/api/realtime/rooms/join', admin, { connectionId, roomId: 'city-1-menu' });
      expect(other.statusCode).toBe(404);

      const joined = await post(pair.b, '/api/realtime/rooms/join', manager, { connectionId, roomId: 'city-1-menu' });
      expect(joined.statusCode).toBe(200);
      expect(joined.json().rooms).toContain('city-1-menu');
      await s.waitFor((m) => m.type === 'room-joined' && m.data.roomId === 'city-1-menu');

      const left = await post(pair.b, '/api/realtime/rooms/leave', manager, { connectionId, roomId: 'city-1-orders' });
      expect(left.statusCode).toBe(200);
      expect(left.json().rooms).not.toContain('city-1-orders');
      await s.waitFor((m) => m.type === 'room-left' && m.data.roomId === 'city-1-orders');
      // Out of the room for real: an order in city 1 reaches the stream no more, through either process.
      const cust = await signInCustomerQuick(pair.b.app);
      // An admin's stream on A (admin-orders) shows when A has dispatched the order's event: the
      // rejoin below must come after it (on PostgreSQL a node delivers after reading the log).
      const { s: watcher } = await openOnA(admin);
      const order = await createOrder(pair.b.app, cust, 1);
      await watcher.waitFor((m) => m.type === 'new-order' && m.data.id === order.id);
      const rejoin = await post(pair.b, '/api/realtime/rooms/join', manager, { connectionId, roomId: 'city-1-orders' });
      expect(rejoin.statusCode).toBe(200);
      const later = await createOrder(pair.a.app, cust, 1);
      await s.waitFor((m) => m.type === 'new-order' && m.data.id === later.id);
      expect(s.messages.some((m) => m.type === 'new-order' && m.data.id === order.id)).toBe(false);
    });

    it('refreshes the token of a stream of another process', async () => {
      const manager = (await signInStaff(pair.a.app, 'manager2')).token;
      const { s, connectionId } = await openOnA(manager);
      const fresh = (await signInStaff(pair.b.app, 'manager2')).token;
      const res = await post(pair.b, '/api/realtime/auth', fresh, { connectionId });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ connectionId });
      await s.waitFor((m) => m.type === 'authenticated');
    });

    it('answers 404 at once for a stream whose process is gone or never existed', async () => {
      const manager = (await signInStaff(pair.b.app, 'manager1')).token;
      for (const connectionId of ['deadbeef-1', 'nonode', `${pair.b.app.events.bus.nodeId}-zz`]) {
        const started = Date.now();
        const res = await post(pair.b, '/api/realtime/rooms/join', manager, { connectionId, roomId: 'city-1-menu' });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toMatchObject({ error: 'unknown_connection' });
        // The bus reached nobody: no waiting for a timeout.
        expect(Date.now() - started).toBeLessThan(2500);
      }
    });
  });
}
