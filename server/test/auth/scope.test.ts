import { and, asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { assertCity, cityFilter, managesCity } from '../../src/auth/scope';
import type { Principal } from '../../src/auth/principal';
import { cities } from '../../src/db/schema';
import { HttpError } from '../../src/lib/errors';
import { useTestApp } from '../helpers/app';

const who = (role: Principal['role'], cityIds: number[]): Principal => ({ userId: 1, role, cityIds, cityId: null, tokenVersion: 0 });

describe('auth/scope: a staff member’s cities', () => {
  const t = useTestApp();

  const visible = (p: Principal) =>
    t.app.db
      .select({ id: cities.id })
      .from(cities)
      .where(cityFilter(p, cities.id))
      .orderBy(asc(cities.id))
      .all()
      .map((c) => c.id);

  it('admin and ceo see every city; a manager only theirs; a manager with none sees nothing', async () => {
    expect(visible(who('admin', []))).toEqual([1, 2, 3]);
    expect(visible(who('ceo', []))).toEqual([1, 2, 3]);
    expect(visible(who('manager', [2]))).toEqual([2]);
    expect(visible(who('manager', [1, 3]))).toEqual([1, 3]);
    expect(visible(who('manager', []))).toEqual([]);
    // Composes with other conditions.
    expect(t.app.db.select({ id: cities.id }).from(cities).where(and(eq(cities.id, 1), cityFilter(who('manager', []), cities.id))).all()).toEqual([]);
    expect(
      t.app.db
        .select({ id: cities.id })
        .from(cities)
        .where(and(eq(cities.id, 1), cityFilter(who('manager', [1, 2]), cities.id)))
        .all(),
    ).toEqual([{ id: 1 }]);
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
