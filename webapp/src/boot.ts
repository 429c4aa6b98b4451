import { watch } from 'vue';
import type { Router } from 'vue-router';
import { cityMenuRoom } from '@ordercast/shared';
import { setLocale, startLocale } from './i18n';
import { initTelegram, setClosingConfirmation, telegramLanguage, tg } from './telegram';
import { wireTelegramMainButton } from './composables/useMainButton';
import { cityHint, useSession } from './stores/session';
import { useMenu } from './stores/menu';
import { useCart } from './stores/cart';
import { useBonuses } from './stores/bonuses';
import { useOrders } from './stores/orders';
import { useChat } from './stores/chat';
import { realtime, startRealtime, type Realtime } from './realtime';
import { findStartParam, openStartTarget, parseStartParam } from './start-param';

/** Start-up: Telegram, language, sign-in; the menu of the last city loads alongside sign-in. */
export async function boot(router: Router): Promise<void> {
  initTelegram();
  captureStartParam();
  setLocale(startLocale(telegramLanguage(), navigator.languages?.length ? navigator.languages : [navigator.language]));
  wireTelegramMainButton();
  const menu = useMenu();
  const cart = useCart();

  watch(
    () => cart.count > 0,
    (on) => setClosingConfirmation(on),
    { immediate: true },
  );

  const hint = cityHint();
  if (hint) menu.load(hint).catch(() => undefined);
  await signInAndStart(router, !hint);
}

/** @param withMenu no menu is loading yet: let the sign-in answer carry the city's menu. */
export async function signInAndStart(router: Router, withMenu = false): Promise<void> {
  const session = useSession();
  if (!(await session.signIn(withMenu))) return;
  const user = session.user!;
  const menu = useMenu();
  const cart = useCart();
  const bonuses = useBonuses();
  bonuses.setBalance(user.bonus_balance);
  if (user.phone && !cart.phone) cart.phone = user.phone;
  if (user.city_id) {
    cart.useCity(user.city_id);
    menu.load(user.city_id).catch(() => undefined);
  } else {
    await router.isReady();
    if (router.currentRoute.value.name !== 'city') await router.replace({ name: 'city' });
  }
  bonuses.load().catch(() => undefined);
  wireRealtime();
  await openStartParam(router);
}

let startParam: string | undefined;
let startParamUsed = false;

/** Read before anything navigates: the first route change drops the URL's `?startapp=`. */
function captureStartParam(): void {
  let fromInitData: string | undefined;
  try {
    fromInitData = tg.initDataUnsafe?.start_param;
  } catch {
    /* outside Telegram */
  }
  startParam = findStartParam(fromInitData, window.location.search);
}

/** A deep link (startapp=city-2, order-123, orders) is followed once, after sign-in. */
async function openStartParam(router: Router): Promise<void> {
  if (startParamUsed) return;
  startParamUsed = true;
  const target = parseStartParam(startParam);
  if (!target) return;
  await router.isReady();
  const orders = useOrders();
  await openStartTarget(target, {
    switchCity: (cityId) => (useSession().user?.city_id === cityId ? Promise.resolve() : switchCity(cityId)),
    loadOrder: (id) => orders.loadDetail(id),
    go: (route) => router.replace(route),
  });
}

function wireRealtime(): void {
  if (realtime()) return;
  const session = useSession();
  const menu = useMenu();
  const bonuses = useBonuses();
  const orders = useOrders();
  let rt: Realtime;
  try {
    rt = startRealtime(
      () => session.reauth(),
      () => session.refresh(),
    );
  } catch (e) {
    console.warn('[realtime] not started', e);
    return;
  }
  rt.on('order-status-updated', (d) => orders.applyStatus(d));
  rt.on('order-created', (o) => orders.upsert(o));
  rt.on('bonus-updated', (d) => bonuses.applyUpdate(d));
  rt.on('menu-updated', (d) => menu.applyUpdate(d));
  rt.on('order-eta-updated', (d) => orders.applyEta(d));
  rt.on('order-payment-updated', (d) => orders.applyPayment(d));
  rt.on('city-status-updated', (d) => menu.applyCityStatus(d));
  // Order chat (issue 18): messages reach the customer's own room, so the badges follow even with no chat open.
  const chat = useChat().model;
  chat.attach(rt.chat);
  rt.on('order-message', (m) => chat.onMessage(m));
  rt.on('order-chat-read', (ev) => chat.onRead(ev));
  rt.on('chat-state', (st) => chat.onState(st));
  rt.on('typing', (ev) => chat.onTyping(ev));
  rt.on('chat-presence', (ev) => chat.onPresence(ev));
  rt.on('connected', () => chat.refreshPending());
  chat.loadUnread().catch(() => undefined);
  rt.on('resync', () => {
    chat.loadUnread().catch(() => undefined);
    const cityId = session.user?.city_id;
    if (cityId) menu.load(cityId, true).catch(() => undefined);
    bonuses.load().catch(() => undefined);
    if (orders.listLoaded) orders.loadList().catch(() => undefined);
    for (const id of Object.keys(orders.details)) orders.loadDetail(Number(id)).catch(() => undefined);
  });
  const city = session.user?.city_id;
  if (city) rt.joinRoom(cityMenuRoom(city));
}

/** After the customer picks a city: remember it on the server, follow its stop-list. */
export async function switchCity(cityId: number): Promise<void> {
  const session = useSession();
  const menu = useMenu();
  const cart = useCart();
  const old = session.user?.city_id ?? null;
  await Promise.all([session.chooseCity(cityId), menu.load(cityId)]);
  cart.useCity(cityId);
  const rt = realtime();
  if (rt && old !== cityId) {
    if (old) rt.leaveRoom(cityMenuRoom(old));
    rt.joinRoom(cityMenuRoom(cityId));
  }
}
