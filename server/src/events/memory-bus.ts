import { randomBytes } from 'node:crypto';
import type { BusEvent, BusHandler, BusNotice, EventBus, NodeAnswer, NodeRequest, NodeRequestHandler, NoticeHandler } from './types';

/** The default bus: one process, handlers called synchronously in publish order. */
export class MemoryBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly handlers = new Set<BusHandler>();
  private readonly noticeHandlers = new Set<NoticeHandler>();
  readonly nodeId = randomBytes(4).toString('hex');
  private asked: NodeRequestHandler | null = null;

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

  /** One process: only its own id answers. */
  async ask(nodeId: string, request: NodeRequest): Promise<NodeAnswer | null> {
    return nodeId === this.nodeId && this.asked ? await this.asked(request) : null;
  }

  onAsk(handler: NodeRequestHandler): () => void {
    this.asked = handler;
    return () => {
      if (this.asked === handler) this.asked = null;
    };
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.noticeHandlers.clear();
    this.asked = null;
  }
}
