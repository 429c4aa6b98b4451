import { Type, type Static, type TSchema } from 'typebox';
import type { ClientMessageType, ServerEventType } from '../protocol';
import { MenuUpdated } from './menu';
import { Order } from './order';
import { ChatPresence, ChatState, ChatTyping, OrderChatRead, OrderMessage, TypingRequest } from './chat';
import {
  AuthRequest,
  Authenticated,
  Reconnect,
  BonusUpdated,
  CityStatusUpdated,
  Connected,
  OrderEtaUpdated,
  OrderPaymentUpdated,
  OrderStatusUpdated,
  RoomRequest,
  SocketError,
  SyncError,
  SyncSuccess,
  TokenExpiring,
  type EventPayloads,
} from './realtime';

/**
 * Every realtime message, described for people: what it means, its data schema, and who hears
 * it. `docs/events.md` is generated from this (`npm run docs:events`), and a test keeps the
 * committed file in step, so the catalogue cannot drift from the schemas the server validates with.
 * Rooms are written as patterns (`city-{cityId}-orders`: the city of the order).
 */
export interface CatalogueEntry {
  summary: string;
  /** The `data` field's schema; null when the message has none. */
  data: TSchema | null;
  /** Rooms that hear a durable event, or who gets a control message. */
  to: readonly string[];
}

export const EVENT_CATALOGUE = {
  'new-order': {
    summary: 'A customer placed an order: staff boards add it.',
    data: Order,
    to: ['admin-orders', 'city-{cityId}-orders'],
  },
  'order-created': {
    summary: "The customer's own copy of the order they placed (other tabs and devices).",
    data: Order,
    to: ['user-{userId}'],
  },
  'order-status-updated': {
    summary: 'An order moved (staff, the POS kitchen, or a cancel).',
    data: OrderStatusUpdated,
    to: ['user-{userId}', 'admin-orders', 'city-{cityId}-orders'],
  },
  'bonus-updated': {
    summary: "The customer's bonus balance changed (`type`: earned, used, refunded, adjusted).",
    data: BonusUpdated,
    to: ['user-{userId}'],
  },
  'sync-success': {
    summary: 'An order (or the menu) reached the POS after a failure staff were shown.',
    data: SyncSuccess,
    to: ['admin-orders', 'city-{cityId}-orders'],
  },
  'sync-error': {
    summary: 'Sending an order to the POS (or importing its menu) failed; `nextRetryAt` null means it gave up.',
    data: SyncError,
    to: ['admin-orders', 'city-{cityId}-orders'],
  },
  'menu-updated': {
    summary: "A product's price or availability changed in a city (stop-list).",
    data: MenuUpdated,
    to: ['city-{cityId}-menu', 'admin-orders', 'city-{cityId}-orders'],
  },
  'order-eta-updated': {
    summary: "Staff moved an order's promised time (with a reason).",
    data: OrderEtaUpdated,
    to: ['user-{userId}', 'admin-orders', 'city-{cityId}-orders'],
  },
  'city-status-updated': {
    summary: 'A city or one of its restaurants was paused, resumed, set busy or edited, or a timed pause ended: its status now.',
    data: CityStatusUpdated,
    to: ['city-{cityId}-menu', 'admin-orders', 'city-{cityId}-orders'],
  },
  'order-payment-updated': {
    summary: "An order's payment moved (`unpaid → paid` online or on receipt, `paid → refund_due` on a cancel, `refund_due → refunded` by staff).",
    data: OrderPaymentUpdated,
    to: ['user-{userId}', 'admin-orders', 'city-{cityId}-orders'],
  },
  'order-message': {
    summary: "A message in an order's chat (customer or staff), plain text; `unread` counts after it. Resend-safe: one per clientId.",
    data: OrderMessage,
    to: ['order-{orderId}-chat', 'user-{userId}', 'admin-orders', 'city-{cityId}-orders'],
  },
  'order-chat-read': {
    summary: "A side (customer or staff) read an order's chat up to a message: read receipts and unread marks.",
    data: OrderChatRead,
    to: ['order-{orderId}-chat', 'user-{userId}', 'admin-orders', 'city-{cityId}-orders'],
  },
} satisfies Record<ServerEventType, CatalogueEntry>;

