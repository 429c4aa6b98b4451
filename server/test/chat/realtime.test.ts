import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderChatRoom } from '@ordercast/shared';
import { bearer, buildTestApp, signInCustomer, signInStaff, type TestApp } from '../helpers/app';
import { TestClient, TestSse, createOrder, listen, sleep, until, type Msg } from '../realtime/helpers';

/** chat/realtime.ts and the chat's events over real sockets and SSE: who hears what, typing, presence, resume. */
describe('order chat over WebSocket and SSE', () => {
  let t: TestApp;
  let url: { ws: string; http: string };
  let admin: string, manager1: string, manager2: string;
  const clients: { close(): void }[] = [];

  beforeAll(async () => {
    t = await buildTestApp({ CHAT_PRESENCE_TTL_MS: '1500' });
    url = await listen(t.app);
    admin = (await signInStaff(t.app, 'admin')).token;
    manager1 = (await signInStaff(t.app, 'manager1')).token;
    manager2 = (await signInStaff(t.app, 'manager2')).token;
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  const ws = async (token: string, query = '') => {
    const c = await TestClient.ready(`${url.ws}/ws?token=${token}${query}`);
    clients.push(c);
    return c;
  };
  const join = async (c: TestClient, orderId: number) => {
    c.send({ type: 'join-room', data: { roomId: orderChatRoom(orderId) } });
    return c.waitFor((m) => (m.type === 'chat-state' && m.data.orderId === orderId) || (m.type === 'error' && m.data.code === 'forbidden'));
  };
  const post = (token: string, orderId: number, clientId: string, text: string) =>
    t.app.inject({ method: 'POST', url: `/api/orders/${orderId}/chat/messages`, headers: bearer(token), payload: { clientId, text } });
  const messagesOf = (msgs: Msg[], orderId: number) => msgs.filter((m) => m.type === 'order-message' && m.data.orderId === orderId);

  it('delivers a message to exactly the people of the chat, over WS and SSE', async () => {
    const cust = await signInCustomer(t.app, { first_name: 'Olga' });
    const other = await signInCustomer(t.app);
    const order = await createOrder(t.app, cust.token, 1);
    const [c, o, a, m1, m2] = await Promise.all([ws(cust.token), ws(other.token), ws(admin), ws(manager1), ws(manager2)]);
    const sse = new TestSse(`${url.http}/sse?token=${cust.token}`);
    clients.push(sse);
    await sse.waitFor((m) => m.type === 'connected');

    const res = await post(manager1, order.id, 'm-1', 'The intercom code is <b>45</b>?');
    expect(res.statusCode).toBe(201);
    const sent = res.json().message;
    expect(sent).toMatchObject({ orderId: order.id, clientId: 'm-1', author: { kind: 'staff' }, text: 'The intercom code is <b>45</b>?' });

    for (const who of [c, a, m1]) {
      const ev = await who.waitFor((m) => m.type === 'order-message' && m.data.id === sent.id);
      expect(ev.data.text).toBe('The intercom code is <b>45</b>?'); // stored and sent as typed: plain text, never rendered here
      expect(ev.data.unread).toEqual({ customer: 1, staff: 0 });
    }
    await sse.waitFor((m) => m.type === 'order-message' && m.data.id === sent.id);
    await sleep(200);
    expect(messagesOf(o.messages, order.id)).toEqual([]);
    expect(messagesOf(m2.messages, order.id)).toEqual([]);
    // Once per connection, though the customer's and staff connections sit in several of its rooms.
    expect(messagesOf(c.messages, order.id)).toHaveLength(1);
  });

  it('refuses every join it must: another customer, a manager of another city, a made-up order', async () => {
    const cust = await signInCustomer(t.app);
    const order = await createOrder(t.app, cust.token, 1);
    const other = await ws((await signInCustomer(t.app)).token);
    const m2 = await ws(manager2);
    for (const c of [other, m2]) {
      const answer = await join(c, order.id);
      expect(answer).toMatchObject({ type: 'error', data: { code: 'forbidden' } });
      expect(c.closeCode).toBeUndefined();
    }
    const a = await ws(admin);
    expect(await join(a, 99_999_999)).toMatchObject({ type: 'error', data: { code: 'forbidden' } });
    // Joining by URL on connect follows the same rule.
    const viaUrl = await ws(manager2, `&rooms=${orderChatRoom(order.id)}`);
    await viaUrl.waitFor((m) => m.type === 'error' && m.data.code === 'forbidden');
    expect(viaUrl.ofType('connected')[0]!.data.rooms).not.toContain(orderChatRoom(order.id));
    // Over SSE, the REST room endpoint.
    const sse = new TestSse(`${url.http}/sse?token=${manager2}`);
    clients.push(sse);
    const connected = await sse.waitFor((m) => m.type === 'connected');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/realtime/rooms/join',
      headers: bearer(manager2),
      payload: { connectionId: connected.data.connectionId, roomId: orderChatRoom(order.id) },
    });
    expect(res.statusCode).toBe(403);
    // REST: the same rule.
    expect((await post(manager2, order.id, 'x-1', 'hi')).statusCode).toBe(403);
    const stranger = (await signInCustomer(t.app)).token;
    expect((await t.app.inject({ method: 'GET', url: `/api/orders/${order.id}/chat`, headers: bearer(stranger) })).statusCode).toBe(403);
  });

  it('joining replays the history in chat-state, and a reconnect resumes missed messages over WS and SSE', async () => {
    const cust = await signInCustomer(t.app);
    const order = await createOrder(t.app, cust.token, 1);
    for (let i = 1; i <= 3; i++) expect((await post(cust.token, order.id, `c-${i}`, `line ${i}`)).statusCode).toBe(201);
    const m1 = await ws(manager1);
    const state = await join(m1, order.id);
    expect(state.data.messages.map((m: { text: string }) => m.text)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(state.data.read.staff.unread).toBe(3);
    const last = m1.messages.findLast((m) => typeof m.id === 'number')?.id ?? state.data.messages.length;
    const resumeFrom = Math.max(last, ...m1.ofType('connected').map((m) => m.data.lastEventId as number));
    m1.close();

    // Missed while away: two messages.
    await post(cust.token, order.id, 'c-4', 'line 4');
    await post(cust.token, order.id, 'c-5', 'line 5');
    const back = await ws(manager1, `&lastEventId=${resumeFrom}&rooms=${orderChatRoom(order.id)}`);
    await until(() => messagesOf(back.messages, order.id).length >= 2, 5000, 'resumed messages');
    expect(messagesOf(back.messages, order.id).map((m) => m.data.text)).toEqual(['line 4', 'line 5']);
    await back.waitFor((m) => m.type === 'chat-state' && m.data.orderId === order.id);

    const sse = new TestSse(`${url.http}/sse?token=${manager1}&lastEventId=${resumeFrom}`);
    clients.push(sse);
    await until(() => messagesOf(sse.messages, order.id).length >= 2, 5000, 'resumed over SSE');
    expect(messagesOf(sse.messages, order.id).map((m) => m.data.text)).toEqual(['line 4', 'line 5']);
  });

  it('typing reaches the others in the chat at once, not its author, and is never replayed', async () => {
    const cust = await signInCustomer(t.app, { first_name: 'Pavel' });
    const order = await createOrder(t.app, cust.token, 1);
    const c = await ws(cust.token);
    const m1 = await ws(manager1);
    const m2 = await ws(manager2);
    await join(c, order.id);
    await join(m1, order.id);
    // Not in the room: refused.
    m2.send({ type: 'typing', data: { orderId: order.id } });
    await m2.waitFor((m) => m.type === 'error' && m.data.code === 'forbidden');

    const sentAt = Date.now();
    c.send({ type: 'typing', data: { orderId: order.id, typing: true } });
    const typing = await m1.waitFor((m) => m.type === 'typing');
    const took = Date.now() - sentAt;
    expect(typing.data).toMatchObject({ orderId: order.id, typing: true, author: { kind: 'customer', name: 'Pavel' }, ttlMs: expect.any(Number) });
    expect(typing.id).toBeUndefined();
    // Generous under a loaded test machine; the benchmark measures the real figure.
    expect(took).toBeLessThan(1000);
    await sleep(100);
    expect(c.ofType('typing')).toEqual([]);

    // SSE clients type over REST.
    const sse = new TestSse(`${url.http}/sse?token=${manager1}`);
    clients.push(sse);
    const res = await t.app.inject({ method: 'POST', url: `/api/orders/${order.id}/chat/typing`, headers: bearer(manager1), payload: { typing: true } });
    expect(res.statusCode).toBe(204);
    await c.waitFor((m) => m.type === 'typing' && m.data.author.kind === 'staff');

    // Sending a message stops the author's typing for the others.
    await post(cust.token, order.id, 'p-1', 'hello');
    await m1.waitFor((m) => m.type === 'typing' && m.data.typing === false);

    // A reconnect with a resume point gets the message, never the typing.
    const again = await ws(manager1, `&lastEventId=1&rooms=${orderChatRoom(order.id)}`);
    await again.waitFor((m) => m.type === 'order-message' && m.data.orderId === order.id);
    await sleep(200);
    expect(again.ofType('typing')).toEqual([]);
    expect((await t.app.events.log.after(0, 1_000_000)).some((e) => (e.type as string) === 'typing')).toBe(false);
  });

  it('presence: join and leave as people open and close the chat', async () => {
    const cust = await signInCustomer(t.app, { first_name: 'Irina' });
    const order = await createOrder(t.app, cust.token, 1);
    const m1 = await ws(manager1);
    await join(m1, order.id);
    const c = await ws(cust.token);
    const state = await join(c, order.id);
    expect(state.data.present.map((p: { kind: string }) => p.kind).sort()).toEqual(['customer', 'staff']);
    const joined = await m1.waitFor((m) => m.type === 'chat-presence' && m.data.change === 'join' && m.data.participant.kind === 'customer');
    expect(joined.data.participant.name).toBe('Irina');
    expect(joined.data.present).toHaveLength(2);

    // Two tabs of one person are one presence: closing one is no departure.
    const c2 = await ws(cust.token);
    await join(c2, order.id);
    c2.close();
    await sleep(300);
    expect(m1.ofType('chat-presence').filter((m) => m.data.change === 'leave')).toEqual([]);

    c.send({ type: 'leave-room', data: { roomId: orderChatRoom(order.id) } });
    const left = await m1.waitFor((m) => m.type === 'chat-presence' && m.data.change === 'leave');
    expect(left.data.participant.kind).toBe('customer');
    expect(left.data.present.map((p: { kind: string }) => p.kind)).toEqual(['staff']);
  });

  it('unread counts per side, read marks as events, and the staff unread list in scope', async () => {
    const cust = await signInCustomer(t.app);
    const order = await createOrder(t.app, cust.token, 2);
    await post(cust.token, order.id, 'u-1', 'one');
    const second = (await post(cust.token, order.id, 'u-2', 'two')).json().message;
    const list = async (token: string) => (await t.app.inject({ method: 'GET', url: '/api/chat/unread', headers: bearer(token) })).json();
    expect((await list(manager2)).chats).toContainEqual(expect.objectContaining({ orderId: order.id, unread: 2, cityId: 2 }));
    expect((await list(manager1)).chats.map((c: { orderId: number }) => c.orderId)).not.toContain(order.id);
    expect((await list(admin)).chats.map((c: { orderId: number }) => c.orderId)).toContain(order.id);

    const a = await ws(admin);
    const read = await t.app.inject({ method: 'POST', url: `/api/orders/${order.id}/chat/read`, headers: bearer(manager2), payload: { upToId: second.id } });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ staff: { lastReadId: second.id, unread: 0 }, customer: { unread: 0 } });
    const ev = await a.waitFor((m) => m.type === 'order-chat-read' && m.data.orderId === order.id);
    expect(ev.data).toMatchObject({ side: 'staff', lastReadId: second.id, unread: { staff: 0, customer: 0 } });
    expect((await list(manager2)).chats.map((c: { orderId: number }) => c.orderId)).not.toContain(order.id);

    const reply = (await post(manager2, order.id, 'r-1', 'Yes')).json().message;
    expect(reply.unread).toEqual({ customer: 1, staff: 0 });
    expect((await list(cust.token))).toMatchObject({ side: 'customer', total: 1, chats: [expect.objectContaining({ orderId: order.id, unread: 1 })] });
  });
});
