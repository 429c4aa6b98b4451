import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderChatRoom, type ChatAuthor } from '@ordercast/shared';
import { SqlPresence } from '../../src/chat/presence';
import { onPostgres, signInCustomer, signInStaff, useAppPair, useTestApp } from '../helpers/app';
import { testSql } from '../helpers/db';
import { requireService } from '../helpers/services';
import { TestClient, createOrder, sleep, type Msg } from '../realtime/helpers';

const staff = (userId: number, name = 'Staff'): ChatAuthor => ({ kind: 'staff', name, userId });
const customer = (userId: number, name = 'Customer'): ChatAuthor => ({ kind: 'customer', name, userId });

/** chat/presence.ts's SqlPresence on the app's own database (SQLite, or PostgreSQL on the PostgreSQL pass). */
describe('chat presence in the database (SqlPresence)', () => {
  const t = useTestApp();

  it('upserts, lists the live entries once per user, removes one member', async () => {
    const store = new SqlPresence(t.app.sql);
    const until = Date.now() + 60_000;
    expect(await store.list([])).toEqual(new Map());
    // The same user through two nodes, and the same entry twice in one batch (the last wins).
    await store.put([
      ['r1', 'n1:1', staff(1, 'Old name'), until],
      ['r1', 'n1:1', staff(1), until],
      ['r1', 'n2:1', staff(1), until],
      ['r1', 'n1:7', customer(7), until],
      ['r2', 'n1:7', customer(7), until],
    ]);
    expect(await store.list(['r1', 'r2', 'r3'])).toEqual(
      new Map([
        ['r1', [staff(1), customer(7)]],
        ['r2', [customer(7)]],
        ['r3', []],
      ]),
    );
    // A renewal replaces how the person appears.
    await store.put([['r2', 'n1:7', customer(7, 'Renamed'), until]]);
    expect((await store.list(['r2'])).get('r2')).toEqual([customer(7, 'Renamed')]);
    await store.remove('r1', 'n1:7');
    await store.remove('r1', 'n1:1');
    expect((await store.list(['r1'])).get('r1')).toEqual([staff(1)]);
  });

  it('an entry nobody renews (its node stopped) stops counting when it expires, and a later write deletes it', async () => {
    const dead = new SqlPresence(t.app.sql);
    const live = new SqlPresence(t.app.sql, 0);
    await dead.put([['r9', 'gone:5', customer(5), Date.now() + 300]]);
    expect((await live.list(['r9'])).get('r9')).toEqual([customer(5)]);
    await sleep(400);
    expect((await live.list(['r9'])).get('r9')).toEqual([]);
    const rows = () => testSql(t.app).get<{ n: number }>("SELECT count(*) AS n FROM chat_presence WHERE room = 'r9'");
    expect(await rows()).toEqual({ n: 1 });
    await live.put([['r10', 'here:6', customer(6), Date.now() + 60_000]]);
    expect(await rows()).toEqual({ n: 0 });
    expect((await live.list(['r10'])).get('r10')).toEqual([customer(6)]);
  });
});

/**
 * Two nodes on one PostgreSQL database with no Redis between them: the PostgreSQL bus carries the
 * notices, presence lives in the database. On the PostgreSQL pass two test apps built on one
 * folder share its database; on SQLite there is no such bus (Redis's is presence-processes.test.ts).
 */
describe('order chat presence across two nodes on one PostgreSQL database', onPostgres ? await requireService('postgres') : { skip: true }, () => {
  const pair = useAppPair('postgres', { CHAT_PRESENCE_TTL_MS: '1500' });
  let manager: string;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    manager = (await signInStaff(pair.a.app, 'manager1')).token;
  });
  // Before the pair closes (hooks run last-registered first).
  afterAll(() => {
    for (const c of clients) c.close();
  });

  const connect = async (ws: string, token: string, orderId: number) => {
    const c = await TestClient.ready(`${ws}/ws?token=${token}`);
    clients.push(c);
    c.send({ type: 'join-room', data: { roomId: orderChatRoom(orderId) } });
    await c.waitFor((m) => m.type === 'chat-state' && m.data.orderId === orderId);
    return c;
  };
  const presence = (change: 'join' | 'leave', userId: number) => (m: Msg) =>
    m.type === 'chat-presence' && m.data.change === change && m.data.participant.userId === userId;

  it('uses the database for presence and the PostgreSQL bus between the nodes', () => {
    expect(pair.a.app.events.bus.kind).toBe('postgres');
    expect(pair.b.app.chatRealtime['store']).toBeInstanceOf(SqlPresence);
  });

  it('join, typing and leave cross the nodes; a new node reads who is there', async () => {
    const cust = await signInCustomer(pair.b.app);
    const order = await createOrder(pair.b.app, cust.token, 1);
    const staffOnA = await connect(pair.a.url.ws, manager, order.id);
    const custOnB = await connect(pair.b.url.ws, cust.token, order.id);

    const joined = await staffOnA.waitFor(presence('join', cust.user.id));
    expect(joined.data.present.map((p: ChatAuthor) => p.kind).sort()).toEqual(['customer', 'staff']);
    // B learnt who was there from the database: the staff member never touched B.
    expect(custOnB.ofType('chat-state')[0]!.data.present.map((p: ChatAuthor) => p.kind)).toContain('staff');

    custOnB.send({ type: 'typing', data: { orderId: order.id } });
    await staffOnA.waitFor((m) => m.type === 'typing' && m.data.author.userId === cust.user.id);

    custOnB.send({ type: 'leave-room', data: { roomId: orderChatRoom(order.id) } });
    const left = await staffOnA.waitFor(presence('leave', cust.user.id));
    expect(left.data.present.map((p: ChatAuthor) => p.kind)).toEqual(['staff']);
  });

  it('the entry of a node that died (nothing removes it): its person leaves the others’ view when it expires', async () => {
    const cust = await signInCustomer(pair.b.app);
    const order = await createOrder(pair.b.app, cust.token, 1);
    const staffOnA = await connect(pair.a.url.ws, manager, order.id);
    // What a node writes for its people before it dies (kill -9: nothing removes the entry).
    const room = orderChatRoom(order.id);
    await new SqlPresence(pair.b.app.sql).put([[room, `deadnode:${cust.user.id}`, customer(cust.user.id, 'Gone'), Date.now() + 1500]]);
    // Told as a leave only if A had seen the entry: whether A's sweep saw it arrive or its first read of the room did.
    const left = await staffOnA.waitFor(presence('leave', cust.user.id), 10_000);
    expect(left.data.present.map((p: ChatAuthor) => p.kind)).toEqual(['staff']);
  });
});
