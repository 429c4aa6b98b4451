/*
 * Paying online, the whole flow in real headless Chromium (issue 17): a user starts the bot on the
 * Telegram simulator's chat page, opens the Mini App from its button, orders with "pay online
 * now", pays in the simulator's payment form (pre-checkout answered by the bot over the real
 * webhook, then successful_payment), and sees the order paid in the Mini App and the bot's
 * "Payment received" in the chat.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifacts, openButton, startBot, useBotStage, webappBuilt } from './helpers/stage';

const ARTIFACTS = artifacts('pay');
const USER = 730_501;

describe.skipIf(!webappBuilt())('paying online in the Mini App through the simulated Telegram payment form, in Chromium', () => {
  const t = useBotStage();

  const paymentOf = (orderId: number) =>
    t.app.db.$client.prepare('SELECT payment_status, telegram_payment_charge_id FROM orders WHERE id = ?').get(orderId) as {
      payment_status: string;
      telegram_payment_charge_id: string | null;
    };

  it('order with online payment → pay in the payment form → paid in the Mini App and in the chat', async () => {
    // The user starts the bot from the chat page, at Saint Petersburg's menu (one pickup point).
    await startBot(t, { id: USER, name: 'Olga', lang: 'en' }, 'city-2');
    const phone = t.page.locator(`section.phone[data-chat="${USER}"]`);
    const app = await openButton(t, USER, 'Open the menu');

    // The Mini App: a dish, the cart, checkout with pickup and "pay online now".
    await app.locator('[data-testid="product"]').first().waitFor({ timeout: 20_000 });
    await app.locator('[data-product-id="1"]').getByTestId('add').click();
    await app.getByTestId('main-button').click();
    await app.getByTestId('cart').waitFor();
    await app.getByTestId('main-button').click();
    await app.getByTestId('checkout').waitFor();
    await app.getByTestId('delivery-pickup').click();
    await app.getByTestId('pay-online').click();
    await app.getByTestId('payment-picker').scrollIntoViewIfNeeded();
    await app.screenshot({ path: join(ARTIFACTS, 'checkout-pay-online.png') });
    await app.getByTestId('main-button').click();
    await app.getByTestId('order').waitFor({ timeout: 15_000 });
    const orderId = Number(await app.getByTestId('order').getAttribute('data-order-id'));
    const card = app.getByTestId('order-payment');
    expect(await card.getAttribute('data-payment-status')).toBe('unpaid');
    expect(await app.getByTestId('order-pay-until').textContent()).toMatch(/Pay by \d\d:\d\d/);

    // Pay: outside Telegram the invoice link opens in a new tab, the simulated payment form.
    const [form] = await Promise.all([t.ctx.waitForEvent('page'), app.getByTestId('order-pay').click()]);
    await form.waitForLoadState();
    expect(new URL(form.url()).searchParams.get('user')).toBe(String(USER));
    expect(await form.getByTestId('pay-user').inputValue()).toBe(String(USER));
    await form.screenshot({ path: join(ARTIFACTS, 'payment-form.png') });
    await form.getByTestId('pay-button').click();
    await expect.poll(() => form.getByTestId('pay-result').textContent(), { timeout: 20_000 }).toBe('Paid');
    await form.screenshot({ path: join(ARTIFACTS, 'payment-form-paid.png') });
    await form.close();

    // The Mini App hears order-payment-updated live.
    await app.waitForSelector('[data-testid="order-payment"][data-payment-status="paid"]', { timeout: 20_000 });
    expect(await app.getByTestId('order-paid').textContent()).toContain('Paid');
    await app.screenshot({ path: join(ARTIFACTS, 'miniapp-order-paid.png') });
    expect(paymentOf(orderId).payment_status).toBe('paid');
    expect(paymentOf(orderId).telegram_payment_charge_id).toMatch(/^tg-/);

    // The chat: the payment's service line and the bot's confirmation with its button.
    await phone.locator('.msg.bot', { hasText: 'Payment received' }).waitFor({ timeout: 20_000 });
    expect(await phone.locator('.msg.service').last().textContent()).toMatch(/^Paid \d+\.\d\d RUB$/);
    await t.page.screenshot({ path: join(ARTIFACTS, 'chat-paid.png') });
    await app.close();
  });
});
