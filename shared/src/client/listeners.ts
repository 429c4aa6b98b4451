import type { ConnectionStatus } from '../protocol';
import type { ServerMessage } from '../schemas/realtime';

/** A throwing handler must not break delivery to the others; its error surfaces asynchronously. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    setTimeout(() => {
      throw err;
    });
  }
}

/** The app's status and message handlers. */
export class Listeners {
  private status: ConnectionStatus = 'offline';
  private readonly statusHandlers = new Set<(s: ConnectionStatus) => void>();
  private readonly allHandlers = new Set<(m: ServerMessage) => void>();
  private readonly byType = new Map<string, Set<(data: unknown, msg: ServerMessage) => void>>();

  get current(): ConnectionStatus {
    return this.status;
  }

  setStatus(s: ConnectionStatus): void {
    if (s === this.status) return;
    this.status = s;
    for (const h of [...this.statusHandlers]) safely(() => h(s));
  }

  emit(msg: ServerMessage): void {
    const data = 'data' in msg ? msg.data : undefined;
    for (const h of [...(this.byType.get(msg.type) ?? [])]) safely(() => h(data, msg));
    for (const h of [...this.allHandlers]) safely(() => h(msg));
  }

  onStatus(h: (s: ConnectionStatus) => void): () => void {
    this.statusHandlers.add(h);
    return () => void this.statusHandlers.delete(h);
  }

  on(type: string, h: (data: unknown, msg: ServerMessage) => void): () => void {
    let set = this.byType.get(type);
    if (!set) this.byType.set(type, (set = new Set()));
    set.add(h);
    return () => void set.delete(h);
  }

  onMessage(h: (m: ServerMessage) => void): () => void {
    this.allHandlers.add(h);
    return () => void this.allHandlers.delete(h);
  }
}
