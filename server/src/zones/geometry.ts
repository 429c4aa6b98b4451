import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { LatLng, ZoneGeoJson, ZoneGeometry } from '@ordercast/shared';

/*
 * Zone shapes. The point-in-polygon test is @turf/boolean-point-in-polygon (ray casting with holes
 * and MultiPolygons, the well-tested piece of Turf); what is ours is turning a staff member's paste
 * into one stored geometry and refusing shapes it would misread.
 */

/** The geometry inside a pasted Polygon, MultiPolygon, Feature or one-Feature FeatureCollection (shape already checked by TypeBox). */
export function geometryOf(paste: ZoneGeoJson): ZoneGeometry {
  if (paste.type === 'Feature') return paste.geometry;
  if (paste.type === 'FeatureCollection') return paste.features[0]!.geometry;
  return paste;
}

const MAX_POSITIONS = 20_000;

/**
 * Why a geometry cannot be a zone (null: it can): every ring closed (last position equal to the
 * first) with at least three distinct corners, a bounded number of positions. Altitudes are dropped.
 */
export function geometryProblem(g: ZoneGeometry): string | null {
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  let count = 0;
  for (const [pi, rings] of polygons.entries()) {
    for (const [ri, ring] of rings.entries()) {
      const where = g.type === 'Polygon' ? `ring ${ri}` : `polygon ${pi}, ring ${ri}`;
      const first = ring[0]!;
      const last = ring[ring.length - 1]!;
      if (first[0] !== last[0] || first[1] !== last[1]) return `${where} is not closed: its last position must equal its first`;
      const corners = new Set(ring.slice(0, -1).map((p) => `${p[0]},${p[1]}`));
      if (corners.size < 3) return `${where} needs at least three different corners`;
      count += ring.length;
    }
  }
  if (count > MAX_POSITIONS) return `the shape has ${count} positions; at most ${MAX_POSITIONS}`;
  return null;
}

/** The geometry with [lng, lat] pairs only (an altitude, if pasted, means nothing here). */
export function flatten(g: ZoneGeometry): ZoneGeometry {
  const ring = (r: number[][]) => r.map((p) => [p[0]!, p[1]!] as [number, number]);
  return g.type === 'Polygon'
    ? { type: 'Polygon', coordinates: g.coordinates.map(ring) }
    : { type: 'MultiPolygon', coordinates: g.coordinates.map((poly) => poly.map(ring)) };
}

/** Whether the point is in the zone; a point exactly on the border counts as inside. */
export function contains(g: ZoneGeometry, p: LatLng): boolean {
  return booleanPointInPolygon([p.lng, p.lat], g);
}
