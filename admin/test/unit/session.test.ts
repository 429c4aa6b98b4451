import { describe, expect, it } from 'vitest';
import { loginTarget } from '../../src/router';
import { refreshDelay, tokenExpiry } from '../../src/stores/session';

const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

describe('session helpers', () => {
  it("reads a JWT's expiry without verifying it", () => {
    expect(tokenExpiry(`${b64({ alg: 'HS256' })}.${b64({ sub: '1', exp: 1_900_000_000 })}.sig`)).toBe(1_900_000_000_000);
    expect(tokenExpiry('not-a-token')).toBeNull();
    expect(tokenExpiry(`${b64({})}.${b64({ sub: '1' })}.sig`)).toBeNull();
  });

  it('refreshes a minute before expiry, or halfway through a shorter token, never after it', () => {
    const now = 1_000_000;
    expect(refreshDelay(now + 12 * 3600_000, now)).toBe(12 * 3600_000 - 60_000);
    expect(refreshDelay(now + 90_000, now)).toBe(45_000);
    expect(refreshDelay(now - 5, now)).toBe(0);
  });

  it('sends the user back only to pages of this app', () => {
    expect(loginTarget('/orders?status=cancelled')).toBe('/orders?status=cancelled');
    expect(loginTarget('//evil.example/')).toBe('/');
    expect(loginTarget('https://evil.example/')).toBe('/');
    expect(loginTarget('/login?redirect=/x')).toBe('/');
    expect(loginTarget(undefined)).toBe('/');
  });
});
