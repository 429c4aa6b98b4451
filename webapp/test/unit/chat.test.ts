import { beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import type { ChatAuthor, OrderMessage } from '@ordercast/shared';
import { setLocale } from '../../src/i18n';
import { useChat } from '../../src/stores/chat';
import OrderChat from '../../src/components/OrderChat.vue';

const anna: ChatAuthor = { kind: 'staff', name: 'Anna', userId: 2 };
const vera: ChatAuthor = { kind: 'customer', name: 'Vera', userId: 9 };
const msg = (id: number, author: ChatAuthor, text: string): OrderMessage => ({ id, orderId: 5, clientId: `c${id}`, author, text, createdAt: new Date().toISOString() });
const read = { orderId: 5, customer: { lastReadId: 0, unread: 0 }, staff: { lastReadId: 1, unread: 0 } };

function mountChat() {
  const pinia = createPinia();
  setActivePinia(pinia);
  const w = mount(OrderChat, { props: { orderId: 5 }, global: { plugins: [pinia] } });
  return { w, chat: useChat().model };
}

beforeEach(() => setLocale('en'));

describe('the Mini App order chat', () => {
  it('shows own and staff messages apart, with the staff name, and text never as HTML', async () => {
    const { w, chat } = mountChat();
    expect(w.get('[data-testid="chat-empty"]').text()).toContain('Write to us here');
    chat.onState({ orderId: 5, messages: [msg(1, vera, 'Code 45'), msg(2, anna, '<b>Dobos</b> instead?')], hasMore: false, read, present: [] });
    await nextTick();
    const bubbles = w.findAll('[data-testid="chat-message"]');
    expect(bubbles.map((b) => b.attributes('data-side'))).toEqual(['customer', 'staff']);
    expect(bubbles[0]!.classes()).toContain('mine');
    expect(bubbles[0]!.find('[data-testid="chat-author"]').exists()).toBe(false);
    expect(bubbles[1]!.get('[data-testid="chat-author"]').text()).toBe('Anna');
    expect(bubbles[1]!.get('[data-testid="chat-text"]').text()).toBe('<b>Dobos</b> instead?');
    expect(bubbles[1]!.find('b').exists()).toBe(false);
    // The staff read mark covers the customer's first message.
    expect(bubbles[0]!.get('[data-testid="chat-tick"]').text()).toBe('✓✓');
    w.unmount();
  });

  it('presence and typing lines, in the customer language', async () => {
    const { w, chat } = mountChat();
    chat.onState({ orderId: 5, messages: [], hasMore: false, read, present: [vera] });
    await nextTick();
    expect(w.get('[data-testid="chat-presence"]').text()).toBe('We will answer here as soon as we can');
    chat.onPresence({ orderId: 5, change: 'join', participant: anna, present: [vera, anna] });
    chat.onTyping({ orderId: 5, author: anna, typing: true, ttlMs: 5000 });
    await nextTick();
    expect(w.get('[data-testid="chat-presence"]').text()).toBe('Manager Anna is online');
    expect(w.get('[data-testid="chat-typing"]').text()).toBe('Anna is typing…');
    setLocale('ru');
    await nextTick();
    expect(w.get('[data-testid="chat-presence"]').text()).toBe('Менеджер Anna в сети');
    expect(w.get('[data-testid="chat-typing"]').text()).toBe('Anna печатает…');
    chat.tick(Date.now() + 6000);
    await nextTick();
    expect(w.get('[data-testid="chat-typing"]').text()).toBe('');
    w.unmount();
  });

  it('the input stops at 2,000 characters and counts down near the end', async () => {
    const { w } = mountChat();
    const input = w.get('[data-testid="chat-input"]');
    expect(input.attributes('maxlength')).toBe('2000');
    expect(w.get('[data-testid="chat-send"]').attributes('disabled')).toBeDefined();
    await input.setValue('x'.repeat(1900));
    expect(w.get('[data-testid="chat-left"]').text()).toBe('100 characters left');
    expect(w.get('[data-testid="chat-send"]').attributes('disabled')).toBeUndefined();
    await input.setValue('   ');
    expect(w.get('[data-testid="chat-send"]').attributes('disabled')).toBeDefined();
    w.unmount();
  });
});

describe('the unread counts the badges show', () => {
  it('a staff message counts for its order until the customer reads it', () => {
    setActivePinia(createPinia());
    const chat = useChat();
    chat.model.onMessage(msg(3, anna, 'On the way'));
    chat.model.onMessage(msg(4, vera, 'Thanks'));
    expect(chat.unread).toEqual({ 5: 1 });
    expect(chat.unreadTotal).toBe(1);
    chat.model.onRead({ orderId: 5, side: 'customer', userId: 9, lastReadId: 3, unread: { customer: 0, staff: 1 }, timestamp: 't' });
    expect(chat.unreadTotal).toBe(0);
  });
});
