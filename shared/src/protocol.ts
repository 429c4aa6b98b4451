/**
 * Realtime wire constants: clients outside this repository switch on these names and codes,
 * so they are a contract, changed only with a new message. The message shapes live in
 * ./schemas/realtime.ts; these are the names and codes both sides switch on.
 */
export const SERVER_EVENT_TYPES = [
  'new-order',
  'order-created',
  'order-status-updated',
  'bonus-updated',
  'sync-success',
  'sync-error',
  'menu-updated',
  'order-eta-updated',
  'city-status-updated',
  'order-payment-updated',
  'order-message',
  'order-chat-read',
] as const;
/** Events that come from the durable log and so carry an `id`. */
export type ServerEventType = (typeof SERVER_EVENT_TYPES)[number];

export const CLIENT_MESSAGE_TYPES = ['ping', 'join-room', 'leave-room', 'auth', 'typing'] as const;
export type ClientMessageType = (typeof CLIENT_MESSAGE_TYPES)[number];

/** `unauthorized`: an `auth` whose token does not verify, or any other message before a WebSocket has signed in. */
export const SOCKET_ERROR_CODES = ['bad-request', 'unknown-type', 'forbidden', 'rate-limited', 'internal', 'unauthorized'] as const;
export type SocketErrorCode = (typeof SOCKET_ERROR_CODES)[number];

export const CLOSE_CODES = {
  /** Bad, missing or expired token: sign in again, then resume. */
  unauthorized: 4401,
  /** Frame over the size limit (RFC 6455 "message too big"). */
  tooLarge: 1009,
  /** Slow consumer: the server stopped buffering for this client; reconnect and resume. */
  tryAgainLater: 1013,
  /** Server shutting down; reconnect now, to any node (no backoff), resuming from lastEventId. */
  goingAway: 1001,
  /** This node is restarting (a rolling restart, a deploy); reconnect now, to any node (no backoff), resuming from lastEventId. */
  serviceRestart: 1012,
  /** Sustained message flood after `rate-limited` errors (RFC 6455 "policy violation"). */
  policyViolation: 1008,
  /** The user already holds the most open connections allowed; close one, then retry with backoff. */
  tooManyConnections: 4429,
} as const;

/** Largest client frame the server reads. */
export const MAX_CLIENT_FRAME_BYTES = 16 * 1024;

/** Longest token an `auth` message may carry (a JWT of this project is a few hundred bytes). */
export const MAX_AUTH_TOKEN_LENGTH = 4096;

export const REALTIME_PATHS = { ws: '/ws', wsRoot: '/', sse: '/sse' } as const;

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'fallback-sse' | 'offline';
