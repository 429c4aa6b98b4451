import { describe, expect, it } from 'vitest';
import { signInCustomer, signInStaff } from '../../../../server/test/helpers/app';
import { createOrder, Recorder, useClientStage, sleep, until } from './helpers';

/** shared/src/client/chat.ts against the real server: the offline queue, resends, typing over SSE. */
describe('shared client: order chat', () => {
  const { t, track } = useClientStage();

  const storedEvents = async (orderId: number) =>
    (await t.app.events.log.after(0, 1_000_000)).filter((e) => e.type === 'order-message' && (JSON.parse(e.json) as { data: { orderId: number } }).data.orderId === orderId);

  it('a message written offline waits, is sent once on connecting, and a lost answer is retried with the same client id', async () => {
    const cust = await signInCustomer(t.app);
    const order = await createOrder(t.app, cust.token);
    let loseNextAnswer = false;
    const c = track(
      new Recorder({
        baseUrl: t.url.http,
        getToken: () => cust.token,
        // The first send reaches the server, but its answer is lost on the way back (a dead mobile link).
        fetch: async (url, init) => {
          const res = await fetch(url, init);
          if (loseNextAnswer && url.includes('/chat/messages')) {
            loseNextAnswer = false;
            throw new Error('connection reset');
          }
          return res;
        },
      }),
    );
    const offline = c.rt.chat.send(order.id, 'Written in the lift');
    expect(c.rt.chat.pending(order.id)).toHaveLength(1);
    await sleep(100);
    expect(await storedEvents(order.id)).toHaveLength(0);
    c.rt.connect();
    const stored = await offline;
    expect(stored.text).toBe('Written in the lift');
    expect(c.rt.chat.pending()).toEqual([]);

    loseNextAnswer = true;
    const second = await c.rt.chat.send(order.id, 'Second');
    expect(second.text).toBe('Second');
    const events = await storedEvents(order.id);
    expect(events).toHaveLength(2); // each message once, however often it was sent
    // Both came back live as events too.
    await until(() => c.ofType('order-message').filter((m) => m.data.orderId === order.id).length === 2, 5000, 'live copies');
  });

  it('a final refusal rejects with the server’s error and leaves the queue', async () => {
    const cust = await signInCustomer(t.app);
    const other = await signInCustomer(t.app);
    const order = await createOrder(t.app, other.token);
    const c = track(new Recorder({ baseUrl: t.url.http, getToken: () => cust.token }));
    c.rt.connect();
    await c.waitStatus('live');
    await expect(c.rt.chat.send(order.id, 'not my order')).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    expect(c.rt.chat.pending()).toEqual([]);
  });

  it('over SSE: join gives chat-state, typing goes over REST and reaches a WebSocket peer; read marks and unread', async () => {
    const cust = await signInCustomer(t.app, { first_name: 'Vera' });
    const mgr = await signInStaff(t.app, 'manager1');
    const order = await createOrder(t.app, cust.token);
    const c = track(new Recorder({ baseUrl: t.url.http, getToken: () => cust.token, transports: ['sse'] }));
    const m = track(new Recorder({ baseUrl: t.url.http, getToken: () => mgr.token }));
    c.rt.connect();
    m.rt.connect();
    await Promise.all([c.waitStatus('fallback-sse'), m.waitStatus('live')]);
    c.rt.chat.join(order.id);
    m.rt.chat.join(order.id);
    await c.waitFor((x) => x.type === 'chat-state');
    await m.waitFor((x) => x.type === 'chat-state');
    c.rt.chat.typing(order.id);
    const typing = await m.waitFor((x) => x.type === 'typing');
    expect(typing).toMatchObject({ data: { author: { kind: 'customer', name: 'Vera' }, typing: true } });
    m.rt.chat.typing(order.id);
    await c.waitFor((x) => x.type === 'typing' && x.data.author.kind === 'staff');

    const msg = await c.rt.chat.send(order.id, 'Any Napoleon left?');
    expect((await m.rt.chat.unread()).chats).toContainEqual(expect.objectContaining({ orderId: order.id, unread: 1 }));
    const read = await m.rt.chat.markRead(order.id, msg.id);
    expect(read.staff).toEqual({ lastReadId: msg.id, unread: 0 });
    await c.waitFor((x) => x.type === 'order-chat-read');
    const page = await m.rt.chat.history(order.id, { limit: 10 });
    expect(page.messages.map((x) => x.text)).toEqual(['Any Napoleon left?']);
  });
});
