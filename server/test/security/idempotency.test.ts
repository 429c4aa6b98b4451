import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, useTestApp, signInCustomer } from '../helpers/app';

describe('Idempotency-Key fingerprint', () => {
  const t = useTestApp();
  let token: string;
  beforeAll(async () => {
    token = (await signInCustomer(t.app)).token;
  });

  const post = (key: string, raw: string) =>
    t.app.inject({ method: 'POST', url: '/api/orders', headers: { ...bearer(token), 'idempotency-key': key, 'content-type': 'application/json' }, payload: raw });

  it('the same body re-serialised with its keys in another order replays the order', async () => {
    const first = await post('k-order-1', '{"cityId":1,"items":[{"productId":1,"quantity":2}],"delivery":{"type":"delivery","address":"Tverskaya 1","location":{"lat":55.7643,"lng":37.6056}},"comment":"ring"}');
    expect(first.statusCode).toBe(201);
    const again = await post('k-order-1', '{"comment":"ring","delivery":{"location":{"lng":37.6056,"lat":55.7643},"address":"Tverskaya 1","type":"delivery"},"items":[{"quantity":2,"productId":1}],"cityId":1}');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().order.id).toBe(first.json().order.id);
  });

  it('a different body under the same key is still refused', async () => {
    const other = await post('k-order-1', '{"cityId":1,"items":[{"productId":1,"quantity":3}],"delivery":{"type":"delivery","address":"Tverskaya 1","location":{"lat":55.7643,"lng":37.6056}},"comment":"ring"}');
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ error: 'idempotency_key_reused' });
  });
});
