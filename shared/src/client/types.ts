/*
 * The small slices of the WHATWG WebSocket, EventSource and fetch APIs the client uses. Structural, so
 * the browser's globals, Node's, the `ws` package and the `eventsource` package all fit without casts,
 * and so that nothing here needs the DOM type library. Event arguments are read defensively.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */

export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: any) => any) | null;
  onmessage: ((ev: any) => any) | null;
  onerror: ((ev: any) => any) | null;
  onclose: ((ev: any) => any) | null;
}
export type WebSocketCtor = new (url: string) => WebSocketLike;

export interface EventSourceLike {
  readonly readyState: number;
  close(): void;
  onopen: ((ev: any) => any) | null;
  onmessage: ((ev: any) => any) | null;
  onerror: ((ev: any) => any) | null;
}
export type EventSourceCtor = new (url: string) => EventSourceLike;

export interface FetchResponseLike {
  readonly ok: boolean;
  readonly status: number;
  json(): Promise<unknown>;
}
export type FetchLike = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<FetchResponseLike>;

/** What a transport reports to the client. */
export interface TransportEvents {
  open(): void;
  message(text: string): void;
  /** Called once, unless the client closed the transport itself. `opened`: the transport had opened. */
  close(code: number, reason: string, opened: boolean): void;
}

export interface Transport {
  readonly kind: 'ws' | 'sse';
  /** false when the text could not be sent (not open; SSE has no upstream). */
  send(text: string): boolean;
  /** Closes without reporting `close`. */
  close(): void;
}

/** Calls `fn` after `ms`; returns a canceller. Timers are unref'd in Node where asked (they must not keep a process alive). */
export function later(ms: number, fn: () => void, unref = false): () => void {
  const t = setTimeout(fn, ms) as unknown as { unref?: () => void };
  if (unref) t.unref?.();
  return () => clearTimeout(t as unknown as ReturnType<typeof setTimeout>);
}
