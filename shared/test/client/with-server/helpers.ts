import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import { EventSource } from 'eventsource';
import type { ConnectionStatus, ServerMessage } from '@ordercast/shared';
import { createRealtimeClient, type RealtimeClient, type RealtimeClientOptions, type WebSocketCtor } from '@ordercast/shared/client';
import { afterEach } from 'vitest';
import { bearer, placeOrder, useServedApp, type ServedApp } from '../../../../server/test/helpers/app';

/** A port nothing listens on (bound, then released). */
export { freePort as closedPort } from '../../../../server/test/helpers/app';

/**
 * For the enclosing `describe`: the test app served on a real port (`t.url.http`), and `track` for
 * the clients a test makes, each closed after its test.
 */
export function useClientStage(): { t: ServedApp; track(r: Recorder): Recorder } {
  const t = useServedApp();
  const clients: Recorder[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.rt.close();
  });
  return { t, track: (r) => (clients.push(r), r) };
}

export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A `ws` WebSocket whose connections go to a dead port while `blocked()` says so, as when a proxy
 * drops WebSocket upgrades. Everything else (fetch, SSE) still reaches the real server.
 */
export function blockableWebSocket(deadPort: number, blocked: () => boolean): WebSocketCtor {
  return class extends WebSocket {
    constructor(url: string) {
      super(blocked() ? url.replace(/:\d+\//, `:${deadPort}/`) : url, { perMessageDeflate: false });
    }
  };
}

/** A shared client wired for Node, recording everything it sees. */
export class Recorder {
  readonly rt: RealtimeClient;
  readonly messages: ServerMessage[] = [];
  readonly statuses: ConnectionStatus[] = [];

  constructor(opts: Partial<RealtimeClientOptions> & Pick<RealtimeClientOptions, 'baseUrl' | 'getToken'>) {
    this.rt = createRealtimeClient({ WebSocket, EventSource, backoff: { initialMs: 50, maxMs: 500 }, ...opts });
    this.rt.onStatus((s) => this.statuses.push(s));
    this.rt.onMessage((m) => this.messages.push(m));
  }

  /** Durable events, in arrival order. */
  events(): (ServerMessage & { id: number })[] {
    return this.messages.filter((m): m is ServerMessage & { id: number } => 'id' in m && typeof m.id === 'number');
  }

  ofType<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  async waitFor(pred: (m: ServerMessage) => boolean, timeoutMs = 5000, what = 'message'): Promise<ServerMessage> {
    let found: ServerMessage | undefined;
    await until(() => !!(found = this.messages.find(pred)), timeoutMs, what);
    return found!;
  }

  waitStatus(s: ConnectionStatus, timeoutMs = 5000): Promise<void> {
    return until(() => this.rt.status === s, timeoutMs, `status ${s} (now ${this.rt.status}; seen ${this.statuses.join(' → ')})`);
  }
}

export async function createOrder(app: FastifyInstance, token: string, cityId = 1): Promise<{ id: number }> {
  const res = await placeOrder(app, token, { cityId });
  if (res.statusCode !== 201) throw new Error(`order failed: ${res.statusCode} ${res.body}`);
  return res.json().order;
}

export async function setStatus(app: FastifyInstance, staffToken: string, orderId: number, status: string): Promise<void> {
  const res = await app.inject({ method: 'POST', url: `/api/admin/orders/${orderId}/status`, headers: bearer(staffToken), payload: { status } });
  if (res.statusCode !== 200) throw new Error(`status change failed: ${res.statusCode} ${res.body}`);
}

/** Ids strictly increasing with no repeats. */
export function strictlyIncreasing(ids: number[]): boolean {
  return ids.every((id, i) => i === 0 || id > ids[i - 1]!);
}

/**
 * A TCP proxy in front of the server. `freeze()` stops forwarding on the open connections without
 * closing them, as a dead network or a sleeping phone does: no FIN, no RST, just silence.
 */
export async function tcpProxy(targetPort: number): Promise<{ url: string; freeze(): void; close(): Promise<void> }> {
  const pairs: { a: Socket; b: Socket; frozen: boolean }[] = [];
  const srv = createServer((a) => {
    const b = connect(targetPort, '127.0.0.1');
    const pair = { a, b, frozen: false };
    pairs.push(pair);
    a.on('data', (d) => void (pair.frozen || b.write(d)));
    b.on('data', (d) => void (pair.frozen || a.write(d)));
    const end = () => {
      if (pair.frozen) return;
      a.destroy();
      b.destroy();
    };
    a.on('close', end).on('error', () => {});
    b.on('close', end).on('error', () => {});
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    freeze() {
      for (const p of pairs) p.frozen = true;
    },
    async close() {
      for (const p of pairs) {
        p.a.destroy();
        p.b.destroy();
      }
      await new Promise((r) => srv.close(r));
    },
  };
}

/**
 * A fetch the test can hold shut: ticket requests made while `hold()` is in force wait until
 * `release()`, so events certainly happen while the client is disconnected. `passed(token)` is a
 * getToken answer held the same way (a WebSocket signing in by message fetches nothing).
 */
export function gatedFetch(): { fetch: typeof fetch; passed<T>(value: T): Promise<T>; hold(): void; release(): void } {
  let gate: Promise<void> = Promise.resolve();
  let open = () => {};
  return {
    fetch: async (url, init) => {
      await gate;
      return fetch(url, init);
    },
    async passed(value) {
      await gate;
      return value;
    },
    hold() {
      gate = new Promise((r) => (open = r));
    },
    release() {
      open();
    },
  };
}
