import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { TEST_BOT_TOKEN } from '../helpers/app';

describe('logs', () => {
  let app: FastifyInstance;
  let dir: string;
  const lines: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ordercast-logs-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_PATH: join(dir, 'app.db'),
      TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN,
      POS_SIM_PORT: '0',
      POS_URL: 'http://127.0.0.1:9',
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

  it('never contain tokens or tickets from URLs, even on failed requests', async () => {
    const jwt = app.jwt.sign({ sub: '1', role: 'admin' });
    await app.inject({ url: `/health?token=${jwt}` });
    // A tampered token is refused at once (and is what an error log would be tempted to print).
    const tampered = `${jwt.slice(0, -4)}AAAA`;
    await app.inject({ url: `/sse?token=${tampered}&lastEventId=3` });
    await app.inject({ url: `/ws/stats?token=${jwt}` });
    await app.inject({ url: '/sse?ticket=SECRETTICKET123' });
    await app.inject({ url: `/nope?access_token=${jwt}` });
    const all = lines.join('');
    expect(all).toContain('[redacted]');
    expect(all).not.toContain(jwt);
    expect(all).not.toContain(jwt.split('.')[2]!);
    expect(all).not.toContain('SECRETTICKET123');
    expect(all).not.toContain(tampered.split('.')[1]!);
  });
});
