import { defineStore } from 'pinia';
import { ref } from 'vue';
import { createRealtimeClient, type RealtimeClient } from '@ordercast/shared/client';
import type { ConnectionStatus, MenuUpdated, OrderPaymentUpdated } from '@ordercast/shared';
import { alertKey, describe as describeAlert, plainText } from '../lib/alerts';
import { money } from '../lib/format';
import { t } from '../i18n';
import { useAlerts } from './alerts';
import { useBoard } from './board';
import { useChat } from './chat';
import { useCityStatus } from './city-status';
import { useHealth } from './health';
import { usePrefs } from './prefs';
import { useSession } from './session';
import { useToasts } from './toasts';

type MenuListener = (ev: MenuUpdated) => void;

/**
 * The one realtime connection of the app and where its events go: the board, the alerts,
 * the toasts and the chime. Status is shown in the header at all times.
 */
export const useLive = defineStore('live', () => {
  const status = ref<ConnectionStatus>('offline');
  const transport = ref<'ws' | 'sse' | null>(null);
  let rt: RealtimeClient | null = null;
  let offs: (() => void)[] = [];
  const menuListeners = new Set<MenuListener>();
  /** Called on `resync` (and after sign-in): every view refetches what it shows. */
  const resyncListeners = new Set<() => void>();
  const paymentListeners = new Set<(ev: OrderPaymentUpdated) => void>();

  function start(): void {
    if (rt) return;
    const session = useSession();
    const board = useBoard();
    const alerts = useAlerts();
    const toasts = useToasts();
    const prefs = usePrefs();
    const health = useHealth();
    const chat = useChat().model;
    rt = createRealtimeClient({
      baseUrl: window.location.origin,
      getToken: () => session.token ?? '',
      // On `token-expiring` the connection carries on with a fresh token (seed 002); the tab is not signed out.
      refreshToken: () => session.refresh(),
      onAuthError: () => session.expire(),
    });
    const client = rt;
    offs = [
      client.onStatus((s) => {
        status.value = s;
        transport.value = client.transport;
      }),
      client.on('connected', () => {
        transport.value = client.transport;
      }),
      client.on('new-order', (order) => {
        if (prefs.cityId !== null && order.city_id !== prefs.cityId) {
          // Kept, so a filter change shows it; announced (unseen, chime) when the board's refetch for that city brings it.
          board.onNewOrder(order);
          return;
        }
        if (board.onNewOrder(order)) {
          board.announce(order);
          prefs.chime();
          toasts.push({
            kind: 'order',
            title: t('toast.newOrder', { n: order.order_number }),
            text: `${session.cityName(order.city_id)} · ${order.delivery.type === 'delivery' ? t('common.delivery') : t('common.pickup')} · ${money(order.total)}`,
            action: () => void board.openDetail(order.id),
          });
        }
      }),
      client.on('order-status-updated', (ev) => board.onStatusUpdated(ev)),
      client.on('order-eta-updated', (ev) => board.onEtaUpdated(ev)),
      client.on('city-status-updated', (ev) => useCityStatus().onUpdated(ev)),
      client.on('sync-error', (ev) => {
        const number = ev.entity === 'order' ? board.orderNumber(ev.entityId) : undefined;
        const known = alerts.map.has(alertKey(ev.entity, ev.entityId, ev.action));
        const a = alerts.onError(ev, number ? `#${number}` : undefined);
        board.onSync(ev, 'error');
        void health.poll(); // the header's POS state follows at once, not at the next poll
        // Every error updates the panel; a toast when a problem starts and when the POS sync gives up
        // (not for each automatic retry of the same order).
        if (!known || ev.nextRetryAt === null) {
          toasts.push({
            kind: 'error',
            title: ev.nextRetryAt === null ? t('alerts.toastGaveUp', { what: describeAlert(a) }) : describeAlert(a),
            text: plainText(a, Date.now()),
          });
        }
      }),
      client.on('sync-success', (ev) => {
        alerts.onSuccess(ev);
        board.onSync(ev, 'success');
        if (health.pos !== 'up') void health.poll();
      }),
      client.on('menu-updated', (ev) => {
        for (const l of menuListeners) l(ev);
      }),
      client.on('order-payment-updated', (ev) => {
        board.onPayment(ev);
        for (const l of paymentListeners) l(ev);
      }),
      client.on('resync', () => {
        chat.loadUnread().catch(() => undefined);
        for (const l of resyncListeners) l();
      }),
      // Order chat (issue 18): messages reach the city's staff rooms, so the board marks unread orders live.
      client.on('order-message', (m) => {
        chat.onMessage(m);
        // Not for old messages a resume replays: only what was just written.
        if (m.author.kind === 'customer' && board.selectedId !== m.orderId && Date.now() - Date.parse(m.createdAt) < 120_000) {
          const n = board.orderNumber(m.orderId);
          toasts.push({
            kind: 'order',
            title: t('toast.newMessage', { n: n ?? m.orderId }),
            text: m.text.length > 120 ? `${m.text.slice(0, 120)}…` : m.text,
            action: () => void board.openDetail(m.orderId),
          });
        }
      }),
      client.on('order-chat-read', (ev) => chat.onRead(ev)),
      client.on('chat-state', (st) => chat.onState(st)),
      client.on('typing', (ev) => chat.onTyping(ev)),
      client.on('chat-presence', (ev) => chat.onPresence(ev)),
      client.on('connected', () => chat.refreshPending()),
    ];
    chat.attach(client.chat);
    chat.loadUnread().catch(() => undefined);
    client.connect();
  }

  function stop(): void {
    for (const off of offs) off();
    offs = [];
    rt?.close();
    rt = null;
    status.value = 'offline';
    transport.value = null;
  }

  function onMenu(l: MenuListener): () => void {
    menuListeners.add(l);
    return () => menuListeners.delete(l);
  }

  /** `order-payment-updated` (the refunds list follows it). */
  function onPayment(l: (ev: OrderPaymentUpdated) => void): () => void {
    paymentListeners.add(l);
    return () => paymentListeners.delete(l);
  }

  function onResync(l: () => void): () => void {
    resyncListeners.add(l);
    return () => resyncListeners.delete(l);
  }

  function joinRoom(room: string): void {
    rt?.joinRoom(room);
  }
  function leaveRoom(room: string): void {
    rt?.leaveRoom(room);
  }

  return { status, transport, start, stop, onMenu, onPayment, onResync, joinRoom, leaveRoom };
});
