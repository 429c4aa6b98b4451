import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTestApp, signInCustomer, bearer, useClosing, type TestApp } from '../helpers/app';

const { version } = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };

/** Issue 13: behind a balancer, /health and every response say which node answered. */
describe('which node answered', () => {
  // Two nodes of one deployment: one database (the same SQLite file, or PostgreSQL database on its pass).
  const pair = useClosing<{ a: TestApp; b: TestApp; close(): Promise<void> }>(
    'nodes',
    async () => {
      const a = await buildTestApp();
      const b = await buildTestApp({}, { dir: a.dir }).catch(async (err: unknown) => {
        await a.close();
        throw err;
      });
      return {
        a,
        b,
        async close() {
          await b.close();
          await a.close();
        },
      };
    },
    ['a', 'b'],
  );

  it('/health names the node (its bus id) and the server version; two nodes differ', async () => {
    const bodies: { node: string }[] = [];
    for (const t of [pair.a, pair.b]) {
      const res = await t.app.inject({ url: '/health' });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ db: 'up', bus: 'up', node: t.app.events.bus.nodeId, version });
      expect(body.node).toMatch(/^[0-9a-f]{8}$/);
      expect(res.headers['x-ordercast-node']).toBe(body.node);
      bodies.push(body);
    }
    expect(bodies[0].node).not.toBe(bodies[1].node);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('every response carries x-ordercast-node: answers, errors, 404s', async () => {
    const { app } = pair.a;
    const node = app.events.bus.nodeId;
    const { token } = await signInCustomer(app);
    const responses = [
      await app.inject({ url: '/api/cities' }),
      await app.inject({ url: '/api/me', headers: bearer(token) }),
      await app.inject({ url: '/api/me' }),
      await app.inject({ url: '/api/menu?cityId=abc' }),
      await app.inject({ method: 'POST', url: '/api/orders', headers: { ...bearer(token), 'content-type': 'application/json' }, payload: '{bad json' }),
      await app.inject({ url: '/nope' }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 401, 400, 400, 404]);
    for (const r of responses) expect(r.headers['x-ordercast-node']).toBe(node);
  });

  it('a draining node says which it is in its 503', async () => {
    const { app } = pair.b;
    app.lifecycle.startDraining();
    const res = await app.inject({ url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'draining', node: app.events.bus.nodeId, version });
    expect(res.headers['x-ordercast-node']).toBe(app.events.bus.nodeId);
  });
});
