import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { canJoinRoom, defaultRooms } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import type { EventLog } from '../events/log';
import type { Hub } from './hub';
import type { RealtimeMetrics } from './metrics';
import type { SseConn } from './sse';

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
    readonly maxBuffered: number,
  ) {}

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
export function initialRooms(principal: Principal, requested: readonly string[]): { rooms: string[]; refused: string[] } {
  const rooms = defaultRooms(principal);
  const refused: string[] = [];
  for (const r of requested) {
    if (rooms.includes(r)) continue;
    if (canJoinRoom(principal, r)) rooms.push(r);
    else refused.push(r);
  }
  return { rooms, refused };
}
