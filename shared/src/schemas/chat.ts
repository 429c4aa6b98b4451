import { Type, type Static } from 'typebox';
import { CHAT_CLIENT_ID_PATTERN, CHAT_MAX_TEXT, CHAT_PAGE_DEFAULT, CHAT_PAGE_MAX } from '../chat';
import { Id, Timestamp } from './common';

/*
 * Order chat (issue 18, seed 003): messages between an order's customer and the staff who see its
 * city. Messages are durable (`order-message` events in the log, so resume brings missed ones);
 * typing and presence are ephemeral (control messages, never in the log, never replayed).
 * Text is plain text: clients render it as text, never as HTML.
 */

/** Which side of the chat a person is on: the order's customer, or staff (managers, admin, ceo). */
export const ChatSide = Type.Union([Type.Literal('customer'), Type.Literal('staff')]);
export type ChatSide = Static<typeof ChatSide>;

/** Who wrote (or is typing, or is here): the side, the person's display name, their user id. */
export const ChatAuthor = Type.Object({
  kind: ChatSide,
  name: Type.String(),
  userId: Id,
});
export type ChatAuthor = Static<typeof ChatAuthor>;

/** Unread messages per side: `customer` = staff messages the customer has not read; `staff` = customer messages no staff member has read. */
export const ChatUnread = Type.Object({
  customer: Type.Integer({ minimum: 0 }),
  staff: Type.Integer({ minimum: 0 }),
});
export type ChatUnread = Static<typeof ChatUnread>;

/** The data of the `order-message` event, and a message in history pages and REST answers. */
export const OrderMessage = Type.Object({
  /** The message's id in the chat (rising with time; history pages and read marks use it). */
  id: Id,
  orderId: Id,
  /** The sender's own id for this message: a resend with the same one is the same message. */
  clientId: Type.String(),
  author: ChatAuthor,
  /** Plain text, at most CHAT_MAX_TEXT characters; never HTML. */
  text: Type.String(),
  createdAt: Timestamp,
  /** Unread counts of the chat right after this message (the admin board's "unread" marks follow them live). */
  unread: Type.Optional(ChatUnread),
});
export type OrderMessage = Static<typeof OrderMessage>;

/** Read state of one chat: per side, the last message id it has read and how many it has not. */
export const ChatReadState = Type.Object({
  orderId: Id,
  customer: Type.Object({ lastReadId: Type.Integer({ minimum: 0 }), unread: Type.Integer({ minimum: 0 }) }),
  staff: Type.Object({ lastReadId: Type.Integer({ minimum: 0 }), unread: Type.Integer({ minimum: 0 }) }),
});
export type ChatReadState = Static<typeof ChatReadState>;

/** The `order-chat-read` event: a side read the chat up to a message (read receipts; other staff tabs clear their marks). */
export const OrderChatRead = Type.Object({
  orderId: Id,
  side: ChatSide,
  /** Who marked it read. */
  userId: Id,
  lastReadId: Type.Integer({ minimum: 0 }),
  unread: ChatUnread,
  timestamp: Timestamp,
});
export type OrderChatRead = Static<typeof OrderChatRead>;

/* Ephemeral server → client messages (no `id`; never in the log). */

/** Someone in the chat is typing (`typing` true, lasts `ttlMs` unless renewed) or stopped (false). Never sent back to its author. */
export const ChatTyping = Type.Object({
  orderId: Id,
  author: ChatAuthor,
  typing: Type.Boolean(),
  /** Hide the indicator after this long without a renewal. */
  ttlMs: Type.Integer({ minimum: 0 }),
});
export type ChatTyping = Static<typeof ChatTyping>;

/** Someone came into the chat (opened it) or left it (closed it, disconnected, or their server died and their entry expired). */
export const ChatPresence = Type.Object({
  orderId: Id,
  change: Type.Union([Type.Literal('join'), Type.Literal('leave')]),
  participant: ChatAuthor,
  /** Everyone in the chat now, after this change (one entry per person). */
  present: Type.Array(ChatAuthor),
});
export type ChatPresence = Static<typeof ChatPresence>;

