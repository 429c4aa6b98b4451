/**
 * Incoming message limit of one WebSocket: a token bucket of `perSecond` messages a second with
 * bursts of twice that. The state is three numbers on the connection (no timer, no closure).
 *
 * - `ok`: handle the message.
 * - `refused-first`: drop it and tell the client once (`rate-limited`), so replies to a flood are
 *   never a flood themselves.
 * - `refused`: drop it silently.
 * - `abuse`: more than five seconds' worth of messages refused since the client last slowed
 *   down (let the bucket fill up again): close the connection.
 */
export type RateVerdict = 'ok' | 'refused-first' | 'refused' | 'abuse';

export interface RateState {
  rateTokens: number;
  rateAt: number;
  rateRefused: number;
}

export function takeMessage(s: RateState, now: number, perSecond: number): RateVerdict {
  const burst = perSecond * 2;
  const tokens = Math.min(burst, s.rateTokens + ((now - s.rateAt) * perSecond) / 1000);
  s.rateAt = now;
  if (tokens >= 1) {
    // A full bucket means the client kept to the limit for a while: forget earlier refusals.
    if (tokens >= burst) s.rateRefused = 0;
    s.rateTokens = tokens - 1;
    return 'ok';
  }
  s.rateTokens = tokens;
  s.rateRefused++;
  if (s.rateRefused > perSecond * 5) return 'abuse';
  return s.rateRefused === 1 ? 'refused-first' : 'refused';
}
