import type { BusEvent, BusHandler, BusNotice, EventBus, NoticeHandler } from './types';

/** The default bus: one process, handlers called synchronously in publish order. */
export class MemoryBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly handlers = new Set<BusHandler>();
  private readonly noticeHandlers = new Set<NoticeHandler>();

  async publish(event: BusEvent): Promise<void> {
    for (const h of this.handlers) h(event);
  }

  subscribe(handler: BusHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  notify(notice: BusNotice): void {
    for (const h of this.noticeHandlers) h(notice);
  }

  onNotice(handler: NoticeHandler): () => void {
    this.noticeHandlers.add(handler);
    return () => this.noticeHandlers.delete(handler);
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.noticeHandlers.clear();
  }
}
