import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app';
import { loadConfig } from '../../../src/config/config';
import { TEST_BOT_TOKEN } from '../../helpers/app';
import { launchChromium } from '../../helpers/browser';

/** Routes that are not part of the API and say so with `schema: { hide: true }`. */
const HIDDEN_ALLOWED = [/^\/docs(\/|$)/, /^\/demo$/, /^\/$/, /^\/(app|admin|static)(\/|$)/];

interface Spec {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }>; requestBody?: unknown; parameters?: { in: string; name: string }[] }>>;
}

describe('the API documents itself', () => {
  let app: FastifyInstance;
  let dir: string;
  const routes: RouteOptions[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ordercast-docs-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_PATH: join(dir, 'app.db'),
      TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN,
      POS_SIM_PORT: '0',
      POS_URL: 'http://127.0.0.1:9',
      POS_SYNC_WORKER: 'false',
      // With the apps' routes too, when they are built.
      SERVE_APPS: 'true',
    });
    app = await buildApp(config, { logger: false, onRoute: (r) => void routes.push(r) });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every route declares its schema: its answers, or that it is not part of the API', async () => {
    const missing: string[] = [];
    for (const r of routes) {
      const methods = ([] as string[]).concat(r.method);
      if (methods.every((m) => m === 'HEAD')) continue; // Fastify's automatic twin of a GET
      const name = `${methods.join(',')} ${r.url}`;
      const schema = r.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
      if ((r as { websocket?: boolean }).websocket) continue; // upgrade-only: documented with the realtime messages
      if (!schema) missing.push(`${name}: no schema`);
      else if (schema.hide) {
        if (!HIDDEN_ALLOWED.some((re) => re.test(r.url))) missing.push(`${name}: hidden, but it is an API route`);
      } else if (!Object.keys(schema.response ?? {}).some((code) => /^2/.test(code))) {
        missing.push(`${name}: no response schema for success`);
      }
    }
    expect(missing).toEqual([]);
    expect(routes.length).toBeGreaterThan(30);
  });

  it('serves an OpenAPI 3 document built from the TypeBox schemas', async () => {
    const res = await app.inject({ url: '/docs/openapi.json' });
    expect(res.statusCode).toBe(200);
    const spec = res.json<Spec>();
    expect(spec.openapi).toMatch(/^3\./);
    const create = spec.paths['/api/orders']!.post!;
    expect(create.requestBody).toMatchObject({ content: { 'application/json': { schema: { type: 'object', required: expect.arrayContaining(['cityId', 'items']) } } } });
    expect(create.responses['201']!.content).toBeDefined();
    const status = spec.paths['/api/admin/orders/{id}/status']!.post!;
    expect(status.parameters).toContainEqual(expect.objectContaining({ in: 'path', name: 'id' }));
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        // A 204 has no body by definition; every other success names its body's schema.
        const ok = Object.entries(op.responses).filter(([code, r]) => code === '204' || (/^2/.test(code) && r.content));
        expect(ok, `${method} ${path}`).not.toEqual([]);
      }
    }
    expect(Object.keys(spec.paths)).not.toContain('/demo');
  });

  it('shows an interactive reference at /docs, in a real browser', async () => {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    expect((await app.inject({ url: '/docs' })).headers.location).toBe('/docs/');
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${address}/docs/`);
      await page.getByText('/api/orders/{id}/cancel').first().waitFor({ timeout: 20_000 });
      await page.getByText('ordercast API').first().waitFor();
      expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
