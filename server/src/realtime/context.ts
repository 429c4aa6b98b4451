import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { ChatOrderRef } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import { unauthorized } from '../lib/errors';
import type { RealtimeIdentity } from './auth';
import type { EventStore } from '../events/types';
import type { Conn } from './conn';
import type { Hub } from './hub';
import type { RealtimeMetrics } from './metrics';

/** Per-client limits (settings WS_*; see README "Security"). */
export interface RealtimeLimits {
  /** Unsent bytes a connection may hold before it is closed as a slow consumer. */
  maxBuffered: number;
  /** Rooms one connection may be in, its own default rooms included. */
  maxRoomsPerConnection: number;
  /** Open connections (WebSocket and SSE together) one user may hold in this process. */
  maxConnectionsPerUser: number;
  /** Client messages per second a WebSocket may send (bursts of twice that). */
  messagesPerSecond: number;
  /** A resume further back than this many events gets `resync` instead of a replay. */
  resumeMaxEvents: number;
  /** How long before a token expires its connection gets `token-expiring` (see noticeTime). */
  tokenNoticeMs: number;
  /** A WebSocket opened without a credential must send `auth` within this time (seed 002). */
  authTimeoutMs: number;
  /** WebSockets of this process still waiting for their `auth`, at most: what an unauthenticated client may cost is bounded. */
  maxPendingAuth: number;
}

/** What the realtime layer reads about people and places: narrow, so a test can supply its own. */
export interface RealtimeDirectory {
  /** The user's current rights; null when the account is gone or disabled. */
  principal(userId: number): Promise<Principal | null>;
  cityExists(cityId: number): Promise<boolean>;
  /** Whose order it is and its city, for the order's chat room; null when there is no such order. */
  chatOrder(orderId: number): Promise<ChatOrderRef | null>;
}

/** What the order chat (chat/realtime.ts) hears from the transports: room changes of chat rooms and typing. */
export interface ChatHooks {
  /** A connection entered (`joined`) or left an `order-{id}-chat` room (leave-room, rights change, disconnect). */
  roomChanged(conn: Conn, orderId: number, joined: boolean): void;
  /** A participant in the room is typing (or stopped). */
  typing(conn: Conn, orderId: number, typing: boolean): void;
}

/** What the transports share: one per app. Connections point here instead of holding closures. */
export class RealtimeContext {
  /**
   * Distinguishes this process's connection ids from another's (several processes behind one
   * balancer): the event bus's node id, so a REST call for a stream can be routed to its process.
   */
  readonly bootId: string;
  private seq = 0;
  /** SSE connections by connectionId, for the REST room endpoints and the heartbeat timer. */
  readonly sse = new Map<string, Conn & { heartbeat(): void }>();
  /** Set by the chat plugin; null without it. */
  chat: ChatHooks | null = null;
  /** WebSockets open but not yet signed in (seed 002), counted against `limits.maxPendingAuth`. */
  pendingAuth = 0;
  /** Verifies a raw token (an `auth` message); throws HttpError 401. Set by the plugin. */
  identifyToken: (token: string) => Promise<RealtimeIdentity> = () => Promise.reject(unauthorized('Tokens cannot be checked here', 'unauthorized'));

  constructor(
    readonly hub: Hub,
    readonly log: EventStore,
    readonly metrics: RealtimeMetrics,
    readonly logger: FastifyBaseLogger,
    readonly limits: RealtimeLimits,
    readonly directory: RealtimeDirectory,
    nodeId: string = randomBytes(4).toString('hex'),
  ) {
    this.bootId = nodeId;
  }

  get maxBuffered(): number {
    return this.limits.maxBuffered;
  }

  nextSeq(): number {
    return ++this.seq;
  }

  connectionId(seq: number): string {
    return `${this.bootId}-${seq.toString(36)}`;
  }

  /** Below this a resume replay sends its next batch. */
  get lowWater(): number {
    return Math.max(1024, this.maxBuffered >> 2);
  }
}

export function socketError(code: string, message: string): string {
  return JSON.stringify({ type: 'error', data: { code, message } });
}

const MAX_REQUESTED_ROOMS = 32;

/**
 * `?rooms=a,b` on connect: rooms to join before the resume replay, so a client that had joined
 * rooms by hand (and reconnects with lastEventId) gets their missed events too, in order. A
 * join-room sent after `connected` cannot do that: by then the replay has moved past them.
 */
export function parseRoomsParam(raw: unknown): string[] {
  if (typeof raw !== 'string' || raw === '') return [];
  const out: string[] = [];
  for (const r of raw.split(',')) {
    const room = r.trim();
    if (room && room.length <= 64 && !out.includes(room)) out.push(room);
    if (out.length >= MAX_REQUESTED_ROOMS) break;
  }
  return out;
}
