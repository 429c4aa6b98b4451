import { defineChatStore } from '@ordercast/shared/vue';

/**
 * The customer's side of the order chats (issue 18): what the chat view and the badges of the
 * orders list show. The store is the shared one (the admin's is the same, for the staff side).
 */
export const useChat = defineChatStore('customer');
