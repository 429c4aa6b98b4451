import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { defaultRooms } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import type { EventLog } from '../events/log';
import type { Conn, Hub } from './hub';
import type { RealtimeMetrics } from './metrics';
import { resume } from './resume';
import { roomRefusal } from './rights';
import type { SseConn } from './sse';

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
}

/** What the realtime layer reads about people and places: narrow, so a test can supply its own. */
export interface RealtimeDirectory {
  /** The user's current rights; null when the account is gone or disabled. */
  principal(userId: number): Principal | null;
  cityExists(cityId: number): boolean;
}

/** What the transports share: one per app. Connections point here instead of holding closures. */
export class RealtimeContext {
  /** Distinguishes this process's connection ids from another's (several processes behind one balancer). */
  readonly bootId = randomBytes(4).toString('hex');
  private seq = 0;
  /** SSE connections by connectionId, for the REST room endpoints. */
  readonly sse = new Map<string, SseConn>();

  constructor(
    readonly hub: Hub,
    readonly log: EventLog,
    readonly metrics: RealtimeMetrics,
    readonly logger: FastifyBaseLogger,
    readonly limits: RealtimeLimits,
    readonly directory: RealtimeDirectory,
  ) {}

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

/** The rooms a connection starts in: its role's rooms plus the requested ones it may enter (same rule as join-room). */
export function initialRooms(
  rt: RealtimeContext,
  principal: Principal,
  requested: readonly string[],
): { rooms: string[]; refused: { room: string; why: string }[] } {
  const rooms = defaultRooms(principal);
  const refused: { room: string; why: string }[] = [];
  for (const r of requested) {
    if (rooms.includes(r)) continue;
    const why = roomRefusal(rt, principal, r, rooms.length);
    if (why) refused.push({ room: r, why });
    else rooms.push(r);
  }
  return { rooms, refused };
}

/**
 * What every new connection goes through, whatever carries it, in this order: its rooms, then
 * `connected`, then refusals of requested rooms, then the resume replay (before live events).
 * `onResumeFailed` ends the connection the transport's way; the client reconnects and resumes.
 */
export function onboard(
  rt: RealtimeContext,
  conn: Conn,
  connectionId: string,
  requestedRooms: readonly string[],
  lastEventId: number | null | undefined,
  onResumeFailed: () => void,
): void {
  const { principal } = conn;
  const { rooms, refused } = initialRooms(rt, principal, requestedRooms);
  conn.replaying = lastEventId !== undefined;
  rt.hub.add(conn, rooms);
  conn.sendControl(
    JSON.stringify({
      type: 'connected',
      data: {
        userId: principal.userId,
        role: principal.role,
        rooms,
        connectionId,
        transport: conn.transport,
        // Every event after this id reaches this connection: a fresh client's resume point.
        lastEventId: rt.hub.lastId,
      },
    }),
  );
  for (const r of refused) conn.sendControl(socketError('forbidden', r.why));
  if (lastEventId !== undefined) {
    resume(conn, lastEventId, rt.log, rt.metrics, rt.lowWater, rt.limits.resumeMaxEvents).catch((err: unknown) => {
      rt.logger.error({ err }, 'realtime resume failed');
      onResumeFailed();
    });
  }
}
