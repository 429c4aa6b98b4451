import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
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
