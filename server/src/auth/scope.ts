import { inArray, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { seesAllCities } from '@ordercast/shared';
import { forbidden } from '../lib/errors';
import type { Principal } from './principal';

/**
 * A staff member's city scope, the one rule for every staff view (orders, menu, stats, sync):
 * admin and ceo see every city; a manager only the cities they manage (possibly none).
 */

/** Whether `p` may see and act on city `cityId`. */
export function managesCity(p: Principal, cityId: number): boolean {
  return seesAllCities(p.role) || p.cityIds.includes(cityId);
}

/** Throws 403 `other_city` unless `p` may see and act on city `cityId`. */
export function assertCity(p: Principal, cityId: number): void {
  if (!managesCity(p, cityId)) throw forbidden(`You do not manage city ${cityId}`, 'other_city');
}

/**
 * A WHERE condition on a city id column limiting rows to `p`'s cities: `undefined` (no condition)
 * for who sees every city, a condition that matches nothing for a manager with no cities.
 */
export function cityFilter(p: Principal, column: SQLiteColumn): SQL | undefined {
  if (seesAllCities(p.role)) return undefined;
  return p.cityIds.length ? inArray(column, p.cityIds) : sql`0`;
}
