import { ApiError } from '../api-error';
import { backoffDelay } from '../backoff';
import { CHAT_TYPING_RENEW_MS } from '../chat';
import { orderChatRoom } from '../rooms';
import type {
  ChatHistoryResponse,
  ChatReadState,
  ChatUnreadResponse,
  MarkChatReadBody,
  OrderMessage,
  SendChatMessageBody,
  SendChatMessageResponse,
} from '../schemas/chat';
import type { ClientMessage } from '../schemas/realtime';
import { later } from './types';

/** A message the app sent that the server has not confirmed yet (offline, or on its way). */
export interface PendingChatMessage {
  orderId: number;
  clientId: string;
  text: string;
  /** When the app sent it (epoch ms). */
  queuedAt: number;
}

/** Order chat on top of the realtime client (issue 18). Incoming messages arrive as events: `on('order-message')`, `on('chat-state')`, `on('typing')`, `on('chat-presence')`, `on('order-chat-read')`. */
export interface ChatClient {
  /** Joins the order's chat room (now, and again after every reconnect): the server answers `chat-state`, then typing and presence follow. */
  join(orderId: number): void;
  leave(orderId: number): void;
  /**
   * Sends a message. Offline (or the server unreachable) it waits in the queue and is sent when the
   * connection is back, with the same clientId, so it is stored once however often it is retried.
   * Resolves with the stored message; rejects with an ApiError the server gave (e.g. 429 rate_limited,
   * 403 forbidden, 400) — such a message is dropped from the queue.
   */
  send(orderId: number, text: string, opts?: { clientId?: string }): Promise<OrderMessage>;
  /** Messages not yet confirmed, oldest first (to show them as "sending…"). */
  pending(orderId?: number): readonly PendingChatMessage[];
  /** The person is typing (true; call on each keystroke, it is throttled) or stopped (false). Ephemeral: dropped while offline. */
  typing(orderId: number, typing?: boolean): void;
  /** Marks the caller's side read up to a message id. */
  markRead(orderId: number, upToId: number): Promise<ChatReadState>;
  /** A page of history, oldest first; `before`: older than this message id. */
  history(orderId: number, opts?: { before?: number; limit?: number }): Promise<ChatHistoryResponse>;
  /** The caller's chats with unread messages (staff: customer messages; customers: staff messages). */
  unread(): Promise<ChatUnreadResponse>;
}

export type ChatHttp = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

export interface ChatDeps {
  http: ChatHttp;
  joinRoom(roomId: string): void;
  leaveRoom(roomId: string): void;
  /** The live transport's kind, or null when offline. */
  link(): 'ws' | 'sse' | null;
  /** Sends over the live WebSocket; false if not possible now. */
  sendWs(m: ClientMessage): boolean;
}

interface Queued extends PendingChatMessage {
  resolve(m: OrderMessage): void;
  reject(e: unknown): void;
}

/** A network failure, a timeout, a 5xx or a 401 are worth retrying with the same clientId; other answers are final. */
const retryable = (status: number) => status === 0 || status === 401 || status === 408 || status >= 500;

function newClientId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

function apiError(status: number, body: unknown): ApiError {
  const b = (body && typeof body === 'object' ? body : {}) as { error?: unknown; message?: unknown };
  return new ApiError(status, typeof b.error === 'string' ? b.error : `http_${status}`, typeof b.message === 'string' ? b.message : `Request failed (${status})`);
}

export function createChatClient(deps: ChatDeps) {
  const queue: Queued[] = [];
  const typingSentAt = new Map<number, number>();
  let flushing = false;
  let attempt = 0;
  let cancelRetry: (() => void) | null = null;

  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: { status: number; body: unknown };
    try {
      res = await deps.http(method, path, body);
    } catch (err) {
      throw new ApiError(0, 'network', err instanceof Error ? err.message : 'The server cannot be reached');
    }
    if (res.status >= 400) throw apiError(res.status, res.body);
    return res.body as T;
  }

  /** Sends the queue in order, one at a time; stops at the first retryable failure and tries again later. */
  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length && deps.link()) {
        const q = queue[0]!;
        const body: SendChatMessageBody = { clientId: q.clientId, text: q.text };
        let status = 0;
        let answer: unknown;
        try {
          const res = await deps.http('POST', `/api/orders/${q.orderId}/chat/messages`, body);
          status = res.status;
          answer = res.body;
        } catch {
          status = 0;
        }
        if (status >= 200 && status < 300) {
          queue.shift();
          attempt = 0;
          q.resolve((answer as SendChatMessageResponse).message);
          continue;
        }
        if (retryable(status)) {
          scheduleRetry();
          return;
        }
        queue.shift();
        q.reject(apiError(status, answer));
      }
    } finally {
      flushing = false;
    }
  }

  function scheduleRetry(): void {
    if (cancelRetry) return;
    cancelRetry = later(backoffDelay(attempt++, { initialMs: 1000, maxMs: 30_000 }), () => {
      cancelRetry = null;
      void flush();
    });
  }

  const api: ChatClient = {
    join: (orderId) => deps.joinRoom(orderChatRoom(orderId)),
    leave(orderId) {
      typingSentAt.delete(orderId);
      deps.leaveRoom(orderChatRoom(orderId));
    },
    send(orderId, text, opts = {}) {
      return new Promise<OrderMessage>((resolve, reject) => {
        queue.push({ orderId, text, clientId: opts.clientId ?? newClientId(), queuedAt: Date.now(), resolve, reject });
        // A message ends the author's "typing…" on the server; no need to send typing:false.
        typingSentAt.delete(orderId);
        void flush();
      });
    },
    pending: (orderId) => queue.filter((q) => orderId === undefined || q.orderId === orderId).map(({ orderId: o, clientId, text, queuedAt }) => ({ orderId: o, clientId, text, queuedAt })),
    typing(orderId, typing = true) {
      const now = Date.now();
      const last = typingSentAt.get(orderId);
      if (typing) {
        if (last !== undefined && now - last < CHAT_TYPING_RENEW_MS) return;
        typingSentAt.set(orderId, now);
      } else {
        if (last === undefined) return; // nothing to stop
        typingSentAt.delete(orderId);
      }
      const kind = deps.link();
      if (kind === 'ws') deps.sendWs({ type: 'typing', data: { orderId, typing } });
      else if (kind === 'sse') void deps.http('POST', `/api/orders/${orderId}/chat/typing`, { typing }).catch(() => {});
    },
    markRead: (orderId, upToId) => call<ChatReadState>('POST', `/api/orders/${orderId}/chat/read`, { upToId } satisfies MarkChatReadBody),
    history(orderId, opts = {}) {
      const q = new URLSearchParams();
      if (opts.before) q.set('before', String(opts.before));
      if (opts.limit) q.set('limit', String(opts.limit));
      const qs = q.toString();
      return call<ChatHistoryResponse>('GET', `/api/orders/${orderId}/chat${qs ? `?${qs}` : ''}`);
    },
    unread: () => call<ChatUnreadResponse>('GET', '/api/chat/unread'),
  };

  return {
    api,
    /** A (re)connection: send what waited. */
    connected(): void {
      cancelRetry?.();
      cancelRetry = null;
      attempt = 0;
      typingSentAt.clear();
      void flush();
    },
  };
}
