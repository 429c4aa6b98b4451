import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order, OrderPaymentUpdated } from '@ordercast/shared';
import type { TelegramSimulator } from '../../src/telegram-sim/index';
import type { PayResult } from '../../src/telegram-sim/state';
import type { PosSimulator } from '../../src/pos/simulator/index';
import { bearer, giveBonuses, signInCustomer, signInStaff, withPickupPoint, type TestApp } from '../helpers/app';
import { chatOf, control, inject, sleep, startBotServer, startSim, waitFor } from '../bot/helpers';
import { testSql } from '../helpers/db';
import { SECRET, startSimulator } from '../pos/helpers';

/**
 * Paying online, end to end over real HTTP: the server with its bot on (webhook) against the
 * Telegram simulator, and the POS simulator as the kitchen.
 */
describe('paying online through Telegram (simulator) and the kitchen (POS simulator)', () => {
  let tg: TelegramSimulator;
  let pos: PosSimulator;
  let t: TestApp & { url: string };
  let admin: string;
  let nextTg = 830_000_001;

  async function api<T = Record<string, unknown>>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...bearer(token), ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  async function customer(lang: 'ru' | 'en' = 'en') {
    const id = nextTg++;
    const { token, user } = await signInCustomer(t.app, { id, first_name: 'Payer', language_code: lang });
    return { tgId: id, token, userId: user.id, tgUser: { id, first_name: 'Payer', language_code: lang } };
  }

  async function place(token: string, body: Record<string, unknown>): Promise<Order> {
    const res = await api<{ order: Order }>(
      'POST',
      '/api/orders',
      token,
      withPickupPoint({ cityId: 1, items: [{ productId: 1, quantity: 2 }], delivery: { type: 'pickup' }, ...body }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.order;
  }

  const inPos = async (orderId: number) =>
    ((await (await fetch(`${pos.url}/orders?externalId=${orderId}`)).json()) as { orders: unknown[] }).orders.length > 0;
  const invoiceId = (url: string) => new URL(url).pathname.split('/').pop()!;
  const pay = (url: string, user: { id: number; first_name: string }) => control<PayResult>(tg, `/control/invoices/${invoiceId(url)}/pay`, { user });
  const paymentEvents = async (orderId: number) =>
    (await t.app.events.log.after(0))
      .filter((e) => e.type === 'order-payment-updated')
      .map((e) => (JSON.parse(e.json) as { data: OrderPaymentUpdated }).data)
      .filter((d) => d.orderId === orderId);
  const row = async (id: number) =>
    (await testSql(t.app).get<{ status: string; payment_status: string; sync_status: string; cancel_reason: string | null }>(
      'SELECT status, payment_status, sync_status, cancel_reason FROM orders WHERE id = @id',
      { id },
    ))!;

  beforeAll(async () => {
    tg = await startSim();
    pos = await startSimulator();
    t = await startBotServer(tg.url, {
      POS_URL: pos.url,
      POS_SYNC_WORKER: 'true',
      POS_WEBHOOK_SECRET: SECRET,
      POS_RETRY_BASE_MS: '20',
      POS_RETRY_MAX_MS: '80',
      BOT_NOTIFY_RETRY_BASE_MS: '100',
      BOT_NOTIFY_RETRY_MAX_MS: '500',
    });
    pos.setServerUrl(t.url);
    await waitFor(() => t.app.telegramBot?.state === 'ready', 'the bot to set its webhook');
    admin = (await signInStaff(t.app, 'admin')).token;
  });
  afterAll(async () => {
    await t?.close();
    await tg?.close();
    await pos?.close();
  });

  it('offers all three ways to pay', async () => {
    const c = await customer();
    const res = await api('GET', '/api/payments', c.token);
    expect(res.body).toEqual({ methods: ['online', 'card', 'cash'], online_timeout_s: 900, currency: 'RUB' });
  });

  it('invoice → pre-checkout → payment → kitchen: the POS gets the order only once it is paid', async () => {
    const c = await customer();
    const order = await place(c.token, { payment: { method: 'online' } });
    expect(order).toMatchObject({ payment_method: 'online', payment_status: 'unpaid', payment: { method: 'online', status: 'unpaid', change_from: null } });
    expect(Date.parse(order.payment.pay_until!) - Date.parse(order.created_at)).toBe(900_000);

    const inv = await api<{ url: string; pay_until: string }>('POST', `/api/orders/${order.id}/invoice`, c.token);
    expect(inv.status).toBe(200);
    expect(inv.body.url).toMatch(new RegExp(`^${tg.url}/invoice/`));
    // The same link again (made once).
    expect((await api<{ url: string }>('POST', `/api/orders/${order.id}/invoice`, c.token)).body.url).toBe(inv.body.url);
    const invoices = (await control<{ invoices: { payload: string; currency: string; prices: { amount: number }[] }[] }>(tg, '/control/invoices')).invoices;
    const made = invoices.find((i) => i.payload === `order:${order.id}`)!;
    expect(made.currency).toBe('RUB');
    expect(made.prices.reduce((s, p) => s + p.amount, 0)).toBe(Math.round(order.total * 100));

    // Unpaid: the POS sync worker runs, and still the kitchen has not got it.
    await sleep(600);
    expect(await inPos(order.id)).toBe(false);
    expect((await row(order.id)).sync_status).toBe('pending');
    // Nor may staff start it: only a paid online order is the kitchen's (cancelling stays open).
    const early = await api<{ error: string }>('POST', `/api/admin/orders/${order.id}/status`, admin, { status: 'confirmed' });
    expect(early.status).toBe(409);
    expect(early.body.error).toBe('awaiting_payment');
    expect((await row(order.id)).status).toBe('pending');

    const result = await pay(inv.body.url, c.tgUser);
    expect(result.status).toBe('paid');
    const paid = await waitFor(async () => {
      const o = (await api<{ order: Order }>('GET', `/api/orders/${order.id}`, c.token)).body.order;
      return o.payment_status === 'paid' ? o : null;
    }, 'the order to be paid');
    expect(paid.payment).toMatchObject({
      status: 'paid',
      telegram_payment_charge_id: (result as { telegram_payment_charge_id: string }).telegram_payment_charge_id,
      provider_payment_charge_id: (result as { provider_payment_charge_id: string }).provider_payment_charge_id,
      pay_until: null,
    });
    expect(paid.payment.paid_at).not.toBeNull();
    await waitFor(() => inPos(order.id), 'the POS to get the paid order');
    expect((await paymentEvents(order.id)).map((e) => [e.oldStatus, e.status])).toEqual([['unpaid', 'paid']]);
    // The bot confirms in the chat, with a button into the order.
    const msg = await waitFor(async () => (await chatOf(tg, c.tgId))?.messages.find((m) => m.by === 'bot' && /Payment received/.test(m.text)), 'the chat message');
    expect(msg.text).toBe(`Payment received: order #${order.order_number} is on its way to the kitchen.`);
    expect(msg.reply_markup?.inline_keyboard?.[0]?.[0]?.web_app?.url).toBe(`${t.url}/app/?startapp=order-${order.id}`);
    // Paid: no second invoice, and the link cannot be paid twice.
    expect((await api('POST', `/api/orders/${order.id}/invoice`, c.token)).status).toBe(409);
    expect((await pay(inv.body.url, c.tgUser)).status).toBe('failed');
  });

  it('refuses a pre-checkout for a changed amount, for someone else, or once the order is cancelled', async () => {
    const c = await customer();
    const order = await place(c.token, { payment: { method: 'online' } });
    const total = Math.round(order.total * 100);
    const answerTo = async (update: Record<string, unknown>) => {
      const id = (update.pre_checkout_query as { id: string }).id;
      return waitFor(async () => (await control<{ answers: Record<string, { ok: boolean; error_message?: string }> }>(tg, '/control/pre-checkout-answers')).answers[id], 'the answer');
    };
    const ask = (user: { id: number; first_name: string }, amount: number, currency = 'RUB') =>
      inject(tg, { kind: 'pre_checkout_query', user, invoice_payload: `order:${order.id}`, total_amount: amount, currency });

    expect(await answerTo(await ask(c.tgUser, total + 100))).toEqual({ ok: false, error_message: expect.stringMatching(/amount has changed/) });
    expect(await answerTo(await ask(c.tgUser, total, 'USD'))).toMatchObject({ ok: false });
    const other = await customer();
    expect(await answerTo(await ask(other.tgUser, total))).toEqual({ ok: false, error_message: 'This order belongs to someone else.' });
    expect(await answerTo(await ask(c.tgUser, total))).toEqual({ ok: true });

    // Through the payment form: refused → no charge, the order stays unpaid.
    const inv = await api<{ url: string }>('POST', `/api/orders/${order.id}/invoice`, c.token);
    expect(await pay(inv.body.url, other.tgUser)).toEqual({ status: 'failed', error: 'This order belongs to someone else.' });
    expect((await row(order.id)).payment_status).toBe('unpaid');

    expect((await api('POST', `/api/orders/${order.id}/cancel`, c.token, {})).status).toBe(200);
    expect(await answerTo(await ask(c.tgUser, total))).toEqual({ ok: false, error_message: 'This order is cancelled.' });
    expect((await api('POST', `/api/orders/${order.id}/invoice`, c.token)).status).toBe(409);
  });

  it('cancels an order left unpaid past its time as not_paid, returns its bonuses, tells the chat', async () => {
    const c = await customer();
    await inject(tg, { kind: 'start', user: c.tgUser });
    await waitFor(async () => ((await chatOf(tg, c.tgId))?.messages.some((m) => m.by === 'bot') ? true : null), 'the /start answer');
    await giveBonuses(t.app, c.userId, 100);
    const order = await place(c.token, { payment: { method: 'online' }, bonusesToUse: 50 });
    expect(order.bonuses_used).toBe(50);
    // Its 15 minutes are over (the sweep reads the deadline the order carries).
    await testSql(t.app).run('UPDATE orders SET pay_until = @at WHERE id = @id', { at: new Date(Date.now() - 1000).toISOString(), id: order.id });
    await waitFor(async () => (await row(order.id)).status === 'cancelled', 'the expiry');
    const expired = await row(order.id);
    expect(expired, JSON.stringify(expired)).toMatchObject({ cancel_reason: 'not_paid', payment_status: 'unpaid', sync_status: 'not_sent' });
    const bonuses = await api<{ balance: number }>('GET', '/api/bonuses', c.token);
    expect(bonuses.body.balance).toBe(100);
    expect(await inPos(order.id)).toBe(false);
    const msg = await waitFor(async () => (await chatOf(tg, c.tgId))?.messages.find((m) => /was cancelled/.test(m.text)), 'the cancel message');
    expect(msg.text).toBe(`Order #${order.order_number} was cancelled: it was not paid in time.\n50 ₽ in bonuses were returned to your balance.`);
  });

  it('a paid order cancelled owes a refund: staff see it with the charge id and mark it refunded', async () => {
    const c = await customer();
    const order = await place(c.token, { payment: { method: 'online' } });
    const inv = await api<{ url: string }>('POST', `/api/orders/${order.id}/invoice`, c.token);
    const result = (await pay(inv.body.url, c.tgUser)) as { status: string; telegram_payment_charge_id: string };
    expect(result.status).toBe('paid');
    await waitFor(async () => (await row(order.id)).payment_status === 'paid', 'paid');

    expect((await api('POST', `/api/admin/orders/${order.id}/status`, admin, { status: 'cancelled', reason: 'out_of_stock' })).status).toBe(200);
    expect((await row(order.id)).payment_status).toBe('refund_due');
    const due = await api<{ items: Order[] }>('GET', '/api/admin/orders?paymentStatus=refund_due', admin);
    const listed = due.body.items.find((o) => o.id === order.id)!;
    expect(listed.payment.telegram_payment_charge_id).toBe(result.telegram_payment_charge_id);
    expect(due.body.items.every((o) => o.payment_status === 'refund_due')).toBe(true);

    // Only staff of the order's city (manager2 works in city 2).
    const m2 = (await signInStaff(t.app, 'manager2')).token;
    expect((await api('POST', `/api/admin/orders/${order.id}/refunded`, m2, {})).status).toBe(403);
    expect((await api('POST', `/api/admin/orders/${order.id}/refunded`, c.token, {})).status).toBe(403);
    const m1 = (await signInStaff(t.app, 'manager1')).token;
    const done = await api<{ order: Order }>('POST', `/api/admin/orders/${order.id}/refunded`, m1, {});
    expect(done.status).toBe(200);
    expect(done.body.order.payment).toMatchObject({ status: 'refunded', telegram_payment_charge_id: result.telegram_payment_charge_id });
    expect(done.body.order.payment.refunded_at).not.toBeNull();
    expect((await api<{ error: string }>('POST', `/api/admin/orders/${order.id}/refunded`, m1, {})).body.error).toBe('no_refund_due');
    expect((await paymentEvents(order.id)).map((e) => e.status)).toEqual(['paid', 'refund_due', 'refunded']);
  });

  it('a payment that arrives after the order was cancelled is recorded and owed back', async () => {
    const c = await customer();
    const order = await place(c.token, { payment: { method: 'online' } });
    expect((await api('POST', `/api/orders/${order.id}/cancel`, c.token, {})).status).toBe(200);
    await inject(tg, {
      kind: 'successful_payment',
      user: c.tgUser,
      invoice_payload: `order:${order.id}`,
      total_amount: Math.round(order.total * 100),
      currency: 'RUB',
      telegram_payment_charge_id: `late-${order.id}`,
    });
    await waitFor(async () => (await row(order.id)).payment_status === 'refund_due', 'refund due');
    // The same update delivered again changes nothing.
    await inject(tg, {
      kind: 'successful_payment',
      user: c.tgUser,
      invoice_payload: `order:${order.id}`,
      total_amount: Math.round(order.total * 100),
      currency: 'RUB',
      telegram_payment_charge_id: `late-${order.id}`,
    });
    await sleep(300);
    expect((await paymentEvents(order.id)).map((e) => e.status)).toEqual(['paid', 'refund_due']);
  });

  it('cash with change goes to the kitchen at once and is paid when handed over', async () => {
    const c = await customer();
    const order = await place(c.token, { payment: { method: 'cash', changeFrom: 5000 } });
    expect(order).toMatchObject({ payment_method: 'cash', payment_status: 'unpaid', payment: { change_from: 5000, pay_until: null } });
    await waitFor(() => inPos(order.id), 'the POS to get the cash order');
    // The POS accepting it confirms it; staff take it from there.
    await waitFor(async () => (await row(order.id)).status === 'confirmed', 'the kitchen to accept it');
    for (const s of ['preparing', 'ready', 'completed']) {
      expect((await api('POST', `/api/admin/orders/${order.id}/status`, admin, { status: s })).status).toBe(200);
    }
    expect((await row(order.id)).payment_status).toBe('paid');
    // No choice at all is cash, as before payments existed.
    expect(await place(c.token, {})).toMatchObject({ payment_method: 'cash', payment: { change_from: null } });
    expect(await place(c.token, { payment: { method: 'card' } })).toMatchObject({ payment_method: 'card' });
  });

  it('refuses bad payment choices with 400 and writes nothing', async () => {
    const c = await customer();
    const countOrders = async () => (await testSql(t.app).get<{ n: number }>('SELECT count(*) AS n FROM orders'))!.n;
    const before = await countOrders();
    const post = (payment: unknown) =>
      api<{ error: string }>('POST', '/api/orders', c.token, withPickupPoint({ cityId: 1, items: [{ productId: 1, quantity: 2 }], delivery: { type: 'pickup' }, payment }));
    expect((await post({ method: 'bitcoin' })).status).toBe(400);
    expect((await post({ method: 'cash', changeFrom: -5 })).status).toBe(400);
    expect((await post({ method: 'cash', extra: 1 })).status).toBe(400);
    expect(await post({ method: 'cash', changeFrom: 1 })).toMatchObject({ status: 400, body: { error: 'change_too_small' } });
    expect(await post({ method: 'online', changeFrom: 5000 })).toMatchObject({ status: 400, body: { error: 'change_only_cash' } });
    expect(await countOrders()).toBe(before);

    // The invoice: only the owner's own online order.
    const cash = await place(c.token, {});
    expect(await api('POST', `/api/orders/${cash.id}/invoice`, c.token)).toMatchObject({ status: 409, body: { error: 'not_payable' } });
    const online = await place(c.token, { payment: { method: 'online' } });
    const other = await customer();
    expect((await api('POST', `/api/orders/${online.id}/invoice`, other.token)).status).toBe(404);
    expect((await api('POST', `/api/orders/${online.id}/invoice`, admin)).status).toBe(403);
    expect((await api('POST', '/api/orders/abc/invoice', c.token)).status).toBe(400);
  });

  it('remembers the answer to requestWriteAccess, and a yes lets the bot write without /start', async () => {
    const c = await customer();
    const me = await api<{ bot_write_access: boolean | null }>('GET', '/api/me', c.token);
    expect(me.body.bot_write_access).toBeNull();
    expect((await api('POST', '/api/me/write-access', c.token, { allowed: 'yes' })).status).toBe(400);
    expect((await api('POST', '/api/me/write-access', admin, { allowed: true })).status).toBe(403);
    const answered = await api<{ bot_write_access: boolean | null }>('POST', '/api/me/write-access', c.token, { allowed: true });
    expect(answered).toMatchObject({ status: 200, body: { bot_write_access: true } });
    const order = await place(c.token, {});
    // The POS accepting the order confirms it: a step worth a chat message.
    await waitFor(async () => (await row(order.id)).status === 'confirmed', 'the kitchen to accept it');
    const steps = (orderId: number) => testSql(t.app).all('SELECT step FROM bot_messages WHERE order_id = @orderId', { orderId });
    const rows = await steps(order.id);
    expect(rows).toEqual([{ step: 'confirmed' }]);

    const no = await customer();
    expect((await api<{ bot_write_access: boolean | null }>('POST', '/api/me/write-access', no.token, { allowed: false })).body.bot_write_access).toBe(false);
    const o2 = await place(no.token, {});
    await waitFor(async () => (await row(o2.id)).status === 'confirmed', 'the kitchen to accept it');
    expect(await steps(o2.id)).toEqual([]);
  });
});
