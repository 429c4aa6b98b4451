import { Type, type Static } from 'typebox';
import { MAX_AUTH_TOKEN_LENGTH, SOCKET_ERROR_CODES } from '../protocol';
import { Id, Money, Timestamp } from './common';
import { CancelReasonSchema, Order, OrderStatusSchema, PaymentMethodSchema, PaymentStatusSchema } from './order';
import { BonusOperationType } from './bonus';
import { RoleSchema } from './user';
import { CityStatus, Restaurant } from './restaurant';
import { MenuUpdated } from './menu';
import { TypingRequest, type ChatPresence, type ChatState, type ChatTyping, type OrderChatRead, type OrderMessage } from './chat';

// Defined beside the menu (the stop-list answer uses it) so user → menu → realtime is no import cycle.
export { MenuUpdated };

/*
 * Seed 001's wire format, field for field: `{type, data, id}` where `id` is the durable
 * event id (absent on connected, pong, error, resync).
 */

export const OrderStatusUpdated = Type.Object({
  orderId: Id,
  newStatus: OrderStatusSchema,
  oldStatus: OrderStatusSchema,
  timestamp: Timestamp,
  /** Additions to seed 001, only on a move to `cancelled`: the reason code and the optional text. */
  cancelReason: Type.Optional(CancelReasonSchema),
  cancelNote: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /** Bonuses returned to the customer's balance by this cancel (only when some were used). */
  bonusesRefunded: Type.Optional(Money),
});
export type OrderStatusUpdated = Static<typeof OrderStatusUpdated>;

export const BonusUpdated = Type.Object({
  balance: Type.Number(),
  operation: Type.Object({ type: BonusOperationType, amount: Money, orderId: Type.Union([Id, Type.Null()]) }),
  timestamp: Timestamp,
});
export type BonusUpdated = Static<typeof BonusUpdated>;

export const SyncEntity = Type.Union([Type.Literal('order'), Type.Literal('menu')]);
export type SyncEntity = Static<typeof SyncEntity>;

/** What was being told to the POS about an order: the order itself (`send`, the default) or its cancel. */
export const SyncAction = Type.Union([Type.Literal('send'), Type.Literal('cancel')]);
export type SyncAction = Static<typeof SyncAction>;

export const SyncSuccess = Type.Object({
  entity: SyncEntity,
  /** Absent for seed 001's order sync; `cancel` when the POS took an order's cancel. */
  action: Type.Optional(SyncAction),
  /** Order id, or for `menu` the city id (0 = the whole menu). */
  entityId: Type.Integer({ minimum: 0 }),
  timestamp: Timestamp,
});
export type SyncSuccess = Static<typeof SyncSuccess>;

export const SyncError = Type.Object({
  entity: SyncEntity,
  entityId: Type.Integer({ minimum: 0 }),
  error: Type.String(),
  timestamp: Timestamp,
  /** `cancel`: telling the POS about a cancel failed (absent: sending the order). */
  action: Type.Optional(SyncAction),
  /** The POS's or transport's code, e.g. ALREADY_COMPLETED (the kitchen had already delivered the order). */
  code: Type.Optional(Type.String()),
  /** Optional, so clients written before retries existed still accept the message: which attempt failed, when the next one runs (null: gave up). */
  attempt: Type.Optional(Type.Integer({ minimum: 1 })),
  nextRetryAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  /** The order's city, so a city room can route it without a lookup. */
  cityId: Type.Optional(Type.Union([Id, Type.Null()])),
});
export type SyncError = Static<typeof SyncError>;


/** Staff moved an order's promised time. */
export const OrderEtaUpdated = Type.Object({
  orderId: Id,
  promisedAt: Timestamp,
  oldPromisedAt: Type.Union([Timestamp, Type.Null()]),
  reason: Type.String(),
  timestamp: Timestamp,
});
export type OrderEtaUpdated = Static<typeof OrderEtaUpdated>;

/** An order's money moved: paid online, refund due after a cancel, refunded by staff, or paid on receipt. */
export const OrderPaymentUpdated = Type.Object({
  orderId: Id,
  method: PaymentMethodSchema,
  status: PaymentStatusSchema,
  oldStatus: PaymentStatusSchema,
  /** Online payments: Telegram's and the provider's charge ids (null otherwise). */
  telegramChargeId: Type.Union([Type.String(), Type.Null()]),
  providerChargeId: Type.Union([Type.String(), Type.Null()]),
  timestamp: Timestamp,
});
export type OrderPaymentUpdated = Static<typeof OrderPaymentUpdated>;

/** A city or one of its restaurants was paused, resumed, set busy, or edited; also sent when a timed pause ends. */
export const CityStatusUpdated = Type.Object({
  cityId: Id,
  status: CityStatus,
  restaurants: Type.Array(Restaurant),
  timestamp: Timestamp,
});
export type CityStatusUpdated = Static<typeof CityStatusUpdated>;

