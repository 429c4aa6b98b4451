import { computed, nextTick, onBeforeUnmount, onMounted, ref, watch } from 'vue';
import { CHAT_MAX_TEXT } from '../chat';
import type { OrderMessage } from '../schemas/chat';
import type { ChatStore } from './chat-store';

/** The words the chat view (OrderChatView.vue) asks its app for: both apps have them under these keys. */
export type OrderChatWord = 'chat.older' | 'chat.empty' | 'chat.seen' | 'chat.delivered' | 'chat.sending' | 'chat.queued' | 'chat.placeholder' | 'chat.send' | 'chat.left';

export interface OrderChatOptions {
  /** Words for a failure to show under the chat: sending (`send`) or loading older messages (`older`). */
  describeError(e: unknown, what: 'send' | 'older'): string;
  /** After a message is accepted, or refused (e.g. a phone's haptic feedback). */
  onSent?(): void;
  onRefused?(): void;
}

/**
 * What an order's chat view does on either side (issue 18): the text being written and its limit,
 * sending (a refused text comes back rather than being lost), Enter to send, older messages
 * (keeping the message in view in place), staying scrolled to the newest, and the view's life: the
 * thread opened while mounted, messages read when the page is seen again, typing expiry ticks.
 * `list` is the messages' scrolling element (the view's template ref).
 */
export function useOrderChat(chat: ChatStore, orderId: () => number, list: { readonly value: HTMLElement | null }, opts: OrderChatOptions) {
  const text = ref('');
  const error = ref('');
  const olderBusy = ref(false);

  const thread = computed(() => chat.thread(orderId()));
  const messages = computed<OrderMessage[]>(() => thread.value?.messages ?? []);
  const pending = computed(() => chat.pending(orderId()));
  const left = computed(() => CHAT_MAX_TEXT - text.value.length);
  const canSend = computed(() => text.value.trim().length > 0 && left.value >= 0);

  function atBottom(): boolean {
    const el = list.value;
    return !el || el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  }
  async function scrollDown(force = false): Promise<void> {
    const stick = force || atBottom();
    await nextTick();
    if (stick && list.value) list.value.scrollTop = list.value.scrollHeight;
  }
  watch(() => messages.value.length + pending.value.length, () => void scrollDown());

  async function send(): Promise<void> {
    if (!canSend.value) return;
    const body = text.value.trim();
    text.value = '';
    error.value = '';
    void scrollDown(true);
    try {
      await chat.model.send(orderId(), body);
      opts.onSent?.();
    } catch (e) {
      opts.onRefused?.();
      error.value = opts.describeError(e, 'send');
      // Refused (too fast, too long…): the text comes back rather than being lost.
      if (!text.value) text.value = body;
    }
  }

  function onInput(): void {
    chat.model.typing(orderId(), !!text.value.trim());
  }
  function onBlur(): void {
    chat.model.typing(orderId(), false);
  }
  function onKey(e: KeyboardEvent): void {
    // Enter sends, Shift+Enter is a new line (a phone's keyboard has its own send button: the form's).
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    }
  }

  async function older(): Promise<void> {
    if (olderBusy.value) return;
    olderBusy.value = true;
    const el = list.value;
    const before = el ? el.scrollHeight - el.scrollTop : 0;
    try {
      await chat.model.loadOlder(orderId());
      await nextTick();
      // Keep the message being looked at in place.
      if (el) el.scrollTop = el.scrollHeight - before;
    } catch (e) {
      error.value = opts.describeError(e, 'older');
    } finally {
      olderBusy.value = false;
    }
  }

  /* The page is seen again (app or tab brought back): what arrived meanwhile is read now. */
  const onVisible = () => document.visibilityState === 'visible' && chat.model.visible();
  let tick: ReturnType<typeof setInterval> | null = null;
  onMounted(() => {
    chat.model.open(orderId());
    document.addEventListener('visibilitychange', onVisible);
    tick = setInterval(() => chat.model.tick(), 1000);
    void scrollDown(true);
  });
  onBeforeUnmount(() => {
    document.removeEventListener('visibilitychange', onVisible);
    if (tick) clearInterval(tick);
    chat.model.close(orderId());
  });

  return { text, error, olderBusy, thread, messages, pending, left, canSend, send, onInput, onBlur, onKey, older };
}
