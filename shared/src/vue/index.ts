/*
 * The Vue side of the shared package, for the two apps only (vue and pinia are peer dependencies;
 * the server never imports this): the order chat's store and its view's behaviour.
 */
export { defineChatStore, type ChatStore } from './chat-store';
export { useOrderChat, type OrderChatOptions } from './order-chat';
