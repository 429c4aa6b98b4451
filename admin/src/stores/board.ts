import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import {
  ACTIVE_STATUSES,
  type Order,
  type OrderDetail,
  type OrderDetailResponse,
  type OrderList,
  type OrderResponse,
  type OrderStatus,
  type OrderStatusUpdated,
  type SyncError,
  type SyncSuccess,
} from '@ordercast/shared';
import type { OrderEtaUpdated, OrderPaymentUpdated } from '@ordercast/shared';
import { get, post } from '../lib/api';
import { applyPaymentEvent, applyStatusUpdate, applySyncEvent, groupBoard, isWaiting, newArrivals, pruneFinished, upsertOrder, type OrderMap } from '../lib/board';
import { usePrefs } from './prefs';

/**
 * The live board: every active order the user may see, by id. REST fills it, events keep it
 * current; the pure functions in lib/board decide what an event does.
 */
export const useBoard = defineStore('board', () => {
  const orders = shallowRef<OrderMap>(new Map());
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const q = ref('');
  const statuses = ref<OrderStatus[]>([]);
  /** The order open in the side panel. */
  const selectedId = ref<number | null>(null);
  const detail = shallowRef<OrderDetail | null>(null);
  const detailError = ref<string | null>(null);
  /** Ids that arrived live recently: their cards flash. */
  const fresh = ref<Set<number>>(new Set());
  /** New orders (created after the page opened) that nobody has opened here yet: the chime repeats while there are any. */
  const unseen = ref<Set<number>>(new Set());
  const unseenCount = computed(() => unseen.value.size);
  function markUnseen(id: number): void {
    if (selectedId.value !== id) unseen.value = new Set(unseen.value).add(id);
  }
  /**
   * The newest order id this user could see when the board first loaded (null until then): orders
   * above it were created after the page opened, however they reach the board.
   */
  const openedAfterId = ref<number | null>(null);
  /** Orders already announced here (marked unseen and chimed): a refetch never announces one again. */
  let announced = new Set<number>();
  /** A new order reaches this board: unseen while it waits for a person. Once per order. */
  function announce(o: Order): void {
    announced.add(o.id);
    if (waiting(o.status)) markUnseen(o.id);
  }
  /** Orders a refetch brought that are new since the page opened: announced, and the chime rings once for them. */
  function arrive(list: Iterable<Order>): number {
    const news = newArrivals(list, openedAfterId.value, announced);
    for (const o of news) announce(o);
    if (news.length > 0) usePrefs().chime();
    return news.length;
  }
  function markSeen(id: number): void {
    if (!unseen.value.has(id)) return;
    const next = new Set(unseen.value);
    next.delete(id);
    unseen.value = next;
  }
  const waiting = isWaiting;
  /** Unseen orders that someone took further, or that left the board, stop the alert. */
  function dropHandled(): void {
    const keep = [...unseen.value].filter((id) => waiting(orders.value.get(id)?.status));
    if (keep.length !== unseen.value.size) unseen.value = new Set(keep);
  }

  const touch = () => triggerRef(orders);

  function columns(cityId: number | null) {
    return groupBoard(orders.value.values(), { cityId, q: q.value, statuses: statuses.value });
  }
  const activeCount = computed(() => {
    let n = 0;
    for (const o of orders.value.values()) if ((ACTIVE_STATUSES as readonly string[]).includes(o.status)) n++;
    return n;
  });

  /**
   * Orders whose `new-order` arrived while a load was in flight: the load's snapshot may have been
   * taken before they existed, and they must not vanish (with their unseen mark) when it lands.
   */
  let arrivedDuringLoad = new Set<number>();

  /** (Re)loads every active order: on start, on city change, and on `resync`. */
  async function load(cityId: number | null): Promise<void> {
    loading.value = true;
    arrivedDuringLoad = new Set();
    try {
      // The first load fixes what "after the page opened" means: the newest order visible now (list is newest first).
      if (openedAfterId.value === null) openedAfterId.value = (await get<OrderList>('/api/admin/orders', { limit: 1 })).items[0]?.id ?? 0;
      const map: OrderMap = new Map();
      const page = 200;
      for (let offset = 0; ; offset += page) {
        const res = await get<OrderList>('/api/admin/orders', {
          status: ACTIVE_STATUSES.join(','),
          cityId: cityId ?? undefined,
          limit: page,
          offset,
        });
        for (const o of res.items) map.set(o.id, o);
        if (res.items.length < page || offset + page >= res.total) break;
      }
      // A live event newer than the snapshot wins; an order created after the snapshot stays.
      for (const o of orders.value.values()) {
        const s = map.get(o.id);
        if (s ? s.updated_at < o.updated_at : arrivedDuringLoad.has(o.id) && (cityId === null || o.city_id === cityId) && (ACTIVE_STATUSES as readonly string[]).includes(o.status)) map.set(o.id, o);
      }
      orders.value = map;
      arrive(map.values());
      dropHandled();
      error.value = null;
      loaded.value = true;
      if (selectedId.value !== null) void openDetail(selectedId.value, true);
    } catch (e) {
      error.value = (e as Error).message;
    } finally {
      loading.value = false;
    }
  }

  /** `new-order`: true when it is new to this board (a replayed duplicate returns false). */
  function onNewOrder(o: Order): boolean {
    const isNew = !orders.value.has(o.id);
    if (isNew && loading.value) arrivedDuringLoad.add(o.id);
    if (upsertOrder(orders.value, o)) touch();
    if (isNew) {
      fresh.value = new Set(fresh.value).add(o.id);
      setTimeout(() => {
        const next = new Set(fresh.value);
        next.delete(o.id);
        fresh.value = next;
      }, 8000);
    }
    return isNew;
  }

  async function fetchOrder(id: number): Promise<Order | null> {
    try {
      const { order } = await get<OrderDetailResponse>(`/api/admin/orders/${id}`);
      upsertOrder(orders.value, order);
      touch();
      arrive([order]);
      return order;
    } catch {
      return null;
    }
  }

  function onStatusUpdated(ev: OrderStatusUpdated): void {
    const r = applyStatusUpdate(orders.value, ev);
    if (r === 'applied') touch();
    if (!waiting(ev.newStatus)) markSeen(ev.orderId);
    // An order this board never saw (e.g. placed before a city filter change): fetch it.
    if (r === 'unknown' && (ACTIVE_STATUSES as readonly string[]).includes(ev.newStatus)) void fetchOrder(ev.orderId);
    if (selectedId.value === ev.orderId) void openDetail(ev.orderId, true);
    pruneFinished(orders.value, Date.now());
  }

  /** `order-eta-updated`: the card's countdown follows the new promised time at once. */
  function onEtaUpdated(ev: OrderEtaUpdated): void {
    const o = orders.value.get(ev.orderId);
    if (o && o.promised_at !== ev.promisedAt) {
      orders.value.set(o.id, { ...o, promised_at: ev.promisedAt });
      touch();
    }
    if (selectedId.value === ev.orderId) void openDetail(ev.orderId, true);
  }

  /** Staff move the promised time (+N minutes or a new time), always with a reason. */
  async function moveEta(id: number, change: { addMinutes: number } | { promisedAt: string }, reason: string): Promise<Order> {
    const { order } = await post<OrderResponse>(`/api/admin/orders/${id}/eta`, { ...change, reason });
    upsertOrder(orders.value, order);
    touch();
    if (selectedId.value === id) await openDetail(id, true);
    return order;
  }

  /** `order-payment-updated`: the card and the open panel show the money's new state. */
  function onPayment(ev: OrderPaymentUpdated): void {
    if (applyPaymentEvent(orders.value, ev)) touch();
    if (selectedId.value === ev.orderId) void openDetail(ev.orderId, true);
  }

  function onSync(ev: SyncError | SyncSuccess, kind: 'error' | 'success'): void {
    if (applySyncEvent(orders.value, ev, kind)) touch();
    if (ev.entity === 'order' && selectedId.value === ev.entityId) void openDetail(ev.entityId, true);
  }

  async function openDetail(id: number, quiet = false): Promise<void> {
    selectedId.value = id;
    markSeen(id);
    if (!quiet) {
      detail.value = null;
      detailError.value = null;
    }
    try {
      const { order } = await get<OrderDetailResponse>(`/api/admin/orders/${id}`);
      if (selectedId.value !== id) return;
      detail.value = order;
      detailError.value = null;
      if (upsertOrder(orders.value, order)) touch();
    } catch (e) {
      if (selectedId.value === id && !quiet) detailError.value = (e as Error).message;
    }
  }

  function closeDetail(): void {
    selectedId.value = null;
    detail.value = null;
  }

  /** A cancel asked for from a board card: the order panel opens with its cancel dialog. */
  const askCancel = ref<number | null>(null);

  /** For a cancel, `reason` is the code (CANCEL_REASONS) and `note` optional text. */
  async function move(id: number, to: OrderStatus, reason?: string, note?: string): Promise<Order> {
    const { order } = await post<OrderResponse>(`/api/admin/orders/${id}/status`, { status: to, ...(reason && { reason }), ...(note && { note }) });
    upsertOrder(orders.value, order);
    touch();
    if (selectedId.value === id) await openDetail(id, true);
    return order;
  }

  function orderNumber(id: number): string | undefined {
    return orders.value.get(id)?.order_number;
  }

  function reset(): void {
    orders.value = new Map();
    unseen.value = new Set();
    openedAfterId.value = null;
    announced = new Set();
    loaded.value = false;
    closeDetail();
  }

  return {
    orders, loading, loaded, error, q, statuses, selectedId, askCancel, detail, detailError, fresh, activeCount, unseen, unseenCount,
    columns, markUnseen, markSeen, openedAfterId, announce, arrive, load, onNewOrder, onStatusUpdated, onEtaUpdated, moveEta, onPayment, onSync, openDetail, closeDetail, move, fetchOrder, orderNumber, reset,
  };
});
