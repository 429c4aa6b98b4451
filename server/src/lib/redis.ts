import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

/**
 * Logs the connection problems of one component's Redis connections: ioredis reports every failed
 * reconnect, so each distinct message is said once (with which connection), and again only after
 * the first connection has been ready in between.
 */
export function logRedisProblems(logger: FastifyBaseLogger, message: string, connections: Record<string, Redis>): void {
  let lastError = '';
  for (const [which, redis] of Object.entries(connections)) {
    redis.on('error', (err: Error) => {
      if (err.message === lastError) return;
      lastError = err.message;
      logger.warn({ err: err.message, which }, message);
    });
  }
  Object.values(connections)[0]?.on('ready', () => (lastError = ''));
}

/** Resolves once `redis` is ready (at once if it is); a caller that will not wait for ever races it with a timer. */
export function whenReady(redis: Redis): Promise<true> {
  return redis.status === 'ready' ? Promise.resolve(true) : new Promise((resolve) => redis.once('ready', () => resolve(true)));
}
