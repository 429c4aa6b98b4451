import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, useTestApp, signInStaff } from '../helpers/app';
import { testSql } from '../helpers/db';

describe('staff accounts', () => {
  const t = useTestApp();
  let admin: string;
  let ceo: string;
  let url: string;
  beforeAll(async () => {
    admin = (await signInStaff(t.app, 'admin')).token;
    ceo = (await signInStaff(t.app, 'ceo')).token;
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });

  const staffId = async (username: string) => {
    const list = (await t.app.inject({ url: '/api/admin/staff', headers: bearer(admin) })).json() as { id: number; username: string }[];
    return list.find((s) => s.username === username)!.id;
  };

  it('ten concurrent creations of one username: one 201, nine 409 username_taken, one row', async () => {
    const create = () =>
      fetch(`${url}/api/admin/staff`, {
        method: 'POST',
        headers: { ...bearer(admin), 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'twin', password: 'twin-password-1', name: 'Twin', role: 'manager', cityIds: [1] }),
      });
    const responses = await Promise.all(Array.from({ length: 10 }, create));
    const codes = responses.map((r) => r.status).sort();
    expect(codes).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of responses.filter((r) => r.status === 409)) {
      expect(await r.json()).toEqual({ error: 'username_taken', message: 'Username "twin" is taken' });
    }
    const row = await testSql(t.app).get<{ n: number }>("SELECT count(*) AS n FROM users WHERE username = 'twin'");
    expect(row?.n).toBe(1);
  });

  it('an admin may not reset, rename or disable the ceo; the ceo may', async () => {
    const ceoId = await staffId('ceo');
    for (const body of [{ password: 'taken-over-1234' }, { active: false }, { name: 'Not the CEO' }]) {
      const res = await t.app.inject({ method: 'PATCH', url: `/api/admin/staff/${ceoId}`, headers: bearer(admin), payload: body });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: 'ceo_only' });
    }
    // Nothing changed: the old password still works.
    expect((await signInStaff(t.app, 'ceo')).user.name).toBe('Генеральный директор');
    const own = await t.app.inject({ method: 'PATCH', url: `/api/admin/staff/${ceoId}`, headers: bearer(ceo), payload: { name: 'CEO' } });
    expect(own.statusCode).toBe(200);
  });

  it('an admin still manages managers and admins', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: `/api/admin/staff/${await staffId('manager2')}`, headers: bearer(admin), payload: { name: 'M2' } });
    expect(res.statusCode).toBe(200);
  });
});
