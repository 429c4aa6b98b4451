/// <reference types="node" />
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api-error';
import { createApiClient, withQuery } from '../src/api-client';

/** A real HTTP server on an ephemeral port: each path answers the way a case needs. */
let server: Server;
let base = '';
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
let validToken = 'fresh';

function reply(res: ServerResponse, status: number, body?: unknown, type = 'application/json'): void {
  res.writeHead(status, body === undefined ? {} : { 'content-type': type });
  res.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const path = req.url!.split('?')[0];
      if (path === '/echo') return reply(res, 200, { method: req.method, url: req.url, body: body ? JSON.parse(body) : null });
      if (path === '/empty') return reply(res, 204);
      if (path === '/bad') return reply(res, 422, { error: 'bonus_limit_exceeded', message: 'At most 300 bonuses' });
      if (path === '/html') return reply(res, 502, '<h1>Bad gateway</h1>', 'text/html');
      if (path === '/private') {
        return req.headers.authorization === `Bearer ${validToken}` ? reply(res, 200, { ok: true }) : reply(res, 401, { error: 'unauthorized', message: 'expired' });
      }
      if (path === '/slow') return void setTimeout(() => reply(res, 200, { late: true }), 2_000);
      reply(res, 404, { error: 'not_found', message: 'no such path' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function failure(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

describe('createApiClient', () => {
  it('sends JSON with the token and the query, and reads JSON back', async () => {
    const api = createApiClient({ baseUrl: base, getToken: () => 'tok' });
    const r = await api.request<{ method: string; url: string; body: unknown }>('/echo', {
      method: 'POST',
      body: { a: 1 },
      query: { cityId: 2, q: '', skip: undefined, none: null },
    });
    expect(r).toEqual({ method: 'POST', url: '/echo?cityId=2', body: { a: 1 } });
    const req = seen.at(-1)!;
    expect(req.headers.authorization).toBe('Bearer tok');
    expect(req.headers['content-type']).toBe('application/json');
  });

  it('sends no token when told not to, or when there is none', async () => {
    await createApiClient({ baseUrl: base, getToken: () => 'tok' }).request('/echo', { auth: false });
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
    await createApiClient({ baseUrl: base, getToken: () => null }).request('/echo');
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
    expect(seen.at(-1)!.headers['content-type']).toBeUndefined();
  });

  it('204 resolves to undefined', async () => {
    expect(await createApiClient({ baseUrl: base }).request('/empty', { method: 'DELETE' })).toBeUndefined();
  });

  it("turns the server's {error, message} into an ApiError, and a non-JSON failure into http_<status>", async () => {
    const api = createApiClient({ baseUrl: base });
    const e = await failure(api.request('/bad', { method: 'POST', body: {} }));
    expect([e.status, e.code, e.message]).toEqual([422, 'bonus_limit_exceeded', 'At most 300 bonuses']);
    const html = await failure(api.request('/html'));
    expect([html.status, html.code, html.message]).toEqual([502, 'http_502', 'Request failed (502)']);
  });

  it('a closed port is a network error (status 0) in the app’s words', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const e = await failure(createApiClient({ baseUrl: `http://127.0.0.1:${port}`, networkMessage: 'No connection' }).request('/echo'));
    expect([e.status, e.code, e.message]).toEqual([0, 'network', 'No connection']);
  });

  it('gives up after the timeout with code timeout, and the caller’s abort gives code aborted', async () => {
    const api = createApiClient({ baseUrl: base, timeoutMs: 200 });
    const started = Date.now();
    const e = await failure(api.request('/slow'));
    expect(e.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_500);

    const ac = new AbortController();
    const p = createApiClient({ baseUrl: base }).request('/slow', { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    expect((await failure(p)).code).toBe('aborted');
    const pre = new AbortController();
    pre.abort();
    expect((await failure(createApiClient({ baseUrl: base }).request('/echo', { signal: pre.signal }))).code).toBe('aborted');
  });

  it('on a 401 asks to renew the token and retries once; without a renewal the 401 comes through', async () => {
    let token = 'stale';
    let renewals = 0;
    const api = createApiClient({
      baseUrl: base,
      getToken: () => token,
      onUnauthorized: async () => {
        renewals++;
        token = 'fresh';
        return true;
      },
    });
    expect(await api.request('/private')).toEqual({ ok: true });
    expect(renewals).toBe(1);

    // The renewal does not help: one retry only, then the 401.
    validToken = 'other';
    token = 'stale';
    const stuck = await failure(api.request('/private'));
    expect(stuck.status).toBe(401);
    expect(renewals).toBe(2);

    let told = 0;
    const admin = createApiClient({ baseUrl: base, getToken: () => 'stale', onUnauthorized: () => void told++ });
    expect((await failure(admin.request('/private'))).code).toBe('unauthorized');
    expect(told).toBe(1);
  });

  it('withQuery leaves out empty values and appends to an existing query', async () => {
    expect(withQuery('/a', { x: 1, y: '', z: undefined })).toBe('/a?x=1');
    expect(withQuery('/a?x=1', { y: 'b c' })).toBe('/a?x=1&y=b+c');
    expect(withQuery('/a', {})).toBe('/a');
  });
});
