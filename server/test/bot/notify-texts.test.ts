import { describe, expect, it } from 'vitest';
import { stepText } from '../../src/bot/notify-texts';

/** bot/notify-texts.ts: "accepted by the kitchen" tells the promised time, in the city's clock. */
describe('the accepted-by-the-kitchen message', () => {
  const at = '2026-11-30T11:35:00.000Z';

  it('says when, in the city’s time zone and the customer’s language', async () => {
    expect(stepText('en', 'confirmed', { orderNumber: 'M-0007', deliveryType: 'delivery', promisedAt: at, timeZone: 'Europe/Moscow' })).toBe(
      'Order #M-0007 was accepted by the kitchen. Expected at 14:35.',
    );
    expect(stepText('ru', 'confirmed', { orderNumber: 'N-0002', deliveryType: 'pickup', promisedAt: at, timeZone: 'Asia/Novosibirsk' })).toBe(
      'Заказ №N-0002 принят кухней. Будет готов к 18:35.',
    );
  });

  it('says nothing of time when it is not known', async () => {
    expect(stepText('en', 'confirmed', { orderNumber: 'M-0001', deliveryType: 'pickup' })).toBe('Order #M-0001 was accepted by the kitchen.');
  });

  it('tells a not_paid cancel in words', async () => {
    expect(stepText('en', 'cancelled', { orderNumber: 'M-0003', deliveryType: 'pickup', cancelReason: 'not_paid' })).toBe(
      'Order #M-0003 was cancelled: it was not paid in time.',
    );
  });
});

describe('a staff message of the order chat', () => {
  it('names the order and the staff member, then the text as typed, in the customer’s language', async () => {
    const p = { orderNumber: 'M-0012', deliveryType: 'pickup' as const, staffName: 'Anna', text: 'The intercom code is 45' };
    expect(stepText('en', 'chat', p)).toBe('Message from the restaurant about order #M-0012 (Anna):\nThe intercom code is 45');
    expect(stepText('ru', 'chat', { ...p, text: 'Код домофона 45' })).toBe('Сообщение от ресторана по заказу №M-0012 (Anna):\nКод домофона 45');
  });
});
