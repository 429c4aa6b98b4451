import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CityStatus, CityStatusBody, CityStatusResponse, CityStatusUpdated, Restaurant, RestaurantStatusBody } from '@ordercast/shared';
import { post } from '../lib/api';

export interface CityLive {
  status: CityStatus;
  restaurants: Restaurant[];
}

/**
 * Each city's live status (paused, busy, open now) and its restaurants: seeded from `/api/cities`,
 * kept current by `city-status-updated` and by the answers of the pause / busy controls.
 */
export const useCityStatus = defineStore('city-status', () => {
  const byCity = ref<Record<number, CityLive>>({});

  function seed(cities: readonly { id: number; status?: CityStatus; restaurants?: Restaurant[] }[]): void {
    const next = { ...byCity.value };
    for (const c of cities) if (c.status) next[c.id] = { status: c.status, restaurants: c.restaurants ?? [] };
    byCity.value = next;
  }

  function apply(cityId: number, live: CityLive): void {
    byCity.value = { ...byCity.value, [cityId]: live };
  }

  /** `city-status-updated`, live. */
  function onUpdated(ev: CityStatusUpdated): void {
    apply(ev.cityId, { status: ev.status, restaurants: ev.restaurants });
  }

  async function setCity(cityId: number, body: CityStatusBody): Promise<CityLive> {
    const r = await post<CityStatusResponse>(`/api/admin/cities/${cityId}/status`, body);
    apply(cityId, r);
    return r;
  }

  async function setRestaurant(cityId: number, restaurantId: number, body: RestaurantStatusBody): Promise<CityLive> {
    const r = await post<CityStatusResponse>(`/api/admin/restaurants/${restaurantId}/status`, body);
    apply(cityId, r);
    return r;
  }

  function reset(): void {
    byCity.value = {};
  }

  return { byCity, seed, onUpdated, setCity, setRestaurant, reset };
});
