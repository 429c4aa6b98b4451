import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/config';
import type { PgSql } from '../db/sql-postgres';
import type { Counted, LoginLimitStore } from './login-limit-store';
import { MemoryLoginLimitStore } from './login-limit-store-memory';

/** How long a shared store that failed is not asked again. */
const RETRY_AFTER_MS = 2000;

/**
 * Where sign-in limits count, like the event bus (events/bus-factory.ts): on Redis when REDIS_URL is
 * set (several processes; on SQLite they share one file); else, on PostgreSQL, in the database every
 * node shares (no Redis needed); else in memory: SQLite without Redis is one process on one
 * machine, so this process's memory is the whole deployment's.
 *
 * A shared store is wrapped in FallbackLoginLimitStore: see there why an outage counts in memory.
 */
export async function createLoginLimitStore(config: Config, logger: FastifyBaseLogger, pg: PgSql | null): Promise<LoginLimitStore> {
  if (config.REDIS_URL) {
    const { RedisLoginLimitStore } = await import('./login-limit-store-redis');
    return new FallbackLoginLimitStore(await RedisLoginLimitStore.connect(config.REDIS_URL, config.REDIS_CHANNEL, logger), logger);
  }
  if (pg) {
    const { PgLoginLimitStore } = await import('./login-limit-store-postgres');
    return new FallbackLoginLimitStore(new PgLoginLimitStore(pg, logger), logger);
  }
  return new MemoryLoginLimitStore();
}

/**
 * A shared store that, while it fails (Redis down, the database unreachable), counts in this
 * process's memory instead. Neither fail-open nor fail-closed:
 * - fail-open (@fastify/rate-limit's skipOnError) would give an attacker unlimited guesses for as
 *   long as Redis is down, and an outage can be provoked or waited for;
 * - fail-closed would take every staff sign-in down with Redis, which the rest of the system
 *   survives (events reach clients from the log): a manager could not sign in to take orders.
 * Counting in memory keeps sign-in up with the limits a single process has (each node counts its
 * own: N nodes, N× the guesses, as before the counters were shared) until the store answers again.
 * Known addresses are written to memory as well as to the store, so a lock-out counted in memory
 * during an outage still spares the addresses users signed in from before it.
 */
export class FallbackLoginLimitStore implements LoginLimitStore {
  private readonly local = new MemoryLoginLimitStore();
  private down = false;
  private retryAt = 0;

  constructor(
    private readonly shared: LoginLimitStore,
    private readonly logger: FastifyBaseLogger,
  ) {}

  get kind() {
    return this.shared.kind;
  }

  hit(key: string, windowMs: number): Promise<Counted> {
    return this.either((s) => s.hit(key, windowMs));
  }

  peek(key: string, windowMs: number): Promise<Counted> {
    return this.either((s) => s.peek(key, windowMs));
  }

  async remember(username: string, address: string): Promise<void> {
    await this.local.remember(username, address);
    await this.either((s) => s.remember(username, address));
  }

  knows(username: string, address: string): Promise<boolean> {
    return this.either((s) => s.knows(username, address));
  }

  async close(): Promise<void> {
    await this.shared.close();
  }

  private async either<T>(fn: (s: LoginLimitStore) => Promise<T>): Promise<T> {
    // After a failure the store is left alone for a moment: a Redis that accepts connections but
    // does not answer would otherwise cost every attempt its commands' timeouts (500 ms each).
    if (this.down && Date.now() < this.retryAt) return fn(this.local);
    try {
      const result = await fn(this.shared);
      if (this.down) {
        this.down = false;
        this.logger.info({ store: this.shared.kind }, 'sign-in limits shared again');
      }
      return result;
    } catch (err) {
      if (!this.down) this.logger.warn({ err, store: this.shared.kind }, 'sign-in limit store unreachable; this process counts in memory until it answers');
      this.down = true;
      this.retryAt = Date.now() + RETRY_AFTER_MS;
      return fn(this.local);
    }
  }
}
