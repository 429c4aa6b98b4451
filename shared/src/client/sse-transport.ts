import { later, type EventSourceCtor, type EventSourceLike, type Transport, type TransportEvents } from './types';

/**
 * One EventSource connection. EventSource would reconnect by itself, but with the same URL (whose
 * ticket is single-use) and without our backoff: on the first error it is closed and the client
 * decides what comes next. HTTP 401 (the `eventsource` package reports `code`) maps to 4401.
 */
export function openEventSource(Ctor: EventSourceCtor, url: string, ev: TransportEvents, openTimeoutMs: number): Transport {
  let opened = false;
  let done = false;
  let es: EventSourceLike | null = null;
  const finish = (code: number, reason: string) => {
    if (done) return;
    done = true;
    cancelTimeout();
    try {
      es?.close();
    } catch {
      /* ignore */
    }
    ev.close(code, reason, opened);
  };
  const cancelTimeout = later(openTimeoutMs, () => {
    if (!opened) finish(1006, 'open timeout');
  });
  try {
    es = new Ctor(url);
    es.onopen = () => {
      if (done) return;
      opened = true;
      cancelTimeout();
      ev.open();
    };
    es.onmessage = (e: { data?: unknown }) => {
      if (!done && typeof e.data === 'string') ev.message(e.data);
    };
    es.onerror = (e: { code?: number; message?: string } | undefined) =>
      finish(e?.code === 401 ? 4401 : 1006, e?.message ?? 'EventSource error');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    queueMicrotask(() => finish(1006, reason));
  }
  return {
    kind: 'sse',
    send: () => false,
    close() {
      if (done) return;
      done = true;
      cancelTimeout();
      es?.close();
    },
  };
}
