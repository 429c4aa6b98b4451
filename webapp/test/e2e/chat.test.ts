/*
 * Issue 18 in real Chromium, both apps at once: a customer (Mini App, Russian) and a manager
 * (admin, English) chat about an order. Each sees the other's presence and typing; messages go
 * both ways with the staff member's name; text is never HTML; a message written offline is sent
 * once when the connection is back; the board marks the order while a customer message is unread
 * and clears it when the manager reads it; the Mini App's orders list shows its own badge.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ChatHistoryResponse, Order } from '@ordercast/shared';
import { bearer, placeOrder, signInStaff } from '../../../server/test/helpers/app';
import { artifacts, blockWebSocket, launchCustomer, openBoard, openMiniApp, useBrowserStage } from './helpers/stage';

const ARTIFACTS = artifacts('chat');

describe('order chat in both apps, in Chromium', () => {
  const t = useBrowserStage(['webapp', 'admin']);

  beforeAll(async () => {
    // A manager named Anna for city 1 (the seeded managers' names are their cities).
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/admin/staff',
      headers: bearer((await signInStaff(t.app, 'admin')).token),
      payload: { username: 'anna', password: 'anna-pass-1', name: 'Anna', role: 'manager', cityIds: [1] },
    });
    expect(created.statusCode, created.body).toBe(201);
  });

  const texts = (page: Page) => page.getByTestId('chat-text').allTextContents();
  const anna = (errors: Error[]) => openBoard(t, 'anna', { password: 'anna-pass-1', errors });

  it('a customer and a manager chat about an order: presence, typing, names, unread marks, offline send', async () => {

    // The customer, in Russian, with an order in city 1.
    const auth = await launchCustomer(t.app, { id: 731_000_001, first_name: 'Вера', language_code: 'ru' }, { cityId: 1 });
    const order = (await placeOrder(t.app, auth.token, { items: [{ productId: 5, quantity: 1 }], delivery: { type: 'delivery', address: 'Тверская 1' } })).json().order as Order;

    const { page: customer, ctx: customerCtx, errors } = await openMiniApp(t, `/app/orders/${order.id}`, auth.hash, { viewport: { width: 390, height: 860 }, locale: 'ru-RU' });
    await customer.getByTestId('chat').waitFor({ timeout: 20_000 });
    await expect.poll(() => customer.getByTestId('chat-presence').textContent()).toBe('Ответим здесь, как только сможем');

    // The manager opens the order on the board: each side sees the other.
    const staff = await anna(errors);
    const card = staff.getByTestId(`order-card-${order.order_number}`);
    await card.waitFor({ timeout: 15_000 });
    await card.click();
    const panel = staff.getByTestId('order-panel');
    await panel.getByTestId('chat').waitFor();
    await expect.poll(() => panel.getByTestId('chat-presence').textContent(), { timeout: 10_000 }).toBe('The customer is viewing the order');
    await expect.poll(() => customer.getByTestId('chat-presence').textContent(), { timeout: 10_000 }).toBe('Менеджер Anna в сети');

    // The customer types: the manager sees it; then the message arrives with the customer's name.
    await customer.getByTestId('chat-input').pressSequentially('Код домофона 45', { delay: 20 });
    await expect.poll(() => panel.getByTestId('chat-typing').textContent(), { timeout: 5_000 }).toBe('Вера is typing…');
    await customer.getByTestId('chat-send').click();
    await expect.poll(() => texts(staff), { timeout: 10_000 }).toEqual(['Код домофона 45']);
    await expect.poll(() => panel.getByTestId('chat-typing').textContent(), { timeout: 5_000 }).toBe('');
    expect(await panel.getByTestId('chat-author').first().textContent()).toBe('Вера');
    await expect.poll(() => texts(customer)).toEqual(['Код домофона 45']);

    // The manager types and answers; the customer sees the typing, then the answer under Anna's name.
    await panel.getByTestId('chat-input').pressSequentially('We are out of Napoleon, may we bring Dobos?', { delay: 10 });
    await expect.poll(() => customer.getByTestId('chat-typing').textContent(), { timeout: 5_000 }).toBe('Anna печатает…');
    await staff.screenshot({ path: join(ARTIFACTS, 'admin-typing.png') });
    await customer.screenshot({ path: join(ARTIFACTS, 'webapp-staff-typing.png') });
    await panel.getByTestId('chat-input').press('Enter');
    await expect.poll(() => texts(customer), { timeout: 10_000 }).toEqual(['Код домофона 45', 'We are out of Napoleon, may we bring Dobos?']);
    const answer = customer.locator('[data-testid="chat-message"][data-side="staff"]');
    expect(await answer.getByTestId('chat-author').textContent()).toBe('Anna');
    await expect.poll(() => customer.getByTestId('chat-typing').textContent(), { timeout: 5_000 }).toBe('');

    // Text is text: markup arrives as the characters typed, nothing is rendered.
    const markup = '<img src=x onerror="window.__xss=1"><b>Да</b>';
    await customer.getByTestId('chat-input').fill(markup);
    await customer.getByTestId('chat-send').click();
    await expect.poll(async () => (await texts(staff)).at(-1), { timeout: 10_000 }).toBe(markup);
    expect(await panel.locator('[data-testid="chat-text"] img, [data-testid="chat-text"] b').count()).toBe(0);
    expect(await customer.locator('[data-testid="chat-text"] img, [data-testid="chat-text"] b').count()).toBe(0);
    expect(await staff.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();

    await customer.screenshot({ path: join(ARTIFACTS, 'webapp-chat-ru.png'), fullPage: true });
    await staff.screenshot({ path: join(ARTIFACTS, 'admin-chat.png') });

    // The manager closes the panel: the customer sees nobody; a new customer message marks the card.
    await panel.getByRole('button', { name: 'Close' }).first().click();
    await expect.poll(() => customer.getByTestId('chat-presence').textContent(), { timeout: 10_000 }).toBe('Ответим здесь, как только сможем');
    await customer.getByTestId('chat-input').fill('И без лука, пожалуйста');
    await customer.getByTestId('chat-send').click();
    await expect.poll(() => card.getByTestId('card-unread').textContent(), { timeout: 10_000 }).toBe('1');
    await staff.screenshot({ path: join(ARTIFACTS, 'admin-board-unread.png') });
    // Opening it reads it: the mark goes.
    await card.click();
    await expect.poll(async () => (await texts(staff)).at(-1), { timeout: 10_000 }).toBe('И без лука, пожалуйста');
    await expect.poll(() => card.getByTestId('card-unread').count(), { timeout: 10_000 }).toBe(0);
    // …and the customer's message shows as read to the customer.
    await expect.poll(async () => customer.getByTestId('chat-tick').last().textContent(), { timeout: 10_000 }).toBe('✓✓');

    // Offline: the customer's message waits, then is sent once when the connection is back.
    await customerCtx.setOffline(true);
    await customer.getByTestId('chat-input').fill('Сообщение без связи');
    await customer.getByTestId('chat-send').click();
    await customer.getByTestId('chat-pending').waitFor({ timeout: 5_000 });
    await customer.screenshot({ path: join(ARTIFACTS, 'webapp-offline-pending.png') });
    await customerCtx.setOffline(false);
    await expect.poll(async () => (await texts(staff)).at(-1), { timeout: 40_000 }).toBe('Сообщение без связи');
    await expect.poll(() => customer.getByTestId('chat-pending').count(), { timeout: 20_000 }).toBe(0);
    const history = (await t.app.inject({ url: `/api/orders/${order.id}/chat`, headers: bearer(auth.token) })).json() as ChatHistoryResponse;
    expect(history.messages.filter((m) => m.text === 'Сообщение без связи')).toHaveLength(1);

    // The customer leaves the order; a staff message shows as a badge on the orders list and the menu.
    await customer.goto(`${t.base}/app/orders#${auth.hash}`);
    await customer.getByTestId('orders').waitFor({ timeout: 20_000 });
    await panel.getByTestId('chat-input').fill('Курьер выехал');
    await panel.getByTestId('chat-send').click();
    const row = customer.locator(`[data-testid="order-row"][data-order-id="${order.id}"]`);
    await expect.poll(() => row.getByTestId('order-row-unread').textContent(), { timeout: 10_000 }).toBe('1');
    await customer.screenshot({ path: join(ARTIFACTS, 'webapp-orders-unread.png') });
    await row.click();
    await expect.poll(async () => (await texts(customer)).at(-1), { timeout: 10_000 }).toBe('Курьер выехал');
    await customer.getByTestId('page-back').click().catch(() => undefined);
    await customer.getByTestId('orders').waitFor({ timeout: 10_000 });
    await expect.poll(() => row.getByTestId('order-row-unread').count(), { timeout: 10_000 }).toBe(0);

    expect(errors).toEqual([]);
  }, 180_000);

  it('over the SSE fallback (WebSocket blocked), in English and a dark theme: presence, typing and messages both ways', async () => {
    const dark = { bg_color: '#17212b', text_color: '#f5f5f5', hint_color: '#708499', link_color: '#6ab3f3', button_color: '#5288c1', button_text_color: '#ffffff', secondary_bg_color: '#232e3c' };
    const auth = await launchCustomer(t.app, { id: 731_000_002, first_name: 'Mark' }, { cityId: 1, theme: dark });
    const order = (await placeOrder(t.app, auth.token, { items: [{ productId: 5, quantity: 2 }], delivery: { type: 'delivery', address: 'Arbat 5' } })).json().order as Order;

    const { page: customer, errors } = await openMiniApp(t, `/app/orders/${order.id}`, auth.hash, { viewport: { width: 390, height: 860 }, init: blockWebSocket });
    await customer.getByTestId('chat').waitFor({ timeout: 20_000 });
    await customer.waitForSelector('[data-testid="live-indicator"][data-status="fallback-sse"]', { timeout: 20_000 });

    const staff = await anna(errors);
    const card = staff.getByTestId(`order-card-${order.order_number}`);
    await card.waitFor({ timeout: 15_000 });
    await card.click();
    const panel = staff.getByTestId('order-panel');
    await expect.poll(() => panel.getByTestId('chat-presence').textContent(), { timeout: 10_000 }).toBe('The customer is viewing the order');
    await expect.poll(() => customer.getByTestId('chat-presence').textContent(), { timeout: 10_000 }).toBe('Manager Anna is online');

    // The customer's typing goes up over REST (SSE has no upstream) and reaches the manager.
    await customer.getByTestId('chat-input').pressSequentially('Is it spicy?', { delay: 20 });
    await expect.poll(() => panel.getByTestId('chat-typing').textContent(), { timeout: 5_000 }).toBe('Mark is typing…');
    await customer.getByTestId('chat-input').press('Enter');
    await expect.poll(() => texts(staff), { timeout: 10_000 }).toEqual(['Is it spicy?']);

    await panel.getByTestId('chat-input').pressSequentially('A little. We can make it mild.', { delay: 10 });
    await expect.poll(() => customer.getByTestId('chat-typing').textContent(), { timeout: 5_000 }).toBe('Anna is typing…');
    await panel.getByTestId('chat-send').click();
    await expect.poll(() => texts(customer), { timeout: 10_000 }).toEqual(['Is it spicy?', 'A little. We can make it mild.']);
    // Telegram's dark colours: the chat on the secondary background, the staff bubble in the page colour, ours in the button colour.
    const colours = await customer.evaluate(() => {
      const bg = (sel: string) => getComputedStyle(document.querySelector(sel)!).backgroundColor;
      return { chat: bg('[data-testid="chat"]'), theirs: bg('[data-side="staff"]'), mine: bg('[data-side="customer"]') };
    });
    expect(colours).toEqual({ chat: 'rgb(35, 46, 60)', theirs: 'rgb(23, 33, 43)', mine: 'rgb(82, 136, 193)' });
    await customer.screenshot({ path: join(ARTIFACTS, 'webapp-chat-sse-dark-en.png'), fullPage: true });
    await staff.screenshot({ path: join(ARTIFACTS, 'admin-chat-sse-customer.png') });

    expect(errors).toEqual([]);
  }, 180_000);
});
