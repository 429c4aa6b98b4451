import { CLOSE_CODES } from '@ordercast/shared';
import type { RealtimeContext } from './context';
import { Keepalive } from './keepalive';
import { tokenExpiring } from './reauth';
import { SseConn } from './sse';
import { WsConn } from './ws';

/** How often token expiry and the bus catch-up are checked. */
const SECOND_TICK_MS = 1000;

export interface RealtimeTimers {
  start(): void;
  stop(): void;
}

/**
 * The timers every connection shares (none per connection): keepalive pings, once a second token
 * notices (`token-expiring`) and expiry and the hub's catch-up from the log, and SSE heartbeats.
 */
export function createTimers(rt: RealtimeContext, pingIntervalMs: number, sseHeartbeatMs: number): RealtimeTimers {
  const { hub, metrics } = rt;
  const keepalive = new Keepalive(
    () => hub.conns,
    pingIntervalMs,
    (c): c is WsConn => c instanceof WsConn,
    () => metrics.keepaliveTerminations++,
  );
  let secondTimer: NodeJS.Timeout | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  const everySecond = () => {
    const now = Date.now();
    for (const c of hub.conns) {
      if (c.expiresAt > now) {
        if (c.noticeAt <= now) {
          c.noticeAt = Infinity;
          c.sendControl(tokenExpiring(c.expiresAt));
        }
        continue;
      }
      metrics.tokenExpiredCloses++;
      if (c instanceof WsConn) c.end(CLOSE_CODES.unauthorized, 'token_expired: Token expired; sign in again');
      // SSE has no close codes: the stream ends, EventSource's retry with the old credential gets 401, the client signs in again.
      else if (c instanceof SseConn) c.end();
    }
    void hub.catchUp();
  };
  return {
    start() {
      keepalive.start();
      secondTimer = setInterval(everySecond, SECOND_TICK_MS).unref();
      heartbeatTimer = setInterval(() => {
        for (const c of rt.sse.values()) c.heartbeat();
      }, sseHeartbeatMs).unref();
    },
    stop() {
      keepalive.stop();
      clearInterval(secondTimer);
      clearInterval(heartbeatTimer);
    },
  };
}
