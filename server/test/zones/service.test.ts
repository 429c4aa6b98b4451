import { describe, expect, it } from 'vitest';
import { bearer, signInStaff, useTestApp } from '../helpers/app';

const t = useTestApp({ POS_SYNC_WORKER: 'false' });
const square = { type: 'Polygon', coordinates: [[[30, 59], [30.1, 59], [30.1, 59.1], [30, 59.1], [30, 59]]] };
const body = (over: object = {}) => ({ restaurantId: 3, name: 'Юг', deliveryFee: 99, freeFrom: null, minOrder: 500, deliveryMinutes: 40, geometry: square, ...over });

describe('delivery zones: staff edit them', () => {
  const call = (token: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: bearer(token), ...(payload && { payload }) });

  it('a manager edits zones of their city only; numbers and GeoJSON are validated, nothing written on a refusal', async () => {
    const manager2 = (await signInStaff(t.app, 'manager2')).token;
    const manager1 = (await signInStaff(t.app, 'manager1')).token;
    const before = (await call(manager2, 'GET', '/api/admin/zones?cityId=2')).json().items.length;
    expect(before).toBe(2);

    const bad: [object, number, string?][] = [
      [{ geometry: { type: 'Polygon', coordinates: [[[30, 59], [30.1, 59], [30.1, 59.1], [30, 59.2]]] } }, 400, 'invalid_geometry'],
      [{ geometry: { type: 'Polygon', coordinates: [[[30, 59], [30, 59], [30.1, 59.1], [30, 59]]] } }, 400, 'invalid_geometry'],
      [{ geometry: { type: 'Point', coordinates: [30, 59] } }, 400],
      [{ geometry: { type: 'Polygon', coordinates: [[[200, 59], [30.1, 59], [30.1, 59.1], [200, 59]]] } }, 400],
      [{ geometry: { type: 'FeatureCollection', features: [] } }, 400],
      [{ deliveryFee: -1 }, 400],
      [{ minOrder: 'a lot' }, 400],
      [{ deliveryMinutes: 1.5 }, 400],
      [{ name: '\u202E' }, 400, 'invalid_zone'],
    ];
    for (const [over, status, code] of bad) {
      const res = await call(manager2, 'POST', '/api/admin/zones', body(over));
      expect({ over, status: res.statusCode }).toEqual({ over, status });
      if (code) expect(res.json().error).toBe(code);
    }
    expect((await call(manager1, 'POST', '/api/admin/zones', body())).statusCode).toBe(403);
    expect((await call(manager2, 'GET', '/api/admin/zones?cityId=2')).json().items).toHaveLength(before);

    // A FeatureCollection of one Feature (what geojson.io exports) is kept as its geometry.
    const created = await call(manager2, 'POST', '/api/admin/zones', body({ geometry: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'x' }, geometry: square }] } }));
    expect(created.statusCode).toBe(201);
    const zone = created.json().zone;
    expect(zone).toMatchObject({ city_id: 2, restaurant_id: 3, name: 'Юг', delivery_fee: 99, free_from: null, min_order: 500, delivery_minutes: 40, active: true, geometry: square });

    expect((await call(manager1, 'PATCH', `/api/admin/zones/${zone.id}`, { deliveryFee: 0 })).statusCode).toBe(403);
    const patched = await call(manager2, 'PATCH', `/api/admin/zones/${zone.id}`, { deliveryFee: 149.5, freeFrom: 2000, active: false });
    expect(patched.json().zone).toMatchObject({ delivery_fee: 149.5, free_from: 2000, active: false });
    expect((await call(manager2, 'PATCH', `/api/admin/zones/${zone.id}`, {})).statusCode).toBe(400);
    expect((await call(manager1, 'DELETE', `/api/admin/zones/${zone.id}`)).statusCode).toBe(403);
    expect((await call(manager2, 'DELETE', `/api/admin/zones/${zone.id}`)).statusCode).toBe(200);
    expect((await call(manager2, 'DELETE', `/api/admin/zones/${zone.id}`)).statusCode).toBe(404);
  });
});
