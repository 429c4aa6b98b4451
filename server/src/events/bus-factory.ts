import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/config';
import { MemoryBus } from './memory-bus';
import type { EventBus } from './types';

/** In-process by default; Redis when REDIS_URL is set (several processes, one database). */
export async function createBus(config: Config, logger: FastifyBaseLogger): Promise<EventBus> {
  if (config.REDIS_URL) {
    const { RedisBus } = await import('./redis-bus');
    return RedisBus.connect(config.REDIS_URL, logger, { channel: config.REDIS_CHANNEL });
  }
  return new MemoryBus();
}
