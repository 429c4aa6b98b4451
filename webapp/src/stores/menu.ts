import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { City, Menu, MenuUpdated, Product } from '@ordercast/shared';
import type { CityStatusUpdated } from '@ordercast/shared';
import { api } from '../api';

export const useMenu = defineStore('menu', () => {
  const menu = shallowRef<Menu | null>(null);
  const cities = shallowRef<City[]>([]);
  const loading = ref(false);
  const error = shallowRef<unknown>(null);
  let inflight: { cityId: number; p: Promise<void> } | null = null;

  const products = computed<Product[]>(() => menu.value?.products ?? []);
  const byId = computed(() => new Map(products.value.map((p) => [p.id, p])));
  const sections = computed(() => {
    const m = menu.value;
    if (!m) return [];
    return [...m.categories]
      .sort((a, b) => a.sort - b.sort)
      .map((c) => ({ category: c, products: m.products.filter((p) => p.category_id === c.id) }))
      .filter((s) => s.products.length > 0);
  });

  function load(cityId: number, force = false): Promise<void> {
    if (!force && menu.value?.city.id === cityId) return Promise.resolve();
    if (inflight && inflight.cityId === cityId && !force) return inflight.p;
    loading.value = true;
    error.value = null;
    // A forced reload (resync, a refused order) must not be answered from the browser's short cache.
    const p = api<Menu>(`/api/menu?cityId=${cityId}`, { auth: false, ...(force && { cache: 'no-cache' as const }) })
      .then((m) => {
        menu.value = m;
      })
      .catch((e) => {
        error.value = e;
        throw e;
      })
      .finally(() => {
        loading.value = false;
        if (inflight?.p === p) inflight = null;
      });
    inflight = { cityId, p };
    return p;
  }

  /** A menu that came with another answer (sign-in). */
  function adopt(m: Menu): void {
    menu.value = m;
  }

  async function loadCities(): Promise<void> {
    if (!cities.value.length) cities.value = await api<City[]>('/api/cities', { auth: false });
  }

  /** Live stop-list / price change from `menu-updated`. */
  function applyUpdate(ev: MenuUpdated): void {
    const m = menu.value;
    if (!m || m.city.id !== ev.cityId) return;
    menu.value = { ...m, products: m.products.map((p) => (p.id === ev.productId ? { ...p, available: ev.available, price: ev.price } : p)) };
  }

  /** The city's live status (paused, busy, open now) and its pickup points, as the menu brought them. */
  const city = computed<City | null>(() => menu.value?.city ?? null);

  /** Live `city-status-updated`: a pause, busy mode, an opening or a restaurant change. */
  function applyCityStatus(ev: CityStatusUpdated): void {
    const m = menu.value;
    if (m && m.city.id === ev.cityId) menu.value = { ...m, city: { ...m.city, status: ev.status, restaurants: ev.restaurants } };
    if (cities.value.some((c) => c.id === ev.cityId)) {
      cities.value = cities.value.map((c) => (c.id === ev.cityId ? { ...c, status: ev.status, restaurants: ev.restaurants } : c));
    }
  }

  return { menu, cities, city, loading, error, products, byId, sections, load, adopt, loadCities, applyUpdate, applyCityStatus };
});
