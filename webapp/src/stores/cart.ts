import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { toMajor, toMinor, type CreateOrderBody, type DeliveryType, type LatLng, type Order } from '@ordercast/shared';
import { api, newIdempotencyKey } from '../api';
import { cartCount, cartLines, cartSubtotal, clampQuantity, unavailableLines, type CartQuantities } from '../logic/cart';
import { amountToPay, bonusCap, clampBonuses } from '../logic/bonus';
import { useMenu } from './menu';
import { useBonuses } from './bonuses';

const STORAGE_KEY = 'ordercast.cart';

interface Saved {
  cityId: number | null;
  quantities: CartQuantities;
}

function load(): Saved {
  try {
    const s = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Saved | null;
    if (s && typeof s.quantities === 'object') return s;
  } catch {
    /* ignore */
  }
  return { cityId: null, quantities: {} };
}

export const useCart = defineStore('cart', () => {
  const saved = load();
  const cityId = ref<number | null>(saved.cityId);
  const quantities = ref<CartQuantities>(saved.quantities);

  const deliveryType = ref<DeliveryType>('delivery');
  const address = ref('');
  const phone = ref('');
  const comment = ref('');
  /** Bonuses the customer chose to spend (roubles); clamped to what the order allows. None until asked for. */
  const bonusWish = ref(0);
  /** Pickup: the restaurant to collect from (null: not chosen yet). */
  const restaurantId = ref<number | null>(null);
  /** A time later today (an instant) instead of as soon as possible. */
  const requestedTime = ref<string | null>(null);
  const placing = ref(false);
  /**
   * One Idempotency-Key per checkout attempt: a double tap or a retry after a lost response sends the
   * same key, so the server returns the first order instead of making a second. The attempt is what the
   * customer chose (not derived values like the bonus cap, which may move when the balance refreshes).
   */
  let attempt = { fingerprint: '', key: '' };
  const inputs = () =>
    JSON.stringify([cityId.value, quantities.value, deliveryType.value, address.value.trim(), deliveryPlace.value, phone.value.trim(), comment.value.trim(), bonusWish.value, restaurantId.value, requestedTime.value]);

  const menu = useMenu();
  const bonuses = useBonuses();

  const lines = computed(() => cartLines(quantities.value, menu.products));
  const count = computed(() => cartCount(lines.value));
  const blocked = computed(() => unavailableLines(lines.value));
  /** What can be ordered now: a dish on the stop-list is shown, but not counted. */
  const subtotal = computed(() => cartSubtotal(lines.value.filter((l) => l.product.available)));
  const cap = computed(() => bonusCap(subtotal.value, bonuses.balance, bonuses.maxShare));
  const bonusesToUse = computed(() => clampBonuses(bonusWish.value, cap.value));
  /** Set by the delivery store (stores/delivery.ts): the located address and its zone's fee preview. */
  const deliveryPlace = ref<{ addressId?: number; location?: LatLng }>({});
  const zoneFee = ref(0);
  /** Delivery's fee as the zone preview says (the server prices it again); 0 for pickup. */
  const deliveryFee = computed(() => (deliveryType.value === 'delivery' ? zoneFee.value : 0));
  const toPay = computed(() => toMajor(toMinor(amountToPay(subtotal.value, bonusesToUse.value)) + toMinor(deliveryFee.value)));

  watch(
    [cityId, quantities],
    () => {
      try {
        localStorage.setItem(STORAGE_KEY, JSON.stringify({ cityId: cityId.value, quantities: quantities.value }));
      } catch {
        /* ignore */
      }
    },
    { deep: true, flush: 'sync' },
  );

  function quantity(productId: number): number {
    return quantities.value[productId] ?? 0;
  }
  function setQuantity(productId: number, q: number): void {
    const next = { ...quantities.value };
    const c = clampQuantity(q);
    if (c > 0) next[productId] = c;
    else delete next[productId];
    quantities.value = next;
  }
  const add = (id: number) => setQuantity(id, quantity(id) + 1);
  const remove = (id: number) => setQuantity(id, quantity(id) - 1);
  function removeUnavailable(): void {
    for (const l of blocked.value) setQuantity(l.product.id, 0);
  }

  /** The cart belongs to a city's menu: another city starts an empty one. */
  function useCity(id: number): void {
    if (cityId.value !== id) {
      cityId.value = id;
      quantities.value = {};
      restaurantId.value = null;
    }
  }
  function clear(): void {
    quantities.value = {};
    comment.value = '';
    bonusWish.value = 0;
    requestedTime.value = null;
    attempt = { fingerprint: '', key: '' };
  }

  async function placeOrder(): Promise<Order> {
    if (!cityId.value) throw new Error('no city');
    const fingerprint = inputs();
    if (!attempt.key || attempt.fingerprint !== fingerprint) attempt = { fingerprint, key: newIdempotencyKey() };
    const idempotencyKey = attempt.key;
    const body: CreateOrderBody = {
      cityId: cityId.value,
      items: lines.value.map((l) => ({ productId: l.product.id, quantity: l.quantity })),
      delivery:
        deliveryType.value === 'delivery'
          ? { type: 'delivery', ...(address.value.trim() && { address: address.value.trim() }), ...deliveryPlace.value }
          : { type: 'pickup' },
    };
    if (bonusesToUse.value > 0) body.bonusesToUse = bonusesToUse.value;
    if (phone.value.trim()) body.phone = phone.value.trim();
    if (comment.value.trim()) body.comment = comment.value.trim();
    if (deliveryType.value === 'pickup' && restaurantId.value !== null) body.restaurantId = restaurantId.value;
    if (requestedTime.value) body.requestedTime = requestedTime.value;
    placing.value = true;
    try {
      const res = await api<{ order: Order }>('/api/orders', {
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': idempotencyKey },
      });
      clear();
      return res.order;
    } finally {
      placing.value = false;
    }
  }

  return {
    cityId,
    quantities,
    deliveryType,
    address,
    phone,
    comment,
    bonusWish,
    placing,
    lines,
    count,
    subtotal,
    deliveryFee,
    deliveryPlace,
    zoneFee,
    blocked,
    cap,
    bonusesToUse,
    toPay,
    quantity,
    setQuantity,
    add,
    remove,
    removeUnavailable,
    useCity,
    clear,
    placeOrder,
    restaurantId,
    requestedTime,
  };
});
