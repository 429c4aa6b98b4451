export { createRealtimeClient } from './client';
export type { ChatClient, PendingChatMessage, RealtimeClient, RealtimeClientOptions, RealtimeHandler, TransportKind } from './client';
export { backoffDelay, type BackoffOptions } from '../backoff';
export type { EventSourceCtor, EventSourceLike, FetchLike, WebSocketCtor, WebSocketLike } from './types';
export type { ConnectionStatus } from '../protocol';
