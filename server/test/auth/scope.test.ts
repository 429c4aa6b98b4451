import { describe, expect, it } from 'vitest';
import { assertCity, cityScope, inCityScope, managesCity } from '../../src/auth/scope';
import type { Principal } from '../../src/auth/principal';
import { sqlText } from '../../src/db/portable';
import { HttpError } from '../../src/lib/errors';
import { useTestApp } from '../helpers/app';
import { testSql } from '../helpers/db';

const who = (role: Principal['role'], cityIds: number[]): Principal => ({ userId: 1, role, cityIds, cityId: null, tokenVersion: 0 });

describe('auth/scope: a staff member’s cities', () => {
  const t = useTestApp();

  const visible = async (p: Principal, extra = '') =>
    (await testSql(t.app).all<{ id: number }>(sqlText`SELECT id FROM cities WHERE ${inCityScope('id')}${extra} ORDER BY id`, { cities: cityScope(p) })).map((c) => c.id);

  it('admin and ceo see every city; a manager only theirs; a manager with none sees nothing', async () => {
    expect(await visible(who('admin', []))).toEqual([1, 2, 3]);
    expect(await visible(who('ceo', []))).toEqual([1, 2, 3]);
    expect(await visible(who('manager', [2]))).toEqual([2]);
    expect(await visible(who('manager', [1, 3]))).toEqual([1, 3]);
    expect(await visible(who('manager', []))).toEqual([]);
    // Composes with other conditions.
    expect(await visible(who('manager', []), ' AND id = 1')).toEqual([]);
    expect(await visible(who('manager', [1, 2]), ' AND id = 1')).toEqual([1]);
    expect(await visible(who('admin', []), ' AND id = 1')).toEqual([1]);
  });

  it('asserts one city with 403 other_city', async () => {
    expect(managesCity(who('manager', [1]), 1)).toBe(true);
    expect(managesCity(who('manager', [1]), 2)).toBe(false);
    expect(managesCity(who('ceo', []), 2)).toBe(true);
    expect(() => assertCity(who('admin', []), 3)).not.toThrow();
    let err: unknown;
    try {
      assertCity(who('manager', []), 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ statusCode: 403, code: 'other_city' });
  });
});
