import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApp } from './helpers/app';
import { TestClient, TestSse, sleep, until } from './realtime/helpers';
import { ServerProcess } from './realtime/processes';

/** src/server.ts as a process: SIGTERM drains for a load balancer, then closes every client with "reconnect elsewhere". */
describe('server process shutdown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordercast-shutdown-'));
  let p: ServerProcess | undefined;
  afterAll(async () => {
    p?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on SIGTERM: /health 503 draining while still serving, then WebSocket 1012, SSE `reconnect`, exit 0', async () => {
    await (await buildTestApp({}, { dir })).close(); // migrated and seeded before the process starts
    p = await ServerProcess.start({ DATABASE_PATH: join(dir, 'app.db'), SHUTDOWN_DRAIN_MS: '2500' });
    const healthy = await p.json('GET', '/health');
    // No POS runs here: degraded, but serving.
    expect(healthy).toMatchObject({ status: 200, body: { status: 'degraded', db: 'up', bus: 'up', pos: 'down' } });
    const manager = await p.staffToken('manager1');
    const cust = await p.customer(930_000_001);
    const ws = await TestClient.ready(`${p.ws}/ws?token=${manager}`);
    const sse = new TestSse(`${p.http}/sse?token=${manager}`);
    await sse.waitFor((m) => m.type === 'connected');
    let exitCode: number | null = null;
    p.child.on('exit', (code) => (exitCode = code));

    p.child.kill('SIGTERM');
    let health = await p.json('GET', '/health');
    for (let i = 0; i < 50 && health.status === 200; i++) {
      await sleep(20);
      health = await p.json('GET', '/health');
    }
    expect(health).toMatchObject({ status: 503, body: { status: 'draining', db: 'up' } });
    expect(health.body.reasons[0]).toMatch(/draining/);
    // Draining still serves: a request that reaches this node before the balancer notices is not lost.
    const id = await p.order(cust.token);
    await ws.waitFor((m) => m.type === 'new-order' && m.data.id === id);
    await sse.waitFor((m) => m.type === 'new-order' && m.data.id === id);

    const closed = await ws.waitClose(10_000);
    expect(closed.code).toBe(1012);
    expect(closed.reason).toMatch(/^service_restart/);
    const hint = await sse.waitFor((m) => m.type === 'reconnect', 5000);
    expect(hint.data).toMatchObject({ code: 1012 });
    sse.close();
    await until(() => p!.exited, 10_000, 'exit');
    expect(exitCode).toBe(0);
  }, 90_000);
});
