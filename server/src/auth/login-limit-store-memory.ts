import { createRequire } from 'node:module';
import { LruMap } from 'toad-cache';
import { KNOWN_ADDRESSES_PER_USER, type Counted, type LoginLimitStore } from './login-limit-store';

/** The callback contract of @fastify/rate-limit's stores (LocalStore, RedisStore; not in its typed API). */
export interface RateLimitStore {
  incr(key: string, cb: (err: Error | null, res: { current: number; ttl: number } | null) => void, timeWindow: number, max: number): void;
  read(key: string, cb: (err: Error | null, res: { current: number; ttl: number } | null) => void, timeWindow: number, max: number): void;
}

export const rateLimitStores = createRequire(import.meta.url);

/** Runs one of a @fastify/rate-limit store's calls as a promise. */
export function call(store: RateLimitStore, method: 'incr' | 'read', key: string, windowMs: number): Promise<Counted> {
  return new Promise((resolve, reject) =>
    store[method](key, (err, res) => (err || !res ? reject(err ?? new Error('rate-limit store gave no result')) : resolve({ count: res.current, ttlMs: res.ttl })), windowMs, 0),
  );
}

type LocalStoreClass = new (continueExceeding: boolean, exponentialBackoff: boolean, cache: number) => RateLimitStore;
const LocalStore = rateLimitStores('@fastify/rate-limit/store/LocalStore') as LocalStoreClass;

/** Keys (of every limit) and usernames held; LRU: an attacker rotating keys evicts old ones, never grows memory. */
const ENTRIES = 30_000;

/**
 * This process's memory: @fastify/rate-limit's own LRU store for the counters (as before the
 * shared stores existed) and an LRU map of known addresses. Right for one process (SQLite without
 * Redis: one machine, one process); a shared store falls back on it while it is unreachable.
 */
export class MemoryLoginLimitStore implements LoginLimitStore {
  readonly kind = 'memory' as const;
  private readonly counters = new LocalStore(false, false, ENTRIES);
  /** username → addresses it signed in from, most recent last. */
  private readonly known = new LruMap<string[]>(ENTRIES);

  hit(key: string, windowMs: number): Promise<Counted> {
    return call(this.counters, 'incr', key, windowMs);
  }

  peek(key: string, windowMs: number): Promise<Counted> {
    return call(this.counters, 'read', key, windowMs);
  }

  async remember(username: string, address: string): Promise<void> {
    const list = (this.known.get(username) ?? []).filter((a) => a !== address);
    list.push(address);
    this.known.set(username, list.slice(-KNOWN_ADDRESSES_PER_USER));
  }

  async knows(username: string, address: string): Promise<boolean> {
    return this.known.get(username)?.includes(address) ?? false;
  }

  async close(): Promise<void> {}
}
