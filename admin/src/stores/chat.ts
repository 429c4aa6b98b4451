import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import { createChatModel } from '@ordercast/shared';

/**
 * The staff side of the order chats (issue 18): the order panel's chat and the board's marks of
 * orders with unread customer messages. The rules are the shared chat model's; this store only
 * makes its state reactive.
 */
export const useChat = defineStore('chat', () => {
  const model = createChatModel(
    'staff',
    (s) => (state.value = s),
    () => document.visibilityState !== 'hidden',
  );
  const state = shallowRef(model.state);
  const unread = computed(() => state.value.chats.unread);
  const unreadTotal = computed(() => Object.values(unread.value).reduce((a, b) => a + b, 0));
  const thread = (orderId: number) => state.value.chats.threads[orderId] ?? null;
  const pending = (orderId: number) => state.value.pending[orderId] ?? [];
  return { state, unread, unreadTotal, thread, pending, model };
});
