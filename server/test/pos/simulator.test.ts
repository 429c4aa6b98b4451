import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PosSimulator } from '../../src/pos/simulator/index';
import { verifySignature } from '../../src/pos/signature';
import { FAST_STEP_MINUTES } from '../../src/pos/wire';
import { posOrderBody, posOrders, SECRET, setControl, simPost, startSimulator, waitFor } from './helpers';

/** The simulator on its own, over HTTP, calling back a bare HTTP server that records what it gets. */
describe('POS simulator', () => {
  let sim: PosSimulator;
  let receiver: Server;
  const received: { body: string; valid: boolean }[] = [];
  let answer = 200;

  beforeAll(async () => {
    receiver = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        received.push({ body: raw.toString(), valid: verifySignature(raw, SECRET, req.headers['x-pos-signature']) });
        res.statusCode = answer;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    sim = await startSimulator({ serverUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}` });
  });
  afterAll(async () => {
    await sim.close();
    await new Promise((r) => receiver.close(r));
  });

  const post = (body: unknown) => simPost(sim, '/orders', body);

  it('accepts an order once per external id: the same id again is the same posOrderId', async () => {
    const first = await post(posOrderBody(101));
    expect(first).toMatchObject({ status: 201, json: { externalId: 101, status: 'accepted', duplicate: false } });
    const again = await post(posOrderBody(101));
    expect(again).toMatchObject({ status: 200, json: { posOrderId: first.json.posOrderId, duplicate: true } });
    const stored = await posOrders(sim, 101);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ posOrderId: first.json.posOrderId, requests: 2, status: 'accepted' });
  });

  it('rejects what it cannot cook with POS-style codes', async () => {
    expect(await post(posOrderBody(102, { items: [{ code: 'GL-0404', price: 1, quantity: 1 }], subtotal: 1, total: 1 }))).toMatchObject({
      status: 422,
      json: { code: 'PRODUCT_NOT_FOUND' },
    });
    expect(await post(posOrderBody(103, { items: [{ code: 'GL-0001', price: 400, quantity: 2 }], subtotal: 800, total: 800 }))).toMatchObject({
      status: 422,
      json: { code: 'PRICE_MISMATCH' },
    });
    // Dobos torte is on the stop-list in Saint Petersburg.
    expect(await post(posOrderBody(104, { cityId: 2, items: [{ code: 'GL-0017', price: 360, quantity: 1 }], subtotal: 360, total: 360 }))).toMatchObject({
      status: 422,
      json: { code: 'PRODUCT_UNAVAILABLE' },
    });
    expect(await post(posOrderBody(105, { total: 700 }))).toMatchObject({ status: 422, json: { code: 'TOTAL_MISMATCH' } });
    expect(await post(posOrderBody(106, { cityId: 99 }))).toMatchObject({ status: 422, json: { code: 'CITY_NOT_FOUND' } });
    expect(await post({ externalId: 'x' })).toMatchObject({ status: 400, json: { code: 'VALIDATION_ERROR' } });
    expect(await posOrders(sim, 103)).toEqual([]);
  });

  it('serves its menu: prices and stop-list per city', async () => {
    const menu = (await (await fetch(`${sim.url}/menu`)).json()) as { cities: { cityId: number; items: { code: string; price: number; available: boolean }[] }[] };
    expect(menu.cities.map((c) => c.cityId)).toEqual([1, 2, 3]);
    expect(menu.cities[0]!.items).toHaveLength(21);
    expect(menu.cities[1]!.items.find((i) => i.code === 'GL-0017')).toMatchObject({ available: false, price: 360 });
    const one = (await (await fetch(`${sim.url}/menu?cityId=3`)).json()) as { cities: unknown[] };
    expect(one.cities).toHaveLength(1);
  });

  it('validates and reports its control settings', async () => {
    expect(await (await fetch(`${sim.url}/control`)).json()).toEqual({ latencyMs: 0, failureRate: 0, outage: false, kitchenSpeed: 0, stepMinutes: FAST_STEP_MINUTES });
    const bad = await fetch(`${sim.url}/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage: 'sometimes' }) });
    expect(bad.status).toBe(400);
    expect(await setControl(sim, { latencyMs: 50 })).toMatchObject({ latencyMs: 50 });
    const t0 = Date.now();
    await fetch(`${sim.url}/menu?cityId=1`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    await setControl(sim, { latencyMs: 0 });
  });

  it('cooks, calls back every step signed, and re-sends a step until it gets a 2xx', async () => {
    answer = 500; // the server is in trouble at first
    const accepted = await post(posOrderBody(201, { type: 'delivery', address: 'Arbat 1' }));
    await setControl(sim, { kitchenSpeed: 1000 });
    await waitFor(() => received.filter((r) => r.body.includes('"externalId":201')).length >= 2, 'a re-sent callback');
    answer = 200;
    await waitFor(async () => (await posOrders(sim, 201))[0]?.deliveredStatus === 'delivered', 'kitchen done and acknowledged');
    await setControl(sim, { kitchenSpeed: 0 });
    const mine = received.filter((r) => r.body.includes('"externalId":201'));
    expect(mine.every((r) => r.valid)).toBe(true);
    const steps = mine.map((r) => (JSON.parse(r.body) as { status: string }).status);
    // The first step was repeated while refused; then each step once, in order.
    expect([...new Set(steps)]).toEqual(['cooking', 'ready', 'on_the_way', 'delivered']);
    expect(steps.filter((s) => s === 'cooking').length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(mine[0]!.body)).toMatchObject({ posOrderId: accepted.json.posOrderId, externalId: 201, eventId: `${accepted.json.posOrderId}:cooking` });
  });

  it('outages: refused connections and hanging requests, while /control keeps answering', async () => {
    await setControl(sim, { outage: 'refuse' });
    await expect(fetch(`${sim.url}/menu`)).rejects.toThrow();
    await setControl(sim, { outage: 'hang' });
    await expect(fetch(`${sim.url}/menu`, { signal: AbortSignal.timeout(150) })).rejects.toThrow(/timeout|aborted/i);
    await setControl(sim, { outage: false, failureRate: 1 });
    const failed = await fetch(`${sim.url}/menu`);
    expect(failed.status).toBe(503);
    expect(await failed.json()).toMatchObject({ code: 'UNAVAILABLE' });
    await setControl(sim, { failureRate: 0 });
    expect((await fetch(`${sim.url}/menu`)).status).toBe(200);
  });
});
