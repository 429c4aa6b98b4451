import { describe, expect, it } from 'vitest';
import { VerifiedTokens } from '../../src/auth/verified-tokens';

describe('verified-token cache', () => {
  it('answers only for the exact token text, until its expiry', async () => {
    const cache = new VerifiedTokens<{ sub: string; exp?: unknown }>();
    cache.add('aaa.bbb.ccc', { sub: '1', exp: 100 });
    expect(cache.get('aaa.bbb.ccc', 99_999)).toEqual({ sub: '1', exp: 100 });
    // A different signature (or any other change) is simply not there: the verifier decides.
    expect(cache.get('aaa.bbb.ccd', 0)).toBeUndefined();
    expect(cache.get('aaa.bbb.ccc', 100_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps at most its bound, dropping the oldest, and hands out frozen claims', async () => {
    const cache = new VerifiedTokens<{ sub: string; exp?: unknown }>(2);
    cache.add('t1', { sub: '1' });
    cache.add('t2', { sub: '2' });
    cache.add('t3', { sub: '3' });
    expect(cache.size).toBe(2);
    expect(cache.get('t1', 0)).toBeUndefined();
    expect(cache.get('t3', 0)?.sub).toBe('3');
    expect(Object.isFrozen(cache.get('t2', 0))).toBe(true);
  });
});
