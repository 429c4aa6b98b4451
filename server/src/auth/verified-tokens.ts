/**
 * Tokens this process has already verified, by their exact text, until they expire. HS256 costs
 * little in a tight loop but a REST request at a quiet moment runs cold: in the realtime benchmark
 * verification was about half of authentication's share of a request. A token is only found here
 * if the very same string passed the verifier before, so a hit proves what the verifier proved;
 * expiry is still checked on every hit. Revocation is not cached: every use, hit or miss, goes on
 * to read the user (active, token version) fresh, so a password reset refuses a cached token at once
 * (plugins/app/auth.ts). (fast-jwt's own cache keys on a SHA-256 of the token, which costs as
 * much as the HMAC it saves.)
 */
export class VerifiedTokens<C extends { exp?: unknown }> {
  private readonly map = new Map<string, C>();

  constructor(private readonly max = 10_000) {}

  /** The claims of a token verified before and not yet expired at `nowMs`. */
  get(token: string, nowMs: number): C | undefined {
    const claims = this.map.get(token);
    if (claims === undefined) return undefined;
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= nowMs) {
      this.map.delete(token);
      return undefined;
    }
    return claims;
  }

  add(token: string, claims: C): void {
    // Oldest first out: Map iterates in insertion order.
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    // Shared by every request that presents the token: nobody may change it.
    this.map.set(token, Object.freeze(claims));
  }

  get size(): number {
    return this.map.size;
  }
}
