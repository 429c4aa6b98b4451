import type { LatLng } from '@ordercast/shared';

/**
 * Turns a typed address into a point, where the chain has a geocoding service. None ships with
 * the project (each provider needs its own key and contract, and tests make no outside calls):
 * buildApp takes one as an option, and without it `POST /api/zones/locate` with text answers 422
 * `geocoder_off` while points (Telegram's location, a saved address) work as always.
 */
export interface Geocoder {
  geocode(cityId: number, address: string, signal: AbortSignal): Promise<LatLng | null>;
}
