import type { ServerResponse } from 'node:http';
import { CLOSE_CODES } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import type { BusEvent } from '../events/types';
import { Conn, sseFrame, type PreparedEvent } from './conn';
import type { RealtimeContext } from './context';
import { onboard } from './onboard';

const CONN = Symbol('realtime-sse-conn');
type Res = ServerResponse & { [CONN]?: SseConn };

/** Reconnect hint for EventSource, in ms. */
export const SSE_RETRY_MS = 2000;
export const SSE_HEARTBEAT = ': hb\n\n';

/** A Server-Sent Events client: the same messages as WebSocket, `id:` + `data:` carrying the very JSON. */
export class SseConn extends Conn {
  constructor(
    seq: number,
    principal: Principal,
    expiresAt: number,
    readonly res: ServerResponse,
    readonly id: string,
    readonly rt: RealtimeContext,
  ) {
    super(seq, principal, expiresAt);
  }

  get transport() {
    return 'sse' as const;
  }

  private write(chunk: string): void {
    if (!this.closed && !this.res.writableEnded && !this.res.destroyed) this.res.write(chunk);
  }

  sendLive(ev: PreparedEvent): void {
    this.write(ev.sse);
  }

  sendReplay(evs: readonly BusEvent[]): void {
    let chunk = '';
    for (const ev of evs) chunk += sseFrame(ev.id, ev.json);
    this.write(chunk);
  }

  /** Replies and notices obey the same unsent-bytes limit as events. */
  sendControl(json: string): void {
    if (this.res.writableLength > this.rt.maxBuffered) {
      this.closeSlow();
      return;
    }
    this.write(`data: ${json}\n\n`);
  }

  /** SSE has no close codes: the stream ends, EventSource's reconnect with the old credential gets 401. */
  /**
   * The credential no longer holds: the WebSocket's 4401 as a `reconnect` message, and a retry hint
   * of zero so that a plain EventSource comes back at once, gets 401 and stops (not after 2 s).
   */
  revoke(reason: string): void {
    this.sayClose(CLOSE_CODES.unauthorized, reason);
  }

  heartbeat(): void {
    if (this.res.writableLength > this.rt.maxBuffered) this.closeSlow();
    else this.write(SSE_HEARTBEAT);
  }

  buffered(): number {
    return this.res.writableLength;
  }

  /** SSE has no close codes: the stream is cut, and EventSource comes back with Last-Event-ID. */
  closeSlow(): void {
    if (this.closed) return;
    this.rt.metrics.slowClosesSse++;
    this.end(true);
  }

  /**
   * SSE's close code: this node is going away. A `reconnect` message (the code and reason a
   * WebSocket gets), a retry hint of zero for a plain EventSource, then the end of the stream.
   */
  goingAway(code: number, reason: string): void {
    this.sayClose(code, reason);
  }

  private sayClose(code: number, reason: string): void {
    if (this.closed) return;
    this.write(`retry: 0\ndata: ${JSON.stringify({ type: 'reconnect', data: { code, reason } })}\n\n`);
    this.end();
  }

  end(destroy = false): void {
    if (this.closed) return;
    this.detach();
    if (destroy) this.res.destroy();
    else this.res.end();
  }

  /** Leaves the hub and the id map (idempotent). */
  detach(): void {
    this.closed = true;
    this.rt.hub.remove(this);
    this.rt.sse.delete(this.id);
  }
}

/** Starts an event stream on a hijacked response; the caller has authenticated. */
export function openSse(
  rt: RealtimeContext,
  res: ServerResponse,
  baseHeaders: Record<string, unknown>,
  principal: Principal,
  expiresAt: number,
  lastEventId: number | null | undefined,
  requestedRooms: readonly string[] = [],
): SseConn {
  const headers: Record<string, string | number | string[]> = {};
  for (const [k, v] of Object.entries(baseHeaders)) {
    if (v === undefined || k.toLowerCase() === 'content-length') continue;
    headers[k] = v as string | number | string[];
  }
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
  });
  // A comment first flushes headers through proxies; then the reconnect hint.
  res.write(`: ordercast realtime\n\nretry: ${SSE_RETRY_MS}\n\n`);
  res.socket?.setNoDelay(true);

  const seq = rt.nextSeq();
  const id = rt.connectionId(seq);
  const conn = new SseConn(seq, principal, expiresAt, res, id, rt);
  (res as Res)[CONN] = conn;
  res.on('close', onSseClose);
  res.on('error', onSseError);
  rt.sse.set(id, conn);
  rt.metrics.connectsSse++;

  onboard(rt, conn, id, requestedRooms, lastEventId, () => conn.end(true)).catch((err: unknown) => {
    rt.logger.error({ err }, 'realtime onboarding failed');
    conn.end(true);
  });
  return conn;
}

function onSseClose(this: Res): void {
  this[CONN]?.detach();
}

function onSseError(this: Res, err: Error): void {
  this[CONN]?.rt.logger.debug({ err: err.message }, 'sse stream error');
}
