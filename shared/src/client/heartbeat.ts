import type { Transport } from './types';

/**
 * Keeps a WebSocket honest: after `ms` of silence it pings; with no answer within another `ms` the
 * socket is dead (a sleeping phone, a dropped NAT entry: no close ever arrives) and `onDead` runs.
 * `lastRx` says when anything last arrived. Returns the stopper.
 */
export function startHeartbeat(link: Transport, ms: number, lastRx: () => number, onDead: () => void): () => void {
  if (ms <= 0 || link.kind !== 'ws') return () => {};
  let pingSentAt = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    if (pingSentAt > lastRx()) {
      if (now - pingSentAt >= ms) onDead();
    } else if (now - lastRx() >= ms) {
      pingSentAt = now;
      link.send('{"type":"ping"}');
    }
  }, Math.max(10, ms >> 1));
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
