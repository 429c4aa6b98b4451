import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import { createChatModel } from '../chat-thread';
import type { ChatSide } from '../schemas/chat';

/**
 * One side's order chats (issue 18) as a Pinia store, the same for the Mini App (customer) and the
 * admin (staff): what the chat views and the unread marks show. The rules are the shared chat
 * model's; the store only makes its state reactive. Each app defines its store once, with its side.
 */
export function defineChatStore(side: ChatSide) {
  return defineStore('chat', () => {
    const model = createChatModel(
      side,
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
}

export type ChatStore = ReturnType<ReturnType<typeof defineChatStore>>;
