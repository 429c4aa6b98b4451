import type { FastifyBaseLogger } from 'fastify';
import type { PgSql } from '../db/sql-postgres';
import { KNOWN_ADDRESS_TTL_MS, KNOWN_ADDRESSES_PER_USER, type Counted, type LoginLimitStore } from './login-limit-store';

/** The database's clock in epoch ms (one value per statement): the nodes' clocks never enter a window. */
const NOW = `(extract(epoch FROM now()) * 1000)::bigint`;
/** Expired rows deleted per prune: bounded work, however many keys an attacker made. */
const PRUNE_BATCH = 1000;
const PRUNE_EVERY_MS = 60_000;

/**
 * Counters and known addresses in PostgreSQL (tables rate_counters, login_known_addresses), for
 * a deployment of several nodes on one database and no Redis. Each attempt is one atomic upsert
 * (INSERT … ON CONFLICT DO UPDATE … RETURNING): concurrent attempts on any node serialise on the
 * key's row, and a window that has ended restarts in the same statement. A timer on each node
 * deletes expired counters, and addresses unused for 90 days, a batch at a time; a burst of more
 * expired rows than a batch is cleared over the following minutes.
 */
export class PgLoginLimitStore implements LoginLimitStore {
  readonly kind = 'postgres' as const;
  private readonly timer: NodeJS.Timeout;
  private pruning: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: PgSql,
    private readonly logger: FastifyBaseLogger,
  ) {
    this.timer = setInterval(() => void this.prune(), PRUNE_EVERY_MS).unref();
  }

  async hit(key: string, windowMs: number): Promise<Counted> {
    const { rows } = await this.sql.exec(
      `INSERT INTO rate_counters AS c (key, count, window_end) VALUES ($1, 1, ${NOW} + $2)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN c.window_end <= ${NOW} THEN 1 ELSE c.count + 1 END,
         window_end = CASE WHEN c.window_end <= ${NOW} THEN excluded.window_end ELSE c.window_end END
       RETURNING count, window_end - ${NOW} AS ttl`,
      [key, windowMs],
    );
    return counted(rows[0]);
  }

  async peek(key: string): Promise<Counted> {
    const { rows } = await this.sql.exec(`SELECT count, window_end - ${NOW} AS ttl FROM rate_counters WHERE key = $1 AND window_end > ${NOW}`, [key]);
    return rows[0] ? counted(rows[0]) : { count: 0, ttlMs: 0 };
  }

  async remember(username: string, address: string): Promise<void> {
    await this.sql.exec(
      `INSERT INTO login_known_addresses (username, address, seen_at) VALUES ($1, $2, ${NOW})
       ON CONFLICT (username, address) DO UPDATE SET seen_at = excluded.seen_at`,
      [username, address],
    );
    // A separate statement: one with the insert would not see the new row, and would keep 9.
    await this.sql.exec(
      `DELETE FROM login_known_addresses WHERE username = $1 AND address NOT IN
         (SELECT address FROM login_known_addresses WHERE username = $1 ORDER BY seen_at DESC LIMIT ${KNOWN_ADDRESSES_PER_USER})`,
      [username],
    );
  }

  async knows(username: string, address: string): Promise<boolean> {
    const { rows } = await this.sql.exec(`SELECT 1 FROM login_known_addresses WHERE username = $1 AND address = $2 AND seen_at > ${NOW} - $3`, [
      username,
      address,
      KNOWN_ADDRESS_TTL_MS,
    ]);
    return rows.length > 0;
  }

  /** Deletes up to a batch of expired counters and of forgotten addresses. */
  prune(): Promise<void> {
    this.pruning = this.pruning.then(async () => {
      try {
        await this.sql.exec(
          `DELETE FROM rate_counters WHERE key IN (SELECT key FROM rate_counters WHERE window_end <= ${NOW} ORDER BY window_end LIMIT ${PRUNE_BATCH})`,
        );
        await this.sql.exec(
          `DELETE FROM login_known_addresses WHERE (username, address) IN
             (SELECT username, address FROM login_known_addresses WHERE seen_at <= ${NOW} - $1 ORDER BY seen_at LIMIT ${PRUNE_BATCH})`,
          [KNOWN_ADDRESS_TTL_MS],
        );
      } catch (err) {
        this.logger.warn({ err }, 'sign-in counters prune failed; next minute again');
      }
    });
    return this.pruning;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pruning;
  }
}

function counted(row: { count: string | number; ttl: string | number } | undefined): Counted {
  if (!row) throw new Error('rate_counters upsert returned no row');
  return { count: Number(row.count), ttlMs: Math.max(0, Number(row.ttl)) };
}
