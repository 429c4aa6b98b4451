import type { FastifyBaseLogger } from 'fastify';
import type { BusEvent, BusHandler, BusNotice, NoticeHandler } from './types';

/**
 * A bus's own process side, the same on every bus: the handlers its events and notices are handed
 * to, in the order they subscribed. With a logger (the buses between processes) a handler that
 * throws is logged and the others still get the message: one broken listener must not cut a
 * process off from what arrives from the others. Without one (the in-process bus) the error reaches
 * whoever published, as a plain function call would.
 */
export class BusHandlers {
  private readonly events = new Set<BusHandler>();
  private readonly notices = new Set<NoticeHandler>();

  constructor(private readonly logger?: FastifyBaseLogger) {}

  subscribe(handler: BusHandler): () => void {
    this.events.add(handler);
    return () => this.events.delete(handler);
  }

  onNotice(handler: NoticeHandler): () => void {
    this.notices.add(handler);
    return () => this.notices.delete(handler);
  }

  dispatch(event: BusEvent): void {
    for (const h of this.events) this.call(() => h(event), 'event bus handler failed', { eventId: event.id });
  }

  dispatchNotice(notice: BusNotice): void {
    for (const h of this.notices) this.call(() => h(notice), 'event bus notice handler failed', { notice });
  }

  clear(): void {
    this.events.clear();
    this.notices.clear();
  }

  private call(handle: () => void, failed: string, context: object): void {
    if (!this.logger) return handle();
    try {
      handle();
    } catch (err) {
      this.logger.error({ err, ...context }, failed);
    }
  }
}
