import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { TEST_BOT_TOKEN, signInCustomer } from '../helpers/app';
import { TestClient, listen, sleep } from './helpers';

describe('realtime logs', () => {
  let app: FastifyInstance;
  let dir: string;
  const lines: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ordercast-rtlogs-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'debug',
      DATABASE_PATH: join(dir, 'app.db'),
      TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN,
      POS_SIM_PORT: '0',
      POS_URL: 'http://127.0.0.1:9',
      SERVE_APPS: 'false',
    });
    const logStream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    app = await buildApp(config, { logStream });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never print WebSocket tokens or tickets, accepted, refused or misrouted', async () => {
    const url = await listen(app);
    const { token } = await signInCustomer(app);
    const tampered = `${token.slice(0, -4)}AAAA`;
    const ticketRes = await app.inject({ method: 'POST', url: '/api/realtime/ticket', headers: { authorization: `Bearer ${token}` } });
    const { ticket } = ticketRes.json();
    const ok = await TestClient.ready(`${url.ws}/ws?token=${token}`);
    const byTicket = await TestClient.ready(`${url.ws}/?ticket=${ticket}`);
    const refused = TestClient.connect(`${url.ws}/ws?token=${tampered}`);
    await refused.waitClose();
    const reused = TestClient.connect(`${url.ws}/ws?ticket=${ticket}`);
    await reused.waitClose();
    // An upgrade to a route that is not a WebSocket endpoint is refused without logging its URL.
    const misrouted = TestClient.connect(`${url.ws}/health?token=${token}`);
    await misrouted.waitClose();
    expect(misrouted.opened).toBe(false);
    ok.send({ type: 'ping', pad: 'x'.repeat(20_000) }); // 1009, logged at debug
    await ok.waitClose();
    byTicket.close();
    await sleep(100);
    const all = lines.join('');
    expect(all).toContain('[redacted]');
    for (const secret of [token, token.split('.')[2]!, tampered.split('.')[2]!, ticket, ticket.split('.')[0]]) {
      expect(all).not.toContain(secret);
    }
  });
});
