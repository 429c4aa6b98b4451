import type { SseAuthBody, TicketResponse } from '../schemas/realtime';
import { later, type FetchLike } from './types';

/** The server refused the credentials (HTTP 401): the app should sign in again before the next try. */
export class AuthError extends Error {}

export interface HttpDeps {
  /** The server's base URL, no trailing slash. */
  base: string;
  fetch?: FetchLike;
  getToken: () => string | Promise<string>;
  /** A request with no answer by then fails (a dead keep-alive connection would otherwise hang for minutes). */
  timeoutMs: number;
  /** Trade the JWT for a single-use ticket (false: the JWT goes in the URL). */
  useTicket: boolean;
}

/** The client's HTTP side: credentials for a connection attempt, and room changes while on SSE. */
export function createRealtimeHttp(deps: HttpDeps) {
  let useTicket = deps.useTicket;

  const fetchFn = (): FetchLike => {
    if (deps.fetch) return deps.fetch;
    const g = globalThis as { fetch?: FetchLike };
    if (!g.fetch) throw new Error('realtime client: no fetch available; pass options.fetch');
    // Called through globalThis: a detached window.fetch throws "Illegal invocation" in browsers.
    return (url, init) => g.fetch!(url, init);
  };

  async function request(url: string, init: { method: string; headers: Record<string, string>; body?: string }) {
    const ctl = typeof AbortController === 'function' ? new AbortController() : undefined;
    let cancel = () => {};
    const timeout = new Promise<never>((_, reject) => {
      cancel = later(deps.timeoutMs, () => {
        ctl?.abort();
        reject(new Error(`${url}: no answer in ${deps.timeoutMs} ms`));
      });
    });
    try {
      return await Promise.race([fetchFn()(url, ctl ? { ...init, signal: ctl.signal } : init), timeout]);
    } finally {
      cancel();
    }
  }

  return {
    /**
     * A JSON call to the API with the current token (the chat's REST side). Network failures and
     * timeouts throw; any HTTP answer resolves with its status and parsed body (null if none).
     */
    async api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
      const token = await deps.getToken();
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await request(`${deps.base}${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
      let parsed: unknown = null;
      if (res.status !== 204) {
        try {
          parsed = await res.json();
        } catch {
          parsed = null;
        }
      }
      return { status: res.status, body: parsed };
    },

    /** The query-string credentials of one connection attempt: `ticket=…` or `token=…`. Throws AuthError on 401. */
    async credentials(): Promise<string> {
      const token = await deps.getToken();
      if (useTicket) {
        const res = await request(`${deps.base}/api/realtime/ticket`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        if (res.status === 401) throw new AuthError('ticket refused: 401');
        if (res.ok) return `ticket=${encodeURIComponent(((await res.json()) as TicketResponse).ticket)}`;
        // A server without tickets: fall back to the token in the URL (seed 001 style).
        if (res.status !== 404) throw new Error(`ticket request failed: HTTP ${res.status}`);
        useTicket = false;
      }
      return `token=${encodeURIComponent(token)}`;
    },

    /**
     * SSE's answer to `token-expiring` (it has no upstream): the fresh token as the bearer of
     * POST /api/realtime/auth. False when it did not take (e.g. the stream is on another process);
     * the stream then ends at the old token's expiry and the client reconnects and resumes.
     */
    async refreshSse(connectionId: string, token: string): Promise<boolean> {
      try {
        const body: SseAuthBody = { connectionId };
        const res = await request(`${deps.base}/api/realtime/auth`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return res.ok;
      } catch {
        return false;
      }
    },

    /** SSE has no upstream: room changes go over REST. Resolves 'forbidden' on 403; other failures are swallowed
     *  (the connection is probably gone, and the rooms are re-joined after the reconnect). */
    async room(action: 'join' | 'leave', connectionId: string, roomId: string): Promise<'ok' | 'forbidden'> {
      try {
        const token = await deps.getToken();
        const res = await request(`${deps.base}/api/realtime/rooms/${action}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ connectionId, roomId }),
        });
        return res.status === 403 ? 'forbidden' : 'ok';
      } catch {
        return 'ok';
      }
    },
  };
}

export type RealtimeHttp = ReturnType<typeof createRealtimeHttp>;
