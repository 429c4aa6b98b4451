import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { startPosSimulator, type PosSimulator, type PosSimulatorOptions } from '../../src/pos/simulator/index';
import { sign } from '../../src/pos/signature';
import type { PosControl, PosControlPatch, PosOrder, PosOrderBody, PosWebhookBody } from '../../src/pos/wire';
import { buildTestApp, useClosing, type TestApp } from '../helpers/app';
import { testSql } from '../helpers/db';

export const SECRET = 'pos-test-webhook-secret';

export interface PosEnv {
  sim: PosSimulator;
  t: TestApp;
  app: FastifyInstance;
  serverUrl: string;
  close(): Promise<void>;
}

/**
 * The real thing on ephemeral ports: the POS simulator, the server listening on 127.0.0.1 with
 * POS_URL pointing at the simulator, and the simulator calling the server back. Fast retries by
 * default; `env` overrides any setting.
 */
export async function startSimulator(opts: Partial<PosSimulatorOptions> = {}): Promise<PosSimulator> {
  return startPosSimulator({ port: 0, webhookSecret: SECRET, tickMs: 10, control: { kitchenSpeed: 0 }, ...opts });
}

export async function buildServer(sim: PosSimulator, env: Record<string, string> = {}, opts: { dir?: string } = {}): Promise<TestApp & { serverUrl: string }> {
  const t = await buildTestApp(
    {
      POS_URL: sim.url,
      POS_SYNC_WORKER: 'true',
      POS_WEBHOOK_SECRET: SECRET,
      POS_TIMEOUT_MS: '1000',
      POS_RETRY_BASE_MS: '20',
      POS_RETRY_MAX_MS: '80',
      POS_MAX_ATTEMPTS: '50',
      ...env,
    },
    opts,
  );
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const serverUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  sim.setServerUrl(serverUrl);
  return { ...t, serverUrl };
}

export async function startPosEnv(env: Record<string, string> = {}, simOpts: Partial<PosSimulatorOptions> = {}): Promise<PosEnv> {
  const sim = await startSimulator(simOpts);
  const t = await buildServer(sim, env).catch(async (err: unknown) => {
    await sim.close();
    throw err;
  });
  return {
    sim,
    t,
    app: t.app,
    serverUrl: t.serverUrl,
    async close() {
      await t.close();
      await sim.close();
    },
  };
}

/** `startPosEnv` for the enclosing describe: started in its beforeAll, closed in its afterAll (`env.app`, `env.sim` in tests and later hooks). */
export function usePosEnv(env: Record<string, string> = {}, simOpts: Partial<PosSimulatorOptions> = {}): PosEnv {
  return useClosing('usePosEnv', () => startPosEnv(env, simOpts), ['sim', 't', 'app', 'serverUrl']);
}

/** Polls until fn returns a truthy value (bounded); returns it. */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 8_000, everyMs = 15): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StoredEvent {
  id: number;
  type: string;
  rooms: string[];
  data: Record<string, unknown>;
}

/** The durable event log as written (what clients get), optionally after an id. */
export async function readEvents(app: FastifyInstance, afterId = 0): Promise<StoredEvent[]> {
  const rows = await testSql(app).all<{ id: number; type: string; rooms: string; payload: string }>(
    'SELECT id, type, rooms, payload FROM events WHERE id > @afterId ORDER BY id',
    { afterId },
  );
  return rows.map((r) => ({ id: r.id, type: r.type, rooms: JSON.parse(r.rooms) as string[], data: JSON.parse(r.payload) as Record<string, unknown> }));
}

export async function lastEventId(app: FastifyInstance): Promise<number> {
  return app.events.log.highestId();
}

/** Events about one order (by `orderId`, `entityId` for entity order, or the order object's `id`). */
export async function orderEvents(app: FastifyInstance, orderId: number, afterId = 0): Promise<StoredEvent[]> {
  return (await readEvents(app, afterId)).filter((e) => {
    const d = e.data;
    if (e.type === 'sync-error' || e.type === 'sync-success') return d.entity === 'order' && d.entityId === orderId;
    if (e.type === 'new-order' || e.type === 'order-created') return d.id === orderId;
    if (e.type === 'order-status-updated') return d.orderId === orderId;
    if (e.type === 'bonus-updated') return (d.operation as { orderId?: number } | undefined)?.orderId === orderId;
    return false;
  });
}

export interface JobRow {
  id: number;
  status: string;
  attempts: number;
  last_error: string | null;
  last_error_code: string | null;
  lease_until: string | null;
  next_attempt_at: string;
}

/** The order's outbox job: sending it (`send`, default) or telling the POS of its cancel (`cancel`). */
export async function jobOf(app: FastifyInstance, orderId: number, kind: 'send' | 'cancel' = 'send'): Promise<JobRow> {
  return (await testSql(app).get<JobRow>("SELECT * FROM pos_sync_jobs WHERE entity = 'order' AND entity_id = @orderId AND kind = @kind", { orderId, kind }))!;
}

export interface OrderRow {
  status: string;
  sync_status: string;
  pos_order_id: string | null;
}

export async function orderRow(app: FastifyInstance, orderId: number): Promise<OrderRow> {
  return (await testSql(app).get<OrderRow>('SELECT status, sync_status, pos_order_id FROM orders WHERE id = @orderId', { orderId }))!;
}

/* The simulator, over HTTP only. */

export async function setControl(sim: PosSimulator, patch: PosControlPatch): Promise<PosControl> {
  const res = await fetch(`${sim.url}/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) });
  if (!res.ok) throw new Error(`control failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as PosControl;
}

export async function posOrders(sim: PosSimulator, externalId?: number): Promise<PosOrder[]> {
  const res = await fetch(`${sim.url}/orders${externalId ? `?externalId=${externalId}` : ''}`);
  return ((await res.json()) as { orders: PosOrder[] }).orders;
}

/** Sends a kitchen callback as the POS would (signed with `secret`), or with the given signature header. */
export async function sendWebhook(
  serverUrl: string,
  body: PosWebhookBody | string,
  opts: { secret?: string; signature?: string | null } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = opts.signature === undefined ? sign(raw, opts.secret ?? SECRET) : opts.signature;
  if (signature !== null) headers['x-pos-signature'] = signature;
  const res = await fetch(`${serverUrl}/api/pos/webhook`, { method: 'POST', headers, body: raw });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** An order as the server sends it to the POS: one Гуляш-суп (GL-0001 at 390) for pickup in city 1, unless `over` says otherwise. */
export function posOrderBody(externalId: number, over: Partial<PosOrderBody> = {}): PosOrderBody {
  return {
    externalId,
    orderNumber: String(externalId),
    cityId: 1,
    type: 'pickup',
    items: [{ code: 'GL-0001', price: 390, quantity: 1 }],
    subtotal: 390,
    bonusesUsed: 0,
    total: 390,
    createdAt: new Date().toISOString(),
    ...over,
  };
}

/** A JSON POST straight to the simulator (`/orders`, `/menu/items`), as the server would make it: the status and the JSON answer. */
export async function simPost<J = Record<string, unknown>>(sim: PosSimulator, path: string, body: unknown): Promise<{ status: number; json: J }> {
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as J };
}
