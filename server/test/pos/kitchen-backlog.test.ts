import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PosSimulator } from '../../src/pos/simulator/index';
import { posOrderBody, setControl, simPost, startSimulator, waitFor } from './helpers';

/**
 * Issue 11 item 7: a POS restarted with a big kitchen backlog opened one webhook per order at once
 * (file descriptors exhausted, the server unreachable). The kitchen's callbacks are now bounded;
 * the receiving side counts how many are open at once.
 */
const BACKLOG = 2_000;
const LIMIT = 8;

describe('POS simulator: a big kitchen backlog', () => {
  let sim: PosSimulator;
  let receiver: Server;
  let open = 0;
  let maxOpen = 0;
  const cooking = new Set<number>();

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { externalId: number; status: string };
        // A server that takes a moment per callback, so sends overlap when nothing bounds them.
        setTimeout(() => {
          if (body.status === 'cooking') cooking.add(body.externalId);
          open--;
          res.end('{}');
        }, 2);
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    sim = await startSimulator({ serverUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, webhookConcurrency: LIMIT });
    // The backlog: thousands of accepted orders while the kitchen is paused.
    const post = (externalId: number) =>
      simPost(sim, '/orders', posOrderBody(externalId)).then((r) => {
        if (r.status !== 201) throw new Error(`POS answered ${r.status}`);
      });
    for (let i = 0; i < BACKLOG; i += 100) await Promise.all(Array.from({ length: 100 }, (_, k) => post(1 + i + k)));
  }, 60_000);
  afterAll(async () => {
    await sim.close();
    await new Promise((r) => receiver.close(r));
  });

  it(`opens at most ${LIMIT} webhook requests at once, and still reports every step`, async () => {
    expect(open).toBe(0);
    // Every order reaches its next step at once.
    await setControl(sim, { kitchenSpeed: 1_000 });
    await waitFor(() => cooking.size === BACKLOG, `all ${BACKLOG} "cooking" callbacks`, 30_000);
    await setControl(sim, { kitchenSpeed: 0 });
    expect(maxOpen).toBeLessThanOrEqual(LIMIT);
    expect(maxOpen).toBeGreaterThan(1);
  }, 40_000);
});
