export interface BackoffOptions {
  /** Cap of the first retry's delay (ms). Default 500. */
  initialMs?: number;
  /** Largest cap (ms). Default 20 000. */
  maxMs?: number;
}

/**
 * The one backoff of the project (the realtime client's reconnects, the server's POS sync, the POS
 * simulator's kitchen callbacks).
 *
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * a uniform delay in [0, min(max, initial · 2^attempt)]. `attempt` counts failures since the last
 * success, from 0.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = Math.max(1, opts.initialMs ?? 500);
  const max = Math.max(initial, opts.maxMs ?? 20_000);
  const cap = Math.min(max, initial * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.floor(random() * cap);
}
