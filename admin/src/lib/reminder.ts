/** How often the chime repeats while a new order waits unopened. */
export const CHIME_REPEAT_MS = 30_000;

/**
 * Rings every `everyMs` while `due()` says something still waits (new orders nobody opened).
 * The first ring is the new-order event's own; this only repeats it. Returns the stop function.
 */
export function startReminder(opts: { everyMs?: number; due: () => boolean; ring: () => void }): () => void {
  const timer = setInterval(() => {
    if (opts.due()) opts.ring();
  }, opts.everyMs ?? CHIME_REPEAT_MS);
  return () => clearInterval(timer);
}
