import type { BusEvent, BusHandler, EventBus } from './types';

/** The default bus: one process, handlers called synchronously in publish order. */
export class MemoryBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly handlers = new Set<BusHandler>();

  async publish(event: BusEvent): Promise<void> {
    for (const h of this.handlers) h(event);
  }

  subscribe(handler: BusHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
