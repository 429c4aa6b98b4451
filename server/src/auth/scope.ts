import { seesAllCities } from '@ordercast/shared';
import { inJsonInts, type Dialectal } from '../db/portable';
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
 * The city scope of a statement listing staff rows, as its parameter (see `inCityScope`): null
 * (no condition) for who sees every city; a manager's city ids as a JSON array, possibly empty
 * (matching nothing).
 */
export function cityScope(p: Principal): string | null {
  return seesAllCities(p.role) ? null : JSON.stringify(p.cityIds);
}

/** SQL: `column` (a city id) is within the scope bound to `@param` (a `cityScope` value). */
export function inCityScope(column: string, param = 'cities'): Dialectal {
  const within = inJsonInts(column, param);
  return {
    sqlite: `(@${param} IS NULL OR ${within.sqlite})`,
    // A bare `$n IS NULL` leaves the parameter's type open, and PostgreSQL refuses one typed only later by a cast.
    postgres: `(@${param}::json IS NULL OR ${within.postgres})`,
  };
}
