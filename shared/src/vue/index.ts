/*
 * The Vue side of the shared package, for the two apps only (vue and pinia are peer dependencies;
 * the server never imports this): the order chat's store, its view's behaviour and the view itself.
 */
export { defineChatStore, type ChatStore } from './chat-store';
export { useOrderChat, type OrderChatOptions, type OrderChatWord } from './order-chat';
export { default as OrderChatView } from './OrderChatView.vue';
