import { describe, expect, it } from 'vitest';
import { bearer, placeOrder, signInCustomer, signInStaff, useTestApp } from '../helpers/app';
import { MAX_ADDRESSES } from '../../src/zones/addresses';

const t = useTestApp({ POS_SYNC_WORKER: 'false' });
const TVERSKAYA = { lat: 55.7643, lng: 37.6056 };

describe('saved addresses', () => {
  const call = (token: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: bearer(token), ...(payload && { payload }) });

  it('a customer saves, edits and deletes their own; another customer sees none of them (404)', async () => {
    const me = (await signInCustomer(t.app)).token;
    const other = (await signInCustomer(t.app)).token;
    const created = await call(me, 'POST', '/api/addresses', { label: 'Дом', address: 'Тверская 7, кв. 12', ...TVERSKAYA });
    expect(created.statusCode).toBe(201);
    const id = created.json().address.id as number;
    expect((await call(me, 'POST', '/api/addresses', { address: '  тверская 7,  КВ. 12 ', ...TVERSKAYA })).json().error).toBe('address_exists');

    expect((await call(other, 'GET', '/api/addresses')).json().items).toEqual([]);
    expect((await call(other, 'PATCH', `/api/addresses/${id}`, { label: 'Mine' })).statusCode).toBe(404);
    expect((await call(other, 'DELETE', `/api/addresses/${id}`)).statusCode).toBe(404);
    expect((await call(other, 'POST', '/api/zones/locate', { cityId: 1, addressId: id })).statusCode).toBe(404);

    const edited = await call(me, 'PATCH', `/api/addresses/${id}`, { label: 'Работа' });
    expect(edited.json().address).toMatchObject({ id, label: 'Работа', address: 'Тверская 7, кв. 12' });
    expect((await call(me, 'POST', '/api/zones/locate', { cityId: 1, addressId: id })).json().zone).toMatchObject({ name: 'Центр', delivery_fee: 0 });
    expect((await call(me, 'DELETE', `/api/addresses/${id}`)).statusCode).toBe(200);
    expect((await call(me, 'GET', '/api/addresses')).json().items).toEqual([]);
  });

  it('bad input is 400 and staff have no addresses', async () => {
    const me = (await signInCustomer(t.app)).token;
    for (const payload of [{ address: 'x', ...TVERSKAYA }, { address: 'Тверская 1', lat: 91, lng: 0 }, { address: 'Тверская 1' }, { address: 'Тверская 1', ...TVERSKAYA, extra: 1 }]) {
      expect((await call(me, 'POST', '/api/addresses', payload)).statusCode).toBe(400);
    }
    const admin = (await signInStaff(t.app, 'admin')).token;
    expect((await call(admin, 'GET', '/api/addresses')).statusCode).toBe(403);
  });

  it('an order by a saved address uses its point and text, and names come first, the most recent next', async () => {
    const me = (await signInCustomer(t.app)).token;
    const home = (await call(me, 'POST', '/api/addresses', { label: 'Дом', address: 'Тверская 9', ...TVERSKAYA })).json().address;
    const res = await placeOrder(t.app, me, { delivery: { type: 'delivery', addressId: home.id } });
    expect(res.statusCode).toBe(201);
    expect(res.json().order.delivery).toEqual({ type: 'delivery', address: 'Тверская 9', location: TVERSKAYA });
    await placeOrder(t.app, me, { delivery: { type: 'delivery', address: 'Тверская 11', location: TVERSKAYA } });
    const list = (await call(me, 'GET', '/api/addresses')).json().items as { label: string; address: string }[];
    expect(list.map((a) => [a.label, a.address])).toEqual([['Дом', 'Тверская 9'], ['', 'Тверская 11']]);
  });

  it(`keeps at most ${MAX_ADDRESSES}: a new order's address replaces the oldest unnamed one`, async () => {
    const me = (await signInCustomer(t.app)).token;
    for (let i = 0; i < MAX_ADDRESSES; i++) {
      expect((await call(me, 'POST', '/api/addresses', { ...(i === 0 && { label: 'Дом' }), address: `Тверская ${i + 1}`, ...TVERSKAYA })).statusCode).toBe(201);
    }
    expect((await call(me, 'POST', '/api/addresses', { address: 'Тверская 99', ...TVERSKAYA })).json().error).toBe('too_many_addresses');
    await placeOrder(t.app, me, { delivery: { type: 'delivery', address: 'Тверская 100', location: TVERSKAYA } });
    const list = (await call(me, 'GET', '/api/addresses')).json().items as { address: string }[];
    expect(list).toHaveLength(MAX_ADDRESSES);
    expect(list.map((a) => a.address)).toContain('Тверская 1');
    expect(list.map((a) => a.address)).toContain('Тверская 100');
    expect(list.map((a) => a.address)).not.toContain('Тверская 2');
  });
});