/** Compile-time: each event's catalogued schema is exactly its payload type (EventPayloads). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _eventSchemasMatchPayloads: { [K in ServerEventType]: Same<Static<(typeof EVENT_CATALOGUE)[K]['data']>, EventPayloads[K]> } = {
  'new-order': true,
  'order-created': true,
  'order-status-updated': true,
  'bonus-updated': true,
  'sync-success': true,
  'sync-error': true,
  'menu-updated': true,
  'order-eta-updated': true,
  'city-status-updated': true,
  'order-payment-updated': true,
  'order-message': true,
  'order-chat-read': true,
};
void _eventSchemasMatchPayloads;

/** Server → client messages that are not events: no `id`, sent to one connection. */
export const CONTROL_CATALOGUE: Record<
  | 'connected'
  | 'pong'
  | 'error'
  | 'resync'
  | 'room-joined'
  | 'room-left'
  | 'token-expiring'
  | 'authenticated'
  | 'reconnect'
  | 'chat-state'
  | 'typing'
  | 'chat-presence',
  CatalogueEntry
> = {
  connected: { summary: 'First message on every connection: who you are and the rooms you are in.', data: Connected, to: ['the connection'] },
  pong: { summary: 'Answer to `ping`.', data: null, to: ['the connection'] },
  error: { summary: 'A message was refused; the connection stays open.', data: SocketError, to: ['the connection'] },
  resync: { summary: 'The `lastEventId` is older than the retained log: refetch over REST.', data: null, to: ['the connection'] },
  'room-joined': { summary: 'Acknowledges `join-room` (or the SSE room endpoint).', data: Type.Object({ roomId: Type.String() }), to: ['the connection'] },
  'room-left': { summary: 'Acknowledges `leave-room`.', data: Type.Object({ roomId: Type.String() }), to: ['the connection'] },
  'token-expiring': {
    summary: 'The token expires at expiresAt: send a fresh one (auth on WS, POST /api/realtime/auth on SSE) or be closed 4401 then.',
    data: TokenExpiring,
    to: ['the connection'],
  },
  authenticated: { summary: 'A fresh token was accepted; rooms and log position kept.', data: Authenticated, to: ['the connection'] },
  reconnect: {
    summary: 'SSE only: this node is going away (1012 restart, 1001 shutdown) and ends the stream; reconnect now, to any node, from lastEventId.',
    data: Reconnect,
    to: ['the connection'],
  },
  'chat-state': {
    summary: "Right after joining `order-{orderId}-chat`: the chat's newest messages, read state and who is here (older pages over REST).",
    data: ChatState,
    to: ['the connection'],
  },
  typing: {
    summary: 'Someone else in the chat is typing (hide after `ttlMs` without a renewal) or stopped. Ephemeral: never in the log, never replayed.',
    data: ChatTyping,
    to: ['order-{orderId}-chat (not its author)'],
  },
  'chat-presence': {
    summary: 'Someone joined or left the chat (a dead server\'s people leave when their entries expire); `present` is everyone there now. Ephemeral.',
    data: ChatPresence,
    to: ['order-{orderId}-chat'],
  },
};

/** Client → server messages (WebSocket only; SSE clients use the REST room endpoints). */
export const CLIENT_CATALOGUE: Record<ClientMessageType, CatalogueEntry> = {
  ping: { summary: 'Keepalive from the client; answered by `pong`.', data: null, to: ['the server'] },
  'join-room': { summary: 'Join a room the access rule allows (`room-joined`, or `error` forbidden).', data: RoomRequest, to: ['the server'] },
  'leave-room': { summary: 'Leave a room (`room-left`).', data: RoomRequest, to: ['the server'] },
  auth: {
    summary: 'Sign in: the first message of a socket opened without a token, or a fresh token after token-expiring.',
    data: AuthRequest,
    to: ['the server'],
  },
  typing: {
    summary: 'I am typing in this order chat (`typing` false: stopped). Only in a joined chat room; SSE clients POST /api/orders/:id/chat/typing.',
    data: TypingRequest,
    to: ['the server'],
  },
};
