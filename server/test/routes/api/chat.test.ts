import { describe, expect, it } from 'vitest';
import { CHAT_MAX_TEXT } from '@ordercast/shared';
import { bearer, signInCustomer, signInStaff, useTestApp } from '../../helpers/app';
import { createOrder } from '../../realtime/helpers';

/** routes/api/chat.ts: sending (idempotent by client id), bounds, the rate limit, history pages. */
describe('order chat REST', () => {
  const t = useTestApp({ CHAT_MAX_MESSAGES_PER_MIN: '5' });
  const send = (token: string, orderId: number, body: unknown) =>
    t.app.inject({ method: 'POST', url: `/api/orders/${orderId}/chat/messages`, headers: bearer(token), payload: body as object });
  const chatEvents = async (orderId: number) =>
    (await t.app.events.log.after(0, 1_000_000)).filter((e) => e.type === 'order-message' && (JSON.parse(e.json) as { data: { orderId: number } }).data.orderId === orderId);

  it('a resend with the same client id is the same message: stored and announced once', async () => {
    const cust = await signInCustomer(t.app);
    const order = await createOrder(t.app, cust.token);
    const first = await send(cust.token, order.id, { clientId: 'offline-1', text: 'Ring twice' });
    expect(first.statusCode).toBe(201);
    const again = await send(cust.token, order.id, { clientId: 'offline-1', text: 'Ring twice' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, message: { id: first.json().message.id } });
    expect(await chatEvents(order.id)).toHaveLength(1);
    const other = await send(cust.token, order.id, { clientId: 'offline-1', text: 'Something else' });
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toBe('client_id_conflict');
  });

  it('bad input is a clear 4xx and changes nothing', async () => {
    const cust = await signInCustomer(t.app);
    const order = await createOrder(t.app, cust.token);
    const cases: [unknown, number][] = [
      [{ clientId: 'a', text: 'x'.repeat(CHAT_MAX_TEXT + 1) }, 400],
      [{ clientId: 'a', text: '' }, 400],
      [{ clientId: 'a', text: ' \u202e \n ' }, 400],
      [{ clientId: 'bad id!', text: 'hi' }, 400],
      [{ clientId: 'a'.repeat(65), text: 'hi' }, 400],
      [{ text: 'hi' }, 400],
      [{ clientId: 'a', text: 'hi', html: true }, 400],
    ];
    for (const [body, status] of cases) {
      const res = await send(cust.token, order.id, body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect(res.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
    expect((await send(cust.token, 99_999_999, { clientId: 'a', text: 'hi' })).statusCode).toBe(404);
    expect(await chatEvents(order.id)).toHaveLength(0);
    // The longest allowed text goes through whole.
    const long = await send(cust.token, order.id, { clientId: 'long', text: 'я'.repeat(CHAT_MAX_TEXT) });
    expect(long.statusCode).toBe(201);
    expect(long.json().message.text).toHaveLength(CHAT_MAX_TEXT);
  });

  it('over the per-user limit: 429 rate_limited with Retry-After, nothing stored; other users unaffected', async () => {
    const cust = await signInCustomer(t.app);
    const order = await createOrder(t.app, cust.token);
    for (let i = 0; i < 5; i++) expect((await send(cust.token, order.id, { clientId: `r${i}`, text: `m${i}` })).statusCode).toBe(201);
    const over = await send(cust.token, order.id, { clientId: 'r5', text: 'one too many' });
    expect(over.statusCode).toBe(429);
    expect(over.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/at most 5 a minute/) });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // A resend of an already stored message is not a new message: still answered.
    expect((await send(cust.token, order.id, { clientId: 'r1', text: 'm1' })).statusCode).toBe(200);
    expect(await chatEvents(order.id)).toHaveLength(5);
    const staff = (await signInStaff(t.app, 'manager1')).token;
    expect((await send(staff, order.id, { clientId: 's1', text: 'We are on it' })).statusCode).toBe(201);
  });

  it('history pages go back with `before`, oldest first', async () => {
    const staff = (await signInStaff(t.app, 'admin')).token;
    const cust = await signInCustomer(t.app);
    const order = await createOrder(t.app, cust.token);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push((await send(cust.token, order.id, { clientId: `h${i}`, text: `h${i}` })).json().message.id);
    const page = (q: string) => t.app.inject({ method: 'GET', url: `/api/orders/${order.id}/chat${q}`, headers: bearer(staff) });
    const newest = (await page('?limit=3')).json();
    expect(newest.messages.map((m: { text: string }) => m.text)).toEqual(['h1', 'h2', 'h3']);
    expect(newest.hasMore).toBe(true);
    const older = (await page(`?limit=3&before=${ids[1]}`)).json();
    expect(older.messages.map((m: { text: string }) => m.text)).toEqual(['h0']);
    expect(older.hasMore).toBe(false);
    expect((await page('?limit=0')).statusCode).toBe(400);
    expect((await page('?limit=1000')).statusCode).toBe(400);
  });
});
