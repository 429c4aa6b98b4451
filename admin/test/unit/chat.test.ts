import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import type { ChatAuthor, OrderMessage } from '@ordercast/shared';
import OrderCard from '../../src/components/OrderCard.vue';
import OrderChat from '../../src/components/OrderChat.vue';
import { DEFAULT_THRESHOLDS } from '../../src/lib/board';
import { i18n } from '../../src/i18n';
import { useChat } from '../../src/stores/chat';
import { useSession } from '../../src/stores/session';
import { order } from './fixtures';

const anna: ChatAuthor = { kind: 'staff', name: 'Anna', userId: 2 };
const oleg: ChatAuthor = { kind: 'staff', name: 'Oleg', userId: 3 };
const vera: ChatAuthor = { kind: 'customer', name: 'Vera', userId: 9 };
const msg = (id: number, author: ChatAuthor, text: string): OrderMessage => ({ id, orderId: 5, clientId: `c${id}`, author, text, createdAt: '2026-01-01T12:00:00.000Z' });
const read = { orderId: 5, customer: { lastReadId: 2, unread: 0 }, staff: { lastReadId: 1, unread: 0 } };

describe('the order panel chat (staff side)', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    i18n.global.locale.value = 'en';
  });

  function mountChat() {
    const session = useSession();
    session.user = { id: 2, role: 'manager', name: 'Anna' } as typeof session.user;
    return { w: mount(OrderChat, { props: { orderId: 5, timeZone: 'Europe/Moscow' } }), chat: useChat().model };
  }

  it('customer and staff messages apart with names; the customer’s read mark; text never as HTML', async () => {
    const { w, chat } = mountChat();
    chat.onState({ orderId: 5, messages: [msg(1, vera, '<script>alert(1)</script>'), msg(2, anna, 'Dobos instead?')], hasMore: true, read, present: [] });
    await nextTick();
    const bubbles = w.findAll('[data-testid="chat-message"]');
    expect(bubbles.map((b) => [b.attributes('data-side'), b.get('[data-testid="chat-author"]').text()])).toEqual([
      ['customer', 'Vera'],
      ['staff', 'Anna'],
    ]);
    expect(bubbles[0]!.get('[data-testid="chat-text"]').text()).toBe('<script>alert(1)</script>');
    expect(bubbles[0]!.find('script').exists()).toBe(false);
    expect(bubbles[1]!.get('[data-testid="chat-tick"]').text()).toBe('✓✓');
    expect(w.find('[data-testid="chat-older"]').exists()).toBe(true);
    expect(w.get('[data-testid="chat-messages"] time').text()).toBe('15:00');
    w.unmount();
  });

  it('"the customer is viewing the order", other staff here, and who is typing (not oneself)', async () => {
    const { w, chat } = mountChat();
    chat.onState({ orderId: 5, messages: [], hasMore: false, read, present: [anna] });
    await nextTick();
    expect(w.get('[data-testid="chat-presence"]').text()).toBe('The customer is not in the app now');
    chat.onPresence({ orderId: 5, change: 'join', participant: vera, present: [anna, vera, oleg] });
    chat.onTyping({ orderId: 5, author: vera, typing: true, ttlMs: 5000 });
    await nextTick();
    expect(w.get('[data-testid="chat-presence"]').text()).toBe('The customer is viewing the order');
    expect(w.get('[data-testid="chat-staff-present"]').text()).toBe('Also here: Oleg');
    expect(w.get('[data-testid="chat-typing"]').text()).toBe('Vera is typing…');
    i18n.global.locale.value = 'ru';
    await nextTick();
    expect(w.get('[data-testid="chat-presence"]').text()).toBe('Клиент смотрит заказ');
    chat.onMessage(msg(3, vera, 'Code 45'));
    await nextTick();
    expect(w.get('[data-testid="chat-typing"]').text()).toBe('');
    w.unmount();
  });

  it('the board card carries the unread mark; a read elsewhere clears it', async () => {
    const chat = useChat();
    chat.model.onMessage({ ...msg(4, vera, 'Hello'), unread: { customer: 0, staff: 2 } });
    const o = order({ id: 5 });
    const w = mount(OrderCard, {
      props: { order: o, now: Date.parse('2026-01-01T12:01:00.000Z'), thresholds: DEFAULT_THRESHOLDS, fresh: false, selected: false, unread: chat.unread[5] },
    });
    expect(w.get('[data-testid="card-unread"]').text()).toBe('2');
    expect(w.attributes('data-unread')).toBe('2');
    chat.model.onRead({ orderId: 5, side: 'staff', userId: 3, lastReadId: 4, unread: { customer: 0, staff: 0 }, timestamp: 't' });
    await w.setProps({ unread: chat.unread[5] ?? 0 });
    expect(w.find('[data-testid="card-unread"]').exists()).toBe(false);
  });
});
