/** One limit's counter for one key: attempts in the current window, and the time left in it. */
export interface Counted {
  count: number;
  ttlMs: number;
}

/**
 * Where staff sign-in limits keep their counters and each username's known addresses
 * (login-limits.ts). Implementations by suffix — memory, redis, postgres — are chosen in one place,
 * login-limit-store-factory.ts. A key is counted in a fixed window that starts at its first
 * attempt (as @fastify/rate-limit's stores do); keys carry their limit's prefix, so one store
 * serves every limit.
 */
export interface LoginLimitStore {
  readonly kind: 'memory' | 'redis' | 'postgres';
  /** Counts one attempt on `key`; a key whose window has ended starts a new one of `windowMs`. */
  hit(key: string, windowMs: number): Promise<Counted>;
  /** The key's count in its current window, without counting (0 when it has none). */
  peek(key: string, windowMs: number): Promise<Counted>;
  /** `address` signed in to `username`: it is known, the most recent of at most KNOWN_ADDRESSES_PER_USER. */
  remember(username: string, address: string): Promise<void>;
  knows(username: string, address: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Addresses remembered per username; past it the least recently used one is dropped. */
export const KNOWN_ADDRESSES_PER_USER = 8;
/** A shared store forgets an address after this long without a sign-in from it (memory: LRU-bounded instead). */
export const KNOWN_ADDRESS_TTL_MS = 90 * 24 * 3600_000;
