import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { toMajor, toMinor, type CreateOrderBody, type DeliveryType, type LatLng, type Order, type PaymentChoice } from '@ordercast/shared';
import { api, newIdempotencyKey } from '../api';
import { cartCount, cartLines, cartSubtotal, clampQuantity, lineKey, parseKey, repeatLines, unavailableLines, type CartQuantities, type RepeatItem } from '../logic/cart';
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
  /** How the customer pays (PaymentPicker); null = the server's default (cash). */
  const payment = ref<PaymentChoice | null>(null);
  /** Why the payment choice cannot go as it is (e.g. "change from" below the total); '' = fine. */
  const paymentError = ref('');
  const placing = ref(false);
  /**
   * One Idempotency-Key per checkout attempt: a double tap or a retry after a lost response sends the
   * same key, so the server returns the first order instead of making a second. The attempt is what the
   * customer chose (not derived values like the bonus cap, which may move when the balance refreshes).
   */
  let attempt = { fingerprint: '', key: '' };
  const inputs = () =>
    JSON.stringify([cityId.value, quantities.value, deliveryType.value, address.value.trim(), deliveryPlace.value, phone.value.trim(), comment.value.trim(), bonusWish.value, restaurantId.value, requestedTime.value, payment.value]);

  const menu = useMenu();
  const bonuses = useBonuses();

  const lines = computed(() => cartLines(quantities.value, menu.products));
  const count = computed(() => cartCount(lines.value));
  const blocked = computed(() => unavailableLines(lines.value));
  /** What can be ordered now: a dish on the stop-list is shown, but not counted. */
  const subtotal = computed(() => cartSubtotal(lines.value.filter((l) => l.available)));
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

  /** Of one line (a dish with its options: see lineKey). */
  function lineQuantity(key: string): number {
    return quantities.value[key] ?? 0;
  }
  function setLine(key: string, q: number): void {
    const next = { ...quantities.value };
    const c = clampQuantity(q);
    if (c > 0) next[key] = c;
    else delete next[key];
    quantities.value = next;
  }
  const addLine = (key: string, n = 1) => setLine(key, lineQuantity(key) + n);
  const removeLine = (key: string) => setLine(key, lineQuantity(key) - 1);
  /** Of a dish, all its lines together (the menu's badge). */
  function quantity(productId: number): number {
    let n = 0;
    for (const [key, q] of Object.entries(quantities.value)) if (parseKey(key).productId === productId) n += q;
    return n;
  }
  /** A dish without options. */
  const setQuantity = (productId: number, q: number) => setLine(lineKey(productId), q);
  const add = (id: number) => addLine(lineKey(id));
  const remove = (id: number) => removeLine(lineKey(id));
  function removeUnavailable(): void {
    for (const l of blocked.value) setLine(l.key, 0);
  }

  /** Names of the dishes a repeat could not bring back (shown once on the cart). */
  const repeatMissing = ref<RepeatItem[]>([]);
  /** "Repeat": the order's dishes and options into this city's cart at today's prices; returns what is no longer available. */
  function repeat(order: { city_id: number; items: readonly RepeatItem[] }): RepeatItem[] {
    useCity(order.city_id);
    const { add: lines, missing } = repeatLines(order.items, menu.byId);
    for (const l of lines) addLine(l.key, l.quantity);
    repeatMissing.value = missing;
    return missing;
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
    repeatMissing.value = [];
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
      items: lines.value.map((l) => ({ productId: l.product.id, quantity: l.quantity, ...(l.options.length && { options: l.options.map((o) => o.id) }) })),
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
    if (payment.value) body.payment = payment.value;
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
    lineQuantity,
    setLine,
    addLine,
    removeLine,
    repeat,
    repeatMissing,
    setQuantity,
    add,
    remove,
    removeUnavailable,
    useCity,
    clear,
    placeOrder,
    restaurantId,
    requestedTime,
    payment,
    paymentError,
  };
});
