import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { logRedisProblems, whenReady } from '../lib/redis';
import { KNOWN_ADDRESS_TTL_MS, KNOWN_ADDRESSES_PER_USER, type Counted, type LoginLimitStore } from './login-limit-store';
import { call, rateLimitStores, type RateLimitStore } from './login-limit-store-memory';

type RedisStoreClass = new (continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, key: string) => RateLimitStore;
const RedisStore = rateLimitStores('@fastify/rate-limit/store/RedisStore') as RedisStoreClass;

/**
 * Counters on @fastify/rate-limit's own Redis store (one Lua script per attempt: INCR, and PEXPIRE
 * on the first one, so every node counts into one window), known addresses in one Redis list per
 * username (trimmed to the newest 8, forgotten after 90 days without a sign-in). Keys start with
 * `<REDIS_CHANNEL>:login:`: the processes of one deployment share them, another deployment on the
 * same Redis does not.
 *
 * Its own connection, failing fast: no offline queue, no retries, 500 ms per command. A call that
 * fails rejects at once and the caller (login-limit-store-factory.ts) counts in memory instead.
 */
export class RedisLoginLimitStore implements LoginLimitStore {
  readonly kind = 'redis' as const;
  private readonly counters: RateLimitStore;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.counters = new RedisStore(false, false, redis, `${prefix}n:`);
  }

  /**
   * Waits (at most `waitMs`) for the connection, so the first sign-ins after a start are shared;
   * never refuses to start over it. Short: the event bus has already waited up to 3 s for the same
   * Redis at start (plugins/app/events.ts), so a Redis that is up answers within milliseconds.
   */
  static async connect(url: string, channel: string, logger: FastifyBaseLogger, waitMs = 1000): Promise<RedisLoginLimitStore> {
    const redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
      connectionName: 'ordercast-login-limits',
    });
    logRedisProblems(logger, 'redis sign-in limits connection problem; counting in this process meanwhile', { 'sign-in limits': redis });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([whenReady(redis), new Promise((resolve) => (timer = setTimeout(resolve, waitMs).unref()))]);
    clearTimeout(timer);
    return new RedisLoginLimitStore(redis, `${channel}:login:`);
  }

  hit(key: string, windowMs: number): Promise<Counted> {
    return call(this.counters, 'incr', key, windowMs);
  }

  peek(key: string, windowMs: number): Promise<Counted> {
    return call(this.counters, 'read', key, windowMs);
  }

  async remember(username: string, address: string): Promise<void> {
    const key = this.knownKey(username);
    const res = await this.redis
      .multi()
      .lrem(key, 0, address)
      .rpush(key, address)
      .ltrim(key, -KNOWN_ADDRESSES_PER_USER, -1)
      .pexpire(key, KNOWN_ADDRESS_TTL_MS)
      .exec();
    const failed = res?.find(([err]) => err);
    if (!res || failed) throw failed?.[0] ?? new Error('redis transaction aborted');
  }

  async knows(username: string, address: string): Promise<boolean> {
    // At most 8 short entries: the whole list is as cheap as LPOS and needs no Redis 6.0.6.
    return (await this.redis.lrange(this.knownKey(username), 0, -1)).includes(address);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  private knownKey(username: string): string {
    return `${this.prefix}k:${username}`;
  }
}
