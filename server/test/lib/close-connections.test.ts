import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { Api } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { closeConnectionsAfterResponses } from '../../src/lib/close-connections';
import { startSimulator } from '../pos/helpers';
import { startSim } from '../bot/helpers';
import { buildTestApp, TEST_BOT_TOKEN, type TestApp } from '../helpers/app';

/** A raw keep-alive client: nothing on this side ever closes the connection. */
function client(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (received += d));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  const until = async (what: RegExp) => {
    while (!what.test(received)) await new Promise((r) => setTimeout(r, 10));
  };
  return { socket, ended, until, get received() { return received; } };
}

const LOGIN = 'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n';

describe('closing the server with keep-alive connections open', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    t?.app.server.closeAllConnections();
    await t?.close();
    t = undefined;
  });

  it('ends a connection whose request was running when close began, after its response', { timeout: 60_000 }, async () => {
    t = await buildTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;

    const idle = client(port);
    idle.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await idle.until(/\r\n\r\n/);
    expect(idle.received).toMatch(/^HTTP\/1\.1 200/);

    // Half the body: the request is running (headers in, handler waiting) when close begins.
    const busy = client(port);
    busy.socket.write(`${LOGIN}{`);
    await new Promise((r) => setTimeout(r, 300));
    const closed = t.app.close();
    await idle.ended;
    busy.socket.write('}');
    await busy.until(/\r\n\r\n/);
    expect(busy.received).toMatch(/^HTTP\/1\.1 400/);
    // Without it the connection would stay open, idle, for the 72 s keep-alive, and close() with it.
    expect(busy.received).toMatch(/\r\nConnection: close\r\n/i);
    await busy.ended;
    await closed;
  });

  it('ends a connection whose response was streaming when close began, once it is done', { timeout: 60_000 }, async () => {
    const app = Fastify({ forceCloseConnections: 'idle' });
    closeConnectionsAfterResponses(app);
    let finish = () => {};
    app.get('/stream', (_req, reply) => {
      reply.raw.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
      reply.raw.write('first\n');
      finish = () => reply.raw.end('last\n');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const c = client((app.server.address() as AddressInfo).port);
      c.socket.write('GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await c.until(/first/);
      expect(c.received).toMatch(/\r\nConnection: keep-alive\r\n/i);
      const closed = app.close();
      await new Promise((r) => setTimeout(r, 100));
      finish();
      await c.until(/last/);
      await c.ended;
      await closed;
    } finally {
      app.server.closeAllConnections();
    }
  });
});

describe('closing the simulators with keep-alive client connections open', () => {
  it('the Telegram simulator: grammY\'s keep-alive agent idle, and a long poll running', { timeout: 60_000 }, async () => {
    const sim = await startSim();
    const api = new Api(TEST_BOT_TOKEN, { apiRoot: sim.url });
    expect((await api.getMe()).is_bot).toBe(true);
    const poll = api.getUpdates({ timeout: 50 }).then(() => 'answered', () => 'cut');
    await new Promise((r) => setTimeout(r, 300));
    await sim.close();
    expect(['answered', 'cut']).toContain(await poll);
  });

  it('the POS simulator: one connection idle, one request running', { timeout: 60_000 }, async () => {
    const sim = await startSimulator({ control: { kitchenSpeed: 0, latencyMs: 30_000 } });
    const port = Number(new URL(sim.url).port);
    const idle = client(port);
    idle.socket.write('GET /control HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await idle.until(/\r\n\r\n/);
    const busy = client(port);
    busy.socket.write('GET /menu HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((r) => setTimeout(r, 300));
    await sim.close();
    await Promise.all([idle.ended, busy.ended]);
  });
});
