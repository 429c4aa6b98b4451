/** Restaurants ordered by distance from the customer, for choosing a pickup point. */
export interface Point {
  lat: number;
  lng: number;
}

const R_KM = 6371;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance (haversine): plenty for "which restaurant is closer" inside a city. */
export function distanceKm(a: Point, b: Point): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * R_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The nearest first when we know where the customer is; otherwise the list as the server gave it.
 * Restaurants without coordinates go last, in their own order.
 */
export function byNearest<T extends { lat: number | null; lng: number | null }>(list: readonly T[], here: Point | null): { item: T; km: number | null }[] {
  const rows = list.map((item, i) => ({ item, i, km: here && item.lat !== null && item.lng !== null ? distanceKm(here, { lat: item.lat, lng: item.lng }) : null }));
  if (!here) return rows.map(({ item, km }) => ({ item, km }));
  return rows
    .sort((a, b) => (a.km ?? Infinity) - (b.km ?? Infinity) || a.i - b.i)
    .map(({ item, km }) => ({ item, km }));
}
