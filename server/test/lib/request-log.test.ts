import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildLoggedApp } from '../helpers/app';

describe('logs', () => {
  let app: FastifyInstance;
  let lines: string[];
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ app, lines, close } = await buildLoggedApp());
  });
  afterAll(() => close());

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
