import { defineStore } from 'pinia';
import { computed, ref, watch, watchEffect } from 'vue';
import { deliveryQuote, toMajor, toMinor, type AddressList, type LatLng, type LocateResponse, type SavedAddress } from '@ordercast/shared';
import { api, humanError } from '../api';
import { locate as findMe } from '../location';
import { useCart } from './cart';

/**
 * Where a delivery goes (issue 16): the customer's saved addresses (offered first), or a new
 * address with the point from Telegram's location. The server says which zone holds the point;
 * the fee and minimum shown are the shared rule (`deliveryQuote`) the server applies again when
 * the order is placed — the preview never decides anything.
 */
export const useDelivery = defineStore('delivery', () => {
  const cart = useCart();
  const addresses = ref<SavedAddress[]>([]);
  /** The saved address chosen (null: a new one, typed, with `point`). */
  const addressId = ref<number | null>(null);
  /** A new address's point (Telegram's LocationManager or the browser's). */
  const point = ref<LatLng | null>(null);
  const located = ref<LocateResponse | null>(null);
  const locating = ref(false);
  const error = ref('');
  let asked = 0;
  // Another city: a point located in the last one says nothing here.
  watch(
    () => cart.cityId,
    () => {
      asked++;
      located.value = null;
      locating.value = false;
      if (addressId.value !== null) void choose(addressId.value);
    },
  );

  async function load(): Promise<void> {
    const res = await api<AddressList>('/api/addresses');
    addresses.value = res.items;
    // Saved addresses come first: the best one is chosen unless the customer already chose.
    if (addressId.value === null && point.value === null && res.items[0]) await choose(res.items[0].id);
  }

  async function ask(body: { addressId?: number; location?: LatLng }): Promise<void> {
    if (!cart.cityId) return;
    const mine = ++asked;
    locating.value = true;
    error.value = '';
    try {
      const res = await api<LocateResponse>('/api/zones/locate', { method: 'POST', body: { cityId: cart.cityId, ...body } });
      if (mine === asked) located.value = res;
    } catch (e) {
      if (mine === asked) error.value = humanError(e);
    } finally {
      if (mine === asked) locating.value = false;
    }
  }

  async function choose(id: number): Promise<void> {
    const a = addresses.value.find((x) => x.id === id);
    if (!a) return;
    addressId.value = id;
    point.value = null;
    cart.address = a.address;
    await ask({ addressId: id });
  }

  function startNew(): void {
    addressId.value = null;
    point.value = null;
    located.value = null;
    cart.address = '';
  }

  async function useMyLocation(): Promise<void> {
    locating.value = true;
    error.value = '';
    const p = await findMe();
    if (!p) {
      locating.value = false;
      error.value = 'noLocation';
      return;
    }
    addressId.value = null;
    point.value = p;
    await ask({ location: p });
  }

  async function rename(id: number, label: string): Promise<void> {
    const res = await api<{ address: SavedAddress }>(`/api/addresses/${id}`, { method: 'PATCH', body: { label } });
    addresses.value = addresses.value.map((a) => (a.id === id ? res.address : a));
  }

  async function remove(id: number): Promise<void> {
    await api(`/api/addresses/${id}`, { method: 'DELETE' });
    addresses.value = addresses.value.filter((a) => a.id !== id);
    if (addressId.value === id) startNew();
  }

  const zone = computed(() => located.value?.zone ?? null);
  const quote = computed(() => {
    const z = zone.value;
    if (!z) return null;
    return deliveryQuote(
      { feeMinor: toMinor(z.delivery_fee), freeFromMinor: z.free_from === null ? null : toMinor(z.free_from), minOrderMinor: toMinor(z.min_order) },
      toMinor(cart.subtotal),
    );
  });
  /** The fee the checkout shows (roubles). */
  const fee = computed(() => (cart.deliveryType === 'delivery' && quote.value ? toMajor(quote.value.feeMinor) : 0));
  /** Why a delivery cannot be ordered yet: no point, outside every zone, under the minimum. */
  const blocked = computed<'' | 'needLocation' | 'outside' | 'belowMinimum'>(() => {
    if (cart.deliveryType !== 'delivery') return '';
    if (!located.value) return 'needLocation';
    if (located.value.zoned && !zone.value) return 'outside';
    if (quote.value && quote.value.shortOfMinimumMinor > 0) return 'belowMinimum';
    return '';
  });
  /** What the order says about where it goes: the saved address, or the located point. */
  const orderFields = computed(() => (addressId.value !== null ? { addressId: addressId.value } : point.value ? { location: point.value } : {}));

  // The cart sends and totals what is located here.
  watchEffect(() => {
    cart.deliveryPlace = orderFields.value;
    cart.zoneFee = fee.value;
  });

  return { addresses, addressId, point, located, locating, error, zone, quote, fee, blocked, orderFields, load, choose, startNew, useMyLocation, rename, remove };
});
