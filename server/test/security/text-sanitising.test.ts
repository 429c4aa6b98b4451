import { describe, expect, it } from 'vitest';
import { cleanText } from '@ordercast/shared';
import { bearer, useTestApp, placeOrder, signInCustomer, signInStaff } from '../helpers/app';
import { testSql } from '../helpers/db';

/** NUL, a bell, the bidi overrides and isolates: what may make a name or address read differently on a screen or a POS ticket. */
const NASTY = '\u0000\u0007\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u001B\u007F\u0085';

describe('cleanText', () => {
  it('drops control and bidi-override characters, keeps newlines only where text may have lines', async () => {
    expect(cleanText(`Ann${NASTY}a`)).toBe('Anna');
    expect(cleanText('flat 5\nfloor 2\tleft')).toBe('flat 5 floor 2 left');
    expect(cleanText('ring twice\r\nplease\u0000', { multiline: true })).toBe('ring twice\nplease');
    expect(cleanText(`  ${NASTY}  `)).toBe('');
    // Letters of every script and emoji stay, joiners included.
    expect(cleanText('Café Ёлка 東京 👩‍🍳 שלום')).toBe('Café Ёлка 東京 👩‍🍳 שלום');
  });
});

describe('names, comments, addresses and usernames are cleaned before they are stored (and sent to the POS)', () => {
  const t = useTestApp();

  it('an order’s address and comment', async () => {
    const { token } = await signInCustomer(t.app);
    const res = await placeOrder(t.app, token, {
      delivery: { type: 'delivery', address: `Tverskaya\u202E 1${NASTY}\nflat 5` },
      comment: `Ring\u0000 twice\u2066\nthen wait\u0007`,
    });
    expect(res.statusCode).toBe(201);
    const { order } = res.json();
    expect(order.delivery.address).toBe('Tverskaya 1 flat 5');
    expect(order.comment).toBe('Ring twice\nthen wait');
    const row = await testSql(t.app).get('SELECT address, comment FROM orders WHERE id = @id', { id: order.id });
    expect(row).toEqual({ address: 'Tverskaya 1 flat 5', comment: 'Ring twice\nthen wait' });
    // A delivery address of nothing but controls is no address.
    const empty = await placeOrder(t.app, token, { delivery: { type: 'delivery', address: `${NASTY}${NASTY}` } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ error: 'address_required' });
  });

  it("a cancel's note (the customer's words)", async () => {
    const { token } = await signInCustomer(t.app);
    const { order } = (await placeOrder(t.app, token)).json();
    const res = await t.app.inject({ method: 'POST', url: `/api/orders/${order.id}/cancel`, headers: bearer(token), payload: { reason: `changed\u202E my mind${NASTY}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json().order).toMatchObject({ cancel_reason: 'customer_asked', cancel_note: 'changed my mind' });
  });

  it('a customer’s name and Telegram username from signed launch data, and PATCH /api/me', async () => {
    const { token, user } = await signInCustomer(t.app, { first_name: `Ev\u202Ee`, last_name: `\u2066K${NASTY}`, username: `ev\u0000e` });
    expect(user).toMatchObject({ name: 'Eve K', username: 'eve' });
    const res = await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(token), payload: { name: `Eva\u202D\u0000` } });
    expect(res.json()).toMatchObject({ name: 'Eva' });
    const blank = await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(token), payload: { name: NASTY } });
    expect(blank.statusCode).toBe(400);
  });

  it('a staff member’s name', async () => {
    const admin = (await signInStaff(t.app, 'admin')).token;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/admin/staff',
      headers: bearer(admin),
      payload: { username: 'clean1', password: 'clean-password-1', name: `Ivan\u202E Petrov\u0000`, role: 'manager', cityIds: [1] },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().name).toBe('Ivan Petrov');
    const patched = await t.app.inject({ method: 'PATCH', url: `/api/admin/staff/${res.json().id}`, headers: bearer(admin), payload: { name: `\u2067Ivan P.` } });
    expect(patched.json().name).toBe('Ivan P.');
  });
});
