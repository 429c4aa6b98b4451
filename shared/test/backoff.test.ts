import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff';

describe('backoffDelay (exponential, full jitter)', () => {
  it('doubles the cap per attempt from 500 ms up to 20 s by default', async () => {
    const top = () => 0.999999;
    const caps = [0, 1, 2, 3, 4, 5, 6, 7, 10, 50].map((a) => backoffDelay(a, {}, top));
    expect(caps).toEqual([499, 999, 1999, 3999, 7999, 15999, 19999, 19999, 19999, 19999]);
  });

  it('is uniform between 0 and the cap (full jitter)', async () => {
    expect(backoffDelay(3, {}, () => 0)).toBe(0);
    expect(backoffDelay(3, {}, () => 0.5)).toBe(2000);
    const seen = Array.from({ length: 2000 }, () => backoffDelay(2, { initialMs: 100, maxMs: 1000 }));
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...seen)).toBeLessThan(400);
    const mean = seen.reduce((a, b) => a + b, 0) / seen.length;
    expect(mean).toBeGreaterThan(150);
    expect(mean).toBeLessThan(250);
  });

  it('honours custom bounds and tolerates odd input', async () => {
    expect(backoffDelay(0, { initialMs: 10, maxMs: 40 }, () => 0.999)).toBe(9);
    expect(backoffDelay(9, { initialMs: 10, maxMs: 40 }, () => 0.999)).toBe(39);
    expect(backoffDelay(-3, { initialMs: 10 }, () => 0.999)).toBe(9);
    expect(backoffDelay(1e9, {}, () => 0.999)).toBe(19980);
    // max below initial: the cap is initial.
    expect(backoffDelay(5, { initialMs: 100, maxMs: 10 }, () => 0.999)).toBe(99);
  });
});