/** Sent to a connection right after it joined an order chat room: the latest page of messages, read state and who is here. */
export const ChatState = Type.Object({
  orderId: Id,
  /** Oldest first; older ones over REST (`GET /api/orders/:id/chat?before=`). */
  messages: Type.Array(OrderMessage),
  hasMore: Type.Boolean(),
  read: ChatReadState,
  present: Type.Array(ChatAuthor),
});
export type ChatState = Static<typeof ChatState>;

/* Client → server (WebSocket). */

/** `{"type":"typing","data":{"orderId":1,"typing":true}}`: the sender must be in the order's chat room. `typing` defaults to true. */
export const TypingRequest = Type.Object({ orderId: Id, typing: Type.Optional(Type.Boolean()) });
export type TypingRequest = Static<typeof TypingRequest>;

/* REST. */

export const ChatClientId = Type.String({ pattern: CHAT_CLIENT_ID_PATTERN, minLength: 1, maxLength: 64 });

/** POST /api/orders/:id/chat/messages. */
export const SendChatMessageBody = Type.Object(
  {
    clientId: ChatClientId,
    text: Type.String({ minLength: 1, maxLength: CHAT_MAX_TEXT }),
  },
  { additionalProperties: false },
);
export type SendChatMessageBody = Static<typeof SendChatMessageBody>;

/** 201 for a new message; 200 with `duplicate: true` when this clientId was already sent (nothing new is stored or announced). */
export const SendChatMessageResponse = Type.Object({ message: OrderMessage, duplicate: Type.Boolean() });
export type SendChatMessageResponse = Static<typeof SendChatMessageResponse>;

/** GET /api/orders/:id/chat?before=&limit=: a page of messages older than `before` (default: the newest). */
export const ChatHistoryQuery = Type.Object({
  before: Type.Optional(Id),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: CHAT_PAGE_MAX, default: CHAT_PAGE_DEFAULT })),
});
export type ChatHistoryQuery = Static<typeof ChatHistoryQuery>;

export const ChatHistoryResponse = Type.Object({
  orderId: Id,
  /** Oldest first. */
  messages: Type.Array(OrderMessage),
  /** Older messages exist: ask again with `before` = the first message's id. */
  hasMore: Type.Boolean(),
  read: ChatReadState,
});
export type ChatHistoryResponse = Static<typeof ChatHistoryResponse>;

/** POST /api/orders/:id/chat/read: the caller's side has read up to this message (a lower mark than the current one changes nothing). */
export const MarkChatReadBody = Type.Object({ upToId: Id }, { additionalProperties: false });
export type MarkChatReadBody = Static<typeof MarkChatReadBody>;

/** POST /api/orders/:id/chat/typing (for SSE clients, which have no upstream): 204. */
export const ChatTypingBody = Type.Object({ typing: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export type ChatTypingBody = Static<typeof ChatTypingBody>;

/** One chat with unread messages for the caller's side. */
export const UnreadChat = Type.Object({
  orderId: Id,
  orderNumber: Type.String(),
  cityId: Id,
  /** Messages the caller's side has not read. */
  unread: Type.Integer({ minimum: 1 }),
  lastMessageAt: Timestamp,
});
export type UnreadChat = Static<typeof UnreadChat>;

/** GET /api/chat/unread: customers get their own orders' chats, staff those of the orders they see (the board's "unread customer messages"). */
export const ChatUnreadResponse = Type.Object({
  side: ChatSide,
  /** Newest message first. */
  chats: Type.Array(UnreadChat),
  /** Unread messages over all these chats. */
  total: Type.Integer({ minimum: 0 }),
});
export type ChatUnreadResponse = Static<typeof ChatUnreadResponse>;
