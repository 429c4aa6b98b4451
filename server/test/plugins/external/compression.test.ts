import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { demoInitData } from '../../../src/auth/telegram';
import { cacheControlFor } from '../../../src/routes/spa';
import { bearer, useTestApp, signInCustomer, TEST_BOT_TOKEN } from '../../helpers/app';

const t = useTestApp({ POS_SYNC_WORKER: 'false' });

describe('compressed answers for a phone', () => {
  it('a menu (JSON above the threshold) comes brotli- or gzip-compressed, as the client accepts', async () => {
    const plain = await t.app.inject({ url: '/api/menu?cityId=1' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const br = await t.app.inject({ url: '/api/menu?cityId=1', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    expect(JSON.parse(brotliDecompressSync(br.rawPayload).toString())).toEqual(plain.json());
    const gz = await t.app.inject({ url: '/api/menu?cityId=1', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString())).toEqual(plain.json());
  });

  it('small answers and writes go out as they are', async () => {
    const { token } = await signInCustomer(t.app);
    const me = await t.app.inject({ url: '/api/me', headers: { ...bearer(token), 'accept-encoding': 'br, gzip' } });
    expect(me.rawPayload.length).toBeLessThan(1024);
    expect(me.headers['content-encoding']).toBeUndefined();
    // Every dish without a required choice (a size): enough lines for an answer over 1 KB.
    const items = Array.from({ length: 21 }, (_, i) => ({ productId: i + 1, quantity: 1 })).filter((i) => ![7, 14, 21].includes(i.productId));
    const write = await t.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { ...bearer(token), 'accept-encoding': 'br, gzip' },
      payload: { cityId: 1, restaurantId: 1, items, delivery: { type: 'pickup' } },
    });
    expect(write.statusCode).toBe(201);
    expect(write.rawPayload.length).toBeGreaterThan(1024);
    expect(write.headers['content-encoding']).toBeUndefined();
  });

  it('Telegram sign-in with withMenu carries the city menu (compressed), and without a city carries none', async () => {
    const tgUser = { id: 880_001, first_name: 'Net', language_code: 'en' };
    const first = await t.app.inject({ method: 'POST', url: '/api/auth/telegram', payload: { initData: demoInitData(tgUser, TEST_BOT_TOKEN), withMenu: true } });
    expect(first.statusCode).toBe(200);
    expect(first.json().menu).toBeUndefined();
    await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(first.json().token), payload: { cityId: 2 } });
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/auth/telegram',
      headers: { 'accept-encoding': 'br' },
      payload: { initData: demoInitData(tgUser, TEST_BOT_TOKEN), withMenu: true },
    });
    expect(again.headers['content-encoding']).toBe('br');
    const body = JSON.parse(brotliDecompressSync(again.rawPayload).toString());
    expect(body.user.city_id).toBe(2);
    expect(body.menu).toEqual((await t.app.inject({ url: '/api/menu?cityId=2' })).json());
    const without = await t.app.inject({ method: 'POST', url: '/api/auth/telegram', payload: { initData: demoInitData(tgUser, TEST_BOT_TOKEN) } });
    expect(without.json().menu).toBeUndefined();
  });

  it('hashed bundles are cached for a year, everything else revalidates', async () => {
    expect(cacheControlFor('/x/webapp/dist/assets/index-BCNVB2ln.js')).toBe('public, max-age=31536000, immutable');
    expect(cacheControlFor('/x/webapp/dist/assets/MenuScreen-DXOLDRqF.css.br')).toBe('public, max-age=31536000, immutable');
    expect(cacheControlFor('/x/webapp/dist/assets/_plugin-vue_export-helper-iWYeSbWK.js.gz')).toBe('public, max-age=31536000, immutable');
    expect(cacheControlFor('/x/webapp/dist/index.html')).toBe('no-cache');
    expect(cacheControlFor('/x/webapp/dist/index.html.br')).toBe('no-cache');
  });
});
