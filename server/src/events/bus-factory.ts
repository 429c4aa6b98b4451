import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/config';
import type { PgSql } from '../db/sql-postgres';
import type { PgEventLog } from './log-postgres';
import { MemoryBus } from './memory-bus';
import type { EventBus } from './types';

/**
 * Redis when REDIS_URL is set (several processes; on SQLite they share one file); else, on
 * PostgreSQL, LISTEN/NOTIFY on the database itself (bus-postgres.ts: a PostgreSQL-only deployment
 * needs no Redis); else in-process.
 */
export async function createBus(config: Config, logger: FastifyBaseLogger, postgres: { sql: PgSql; log: PgEventLog } | null): Promise<EventBus> {
  if (config.REDIS_URL) {
    const { RedisBus } = await import('./redis-bus');
    return RedisBus.connect(config.REDIS_URL, logger, { channel: config.REDIS_CHANNEL });
  }
  if (postgres && config.DATABASE_URL) {
    const { PgBus } = await import('./bus-postgres');
    return PgBus.connect({ url: config.DATABASE_URL, sql: postgres.sql, log: postgres.log, logger });
  }
  return new MemoryBus();
}
