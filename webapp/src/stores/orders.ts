import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { Order, OrderDetail, OrderList, OrderStatusUpdated } from '@ordercast/shared';
import type { OrderEtaUpdated, OrderPaymentUpdated } from '@ordercast/shared';
import { api } from '../api';
import { applyStatusEvent } from '../logic/timeline';

export const useOrders = defineStore('orders', () => {
  const list = shallowRef<Order[]>([]);
  const listLoaded = ref(false);
  const details = ref<Record<number, OrderDetail>>({});

  async function loadList(): Promise<void> {
    const r = await api<OrderList>('/api/orders?limit=50');
    list.value = r.items;
    listLoaded.value = true;
  }

  async function loadDetail(id: number): Promise<OrderDetail> {
    const r = await api<{ order: OrderDetail }>(`/api/orders/${id}`);
    details.value = { ...details.value, [id]: r.order };
    upsert(r.order);
    return r.order;
  }

  function upsert(o: Order): void {
    const i = list.value.findIndex((x) => x.id === o.id);
    if (i >= 0) {
      const next = [...list.value];
      next[i] = { ...next[i]!, ...stripDetail(o) };
      list.value = next;
    } else {
      list.value = [stripDetail(o), ...list.value];
    }
  }

  /** `order-status-updated`: the page moves at once, then the full detail (history, sync) is refetched. */
  function applyStatus(ev: OrderStatusUpdated): void {
    list.value = list.value.map((o) => withCancel(applyStatusEvent(o, ev), ev));
    const d = details.value[ev.orderId];
    if (d) {
      details.value = { ...details.value, [ev.orderId]: withCancel(applyStatusEvent(d, ev), ev) };
      loadDetail(ev.orderId).catch(() => undefined);
    }
  }

  /** `order-eta-updated`: staff moved the promised time; the page shows the new time at once. */
  function applyEta(ev: OrderEtaUpdated): void {
    const move = <T extends Order>(o: T): T => (o.id === ev.orderId ? { ...o, promised_at: ev.promisedAt } : o);
    list.value = list.value.map(move);
    const d = details.value[ev.orderId];
    if (d) details.value = { ...details.value, [ev.orderId]: move(d) };
    etaMoved.value = { ...etaMoved.value, [ev.orderId]: ev.reason };
  }
  /** `order-payment-updated`: paid, refund due, refunded; shown at once, then the detail is refetched. */
  function applyPayment(ev: OrderPaymentUpdated): void {
    const move = <T extends Order>(o: T): T =>
      o.id === ev.orderId
        ? {
            ...o,
            payment_status: ev.status,
            payment: { ...o.payment, status: ev.status, telegram_payment_charge_id: ev.telegramChargeId, provider_payment_charge_id: ev.providerChargeId },
          }
        : o;
    list.value = list.value.map(move);
    const d = details.value[ev.orderId];
    if (d) {
      details.value = { ...details.value, [ev.orderId]: move(d) };
      loadDetail(ev.orderId).catch(() => undefined);
    }
  }
  /** The reason of the last live time change per order (shown under the new time). */
  const etaMoved = ref<Record<number, string>>({});

  async function cancel(id: number): Promise<void> {
    const r = await api<{ order: Order }>(`/api/orders/${id}/cancel`, { method: 'POST', body: {} });
    upsert(r.order);
    await loadDetail(id).catch(() => undefined);
  }

  return { list, listLoaded, details, etaMoved, loadList, loadDetail, upsert, applyStatus, applyEta, applyPayment, cancel };
});

/** A cancel's reason arrives with the event: shown at once, before the refetch. */
function withCancel<T extends Order>(o: T, ev: OrderStatusUpdated): T {
  if (o.id !== ev.orderId || ev.newStatus !== 'cancelled' || !ev.cancelReason) return o;
  return { ...o, cancel_reason: ev.cancelReason, cancel_note: ev.cancelNote ?? null };
}

function stripDetail(o: Order | OrderDetail): Order {
  const { history: _h, sync: _s, customer: _c, ...rest } = o as OrderDetail;
  return rest;
}