export const Connected = Type.Object({
  userId: Id,
  role: RoleSchema,
  rooms: Type.Array(Type.String()),
  /** Names this connection for REST room changes (SSE cannot send messages upstream). */
  connectionId: Type.Optional(Type.String()),
  transport: Type.Optional(Type.Union([Type.Literal('ws'), Type.Literal('sse')])),
  /** Where a fresh client can resume from (the log's newest id when it connected). */
  lastEventId: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type Connected = Static<typeof Connected>;

export const SocketError = Type.Object({
  code: Type.Enum(SOCKET_ERROR_CODES),
  message: Type.String(),
});
export type SocketError = Static<typeof SocketError>;

/**
 * Seed 002: sent some time before the connection's token expires (WS_TOKEN_NOTICE_MS, or half the
 * remaining time for short tokens). The client answers with a fresh token: `auth` on WebSocket,
 * `POST /api/realtime/auth` on SSE. Without one, the connection is closed (4401) at `expiresAt`.
 */
export const TokenExpiring = Type.Object({ expiresAt: Timestamp });
export type TokenExpiring = Static<typeof TokenExpiring>;

/** The answer to a refresh on a live connection: the connection now runs on the new token. */
export const Authenticated = Type.Object({ userId: Id, expiresAt: Type.Union([Timestamp, Type.Null()]) });
export type Authenticated = Static<typeof Authenticated>;

/**
 * SSE's close code: the node serving this stream is going away (restart, shutdown); the stream
 * ends right after. Reconnect now, to any node, from lastEventId: a WebSocket gets close `code`
 * (1012 or 1001) instead.
 */
export const Reconnect = Type.Object({ code: Type.Integer(), reason: Type.String() });
export type Reconnect = Static<typeof Reconnect>;

/** Payload of every durable event, by type. One map: server producers and client handlers both index it. */
export interface EventPayloads {
  'new-order': Order;
  'order-created': Order;
  'order-status-updated': OrderStatusUpdated;
  'bonus-updated': BonusUpdated;
  'sync-success': SyncSuccess;
  'sync-error': SyncError;
  'menu-updated': MenuUpdated;
  'order-eta-updated': OrderEtaUpdated;
  'city-status-updated': CityStatusUpdated;
  'order-payment-updated': OrderPaymentUpdated;
  'order-message': OrderMessage;
  'order-chat-read': OrderChatRead;
}
export type EventType = keyof EventPayloads;

/** A durable event as it travels: exactly the JSON a WebSocket frame or SSE `data:` line carries. */
export type EventMessage<T extends EventType = EventType> = {
  [K in T]: { type: K; data: EventPayloads[K]; id: number };
}[T];

export type ControlMessage =
  | { type: 'connected'; data: Connected }
  | { type: 'pong' }
  | { type: 'error'; data: SocketError }
  /** The requested lastEventId is older than the retained log: refetch over REST. */
  | { type: 'resync' }
  | { type: 'room-joined'; data: { roomId: string } }
  | { type: 'room-left'; data: { roomId: string } }
  | { type: 'token-expiring'; data: TokenExpiring }
  | { type: 'authenticated'; data: Authenticated }
  | { type: 'reconnect'; data: Reconnect }
  /** Order chat (issue 18), ephemeral: the chat's state on joining its room, typing, presence. */
  | { type: 'chat-state'; data: ChatState }
  | { type: 'typing'; data: ChatTyping }
  | { type: 'chat-presence'; data: ChatPresence };

export type ServerMessage = EventMessage | ControlMessage;

/* Client → server. Validated by schema on the server. */
export const RoomRequest = Type.Object({ roomId: Type.String({ minLength: 1, maxLength: 64 }) });

/** Seed 002: a token as the first message (instead of `?token=`), or a fresh one on a live connection. */
export const AuthRequest = Type.Object({ token: Type.String({ minLength: 1, maxLength: MAX_AUTH_TOKEN_LENGTH }) });

export const ClientMessage = Type.Union([
  Type.Object({ type: Type.Literal('ping') }),
  Type.Object({ type: Type.Literal('auth'), data: AuthRequest }),
  Type.Object({ type: Type.Literal('join-room'), data: RoomRequest }),
  Type.Object({ type: Type.Literal('leave-room'), data: RoomRequest }),
  Type.Object({ type: Type.Literal('typing'), data: TypingRequest }),
]);
export type ClientMessage = Static<typeof ClientMessage>;

/** REST room changes for SSE clients (same rules as join-room / leave-room). */
export const SseRoomBody = Type.Object(
  { connectionId: Type.String({ minLength: 1, maxLength: 64 }), roomId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export type SseRoomBody = Static<typeof SseRoomBody>;

/** The answer to a REST room change: the SSE connection's rooms after it. */
export const SseRoomResponse = Type.Object({ connectionId: Type.String(), roomId: Type.String(), rooms: Type.Array(Type.String()) });
export type SseRoomResponse = Static<typeof SseRoomResponse>;
/** SSE refresh (no upstream channel): the fresh token is the bearer, the body names the stream. */
export const SseAuthBody = Type.Object({ connectionId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export type SseAuthBody = Static<typeof SseAuthBody>;
export const SseAuthResponse = Type.Object({ connectionId: Type.String(), expiresAt: Type.Union([Timestamp, Type.Null()]) });
export type SseAuthResponse = Static<typeof SseAuthResponse>;

export const TicketResponse = Type.Object({ ticket: Type.String(), expiresAt: Timestamp });
export type TicketResponse = Static<typeof TicketResponse>;

export const WsStats = Type.Object({
  total: Type.Integer(),
  by_type: Type.Record(Type.String(), Type.Integer()),
  by_transport: Type.Record(Type.String(), Type.Integer()),
  rooms: Type.Integer(),
});
export type WsStats = Static<typeof WsStats>;
