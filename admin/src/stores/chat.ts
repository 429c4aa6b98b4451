import { defineChatStore } from '@ordercast/shared/vue';

/**
 * The staff side of the order chats (issue 18): the order panel's chat and the board's marks of
 * orders with unread customer messages. The store is the shared one (the Mini App's is the same,
 * for the customer's side).
 */
export const useChat = defineChatStore('staff');
