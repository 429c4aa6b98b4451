import type { FastifyInstance } from 'fastify';
import { WebSocket, type ClientOptions } from 'ws';
import { EventSource } from 'eventsource';
import { bearer, placeOrder, signInCustomer } from '../helpers/app';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = { type: string; data?: any; id?: number };

export { listen } from '../helpers/app';

export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const ORDER_TYPES = new Set(['new-order', 'order-created', 'order-status-updated', 'bonus-updated']);

/** Events with id <= upTo. */
export const upTo = (msgs: Msg[], id: number) => msgs.filter((m) => m.id! <= id);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A `ws` client that records every message and its close. */
export class TestClient {
  readonly messages: Msg[] = [];
  closeCode: number | undefined;
  closeReason = '';
  opened = false;

  constructor(readonly ws: WebSocket) {
    ws.on('open', () => (this.opened = true));
    ws.on('message', (data) => this.messages.push(JSON.parse(String(data)) as Msg));
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
    });
    ws.on('error', () => {});
  }

  static connect(url: string, opts: ClientOptions = {}): TestClient {
    return new TestClient(new WebSocket(url, { perMessageDeflate: false, ...opts }));
  }

  /** Connects and waits for `connected`. */
  static async ready(url: string, opts: ClientOptions = {}): Promise<TestClient> {
    const c = TestClient.connect(url, opts);
    await c.waitFor((m) => m.type === 'connected');
    return c;
  }

  send(obj: unknown): void {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  events(): Msg[] {
    return this.messages.filter((m) => typeof m.id === 'number');
  }

  /** Order and bonus events only (the POS worker adds sync-* events on its own schedule). */
  orderEvents(): Msg[] {
    return this.events().filter((m) => ORDER_TYPES.has(m.type));
  }

  ofType(type: string): Msg[] {
    return this.messages.filter((m) => m.type === type);
  }

  async waitFor(pred: (m: Msg) => boolean, timeoutMs = 5000): Promise<Msg> {
    let found: Msg | undefined;
    await until(
      () => {
        found = this.messages.find(pred);
        if (!found && this.closeCode !== undefined) throw new Error(`closed ${this.closeCode} ${this.closeReason} while waiting`);
        return !!found;
      },
      timeoutMs,
      'message',
    );
    return found!;
  }

  async waitClose(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    await until(() => this.closeCode !== undefined, timeoutMs, 'close');
    return { code: this.closeCode!, reason: this.closeReason };
  }

  close(): void {
    this.ws.terminate();
  }
}

/** An EventSource client that records every message (the `data:` JSON) with its `lastEventId`. */
export class TestSse {
  readonly messages: Msg[] = [];
  readonly ids: string[] = [];
  errors = 0;
  readonly es: EventSource;

  constructor(url: string, init?: { headers?: Record<string, string> }) {
    const headers = init?.headers;
    this.es = new EventSource(url, headers ? { fetch: (u, i) => fetch(u, { ...i, headers: { ...(i?.headers as Record<string, string>), ...headers } }) } : undefined);
    this.es.onmessage = (e) => {
      this.messages.push(JSON.parse(e.data) as Msg);
      this.ids.push(e.lastEventId);
    };
    this.es.onerror = () => this.errors++;
  }

  events(): Msg[] {
    return this.messages.filter((m) => typeof m.id === 'number');
  }

  orderEvents(): Msg[] {
    return this.events().filter((m) => ORDER_TYPES.has(m.type));
  }

  async waitFor(pred: (m: Msg) => boolean, timeoutMs = 5000): Promise<Msg> {
    let found: Msg | undefined;
    await until(() => !!(found = this.messages.find(pred)), timeoutMs, 'sse message');
    return found!;
  }

  close(): void {
    this.es.close();
  }
}

export async function createOrder(app: FastifyInstance, token: string, cityId = 1): Promise<{ id: number; order_number: string }> {
  const res = await placeOrder(app, token, { cityId });
  if (res.statusCode !== 201) throw new Error(`order failed: ${res.statusCode} ${res.body}`);
  return res.json().order;
}

export async function setStatus(app: FastifyInstance, staffToken: string, orderId: number, status: string): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: `/api/admin/orders/${orderId}/status`,
    headers: bearer(staffToken),
    payload: { status },
  });
  if (res.statusCode !== 200) throw new Error(`status change failed: ${res.statusCode} ${res.body}`);
}

/** A fresh customer's token. */
export async function signInCustomerQuick(app: FastifyInstance): Promise<string> {
  return (await signInCustomer(app)).token;
}
