import { later, type Transport, type TransportEvents, type WebSocketCtor, type WebSocketLike } from './types';

/** One WebSocket connection attempt. Reports `close` once (also for "never opened" and open timeouts). */
export function openWebSocket(Ctor: WebSocketCtor, url: string, ev: TransportEvents, openTimeoutMs: number): Transport {
  let opened = false;
  let done = false;
  let ws: WebSocketLike | null = null;
  const finish = (code: number, reason: string) => {
    if (done) return;
    done = true;
    cancelTimeout();
    ev.close(code, reason, opened);
  };
  const cancelTimeout = later(openTimeoutMs, () => {
    if (opened) return;
    try {
      ws?.close();
    } catch {
      /* closing a socket that never opened may throw; it is gone either way */
    }
    finish(1006, 'open timeout');
  });
  try {
    ws = new Ctor(url);
    ws.onopen = () => {
      if (done) return;
      opened = true;
      cancelTimeout();
      ev.open();
    };
    ws.onmessage = (e: { data?: unknown }) => {
      if (!done) ev.message(typeof e.data === 'string' ? e.data : String(e.data));
    };
    // A `close` always follows an `error`; the handler must exist (the `ws` package throws otherwise).
    ws.onerror = () => {};
    ws.onclose = (e: { code?: number; reason?: string }) => finish(e.code ?? 1006, e.reason ?? '');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    queueMicrotask(() => finish(1006, reason));
  }
  return {
    kind: 'ws',
    send(text) {
      if (done || !ws || ws.readyState !== 1) return false;
      ws.send(text);
      return true;
    },
    close() {
      if (done) return;
      done = true;
      cancelTimeout();
      try {
        ws?.close(1000);
      } catch {
        /* already closing */
      }
    },
  };
}
