import type { FastifyBaseLogger } from 'fastify';
import type { EventBus } from './types';

/** Placeholder until the Redis scale-out lands (issue 3). */
export const RedisBus = {
  async connect(_url: string, _logger: FastifyBaseLogger): Promise<EventBus> {
    throw new Error('REDIS_URL is set but the Redis event bus is not available in this build');
  },
};
