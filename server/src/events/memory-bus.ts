import { randomBytes } from 'node:crypto';
import { BusHandlers } from './bus-handlers';
import type { BusEvent, BusHandler, BusNotice, EventBus, NodeAnswer, NodeRequest, NodeRequestHandler, NoticeHandler } from './types';

/** The default bus: one process, handlers called synchronously in publish order. */
export class MemoryBus implements EventBus {
  readonly kind = 'memory' as const;
  /** No logger: a handler's error reaches the publisher, as a direct call's would. */
  private readonly local = new BusHandlers();
  readonly nodeId = randomBytes(4).toString('hex');
  private asked: NodeRequestHandler | null = null;

  async publish(event: BusEvent): Promise<void> {
    this.local.dispatch(event);
  }

  subscribe(handler: BusHandler): () => void {
    return this.local.subscribe(handler);
  }

  notify(notice: BusNotice): void {
    this.local.dispatchNotice(notice);
  }

  onNotice(handler: NoticeHandler): () => void {
    return this.local.onNotice(handler);
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
    this.local.clear();
    this.asked = null;
  }
}
