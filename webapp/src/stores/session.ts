import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AuthResponse, TelegramAuthResponse, User } from '@ordercast/shared';
import { api, humanError, onUnauthorized, setToken } from '../api';
import { launchInitData, requestWriteAccess } from '../telegram';
import { useMenu } from './menu';

export type BootState = 'starting' | 'no-telegram' | 'signing-in' | 'ready' | 'error';

export const CITY_HINT_KEY = 'ordercast.cityId';

export const useSession = defineStore('session', () => {
  const state = ref<BootState>('starting');
  const user = ref<User | null>(null);
  const error = ref('');

  /**
   * @param withMenu ask for the menu of the customer's city in the same answer (when no menu is
   *   already on its way): the first screen then waits for one round trip, not two.
   */
  async function signIn(withMenu = false): Promise<boolean> {
    const initData = launchInitData();
    if (!initData) {
      state.value = 'no-telegram';
      return false;
    }
    state.value = 'signing-in';
    error.value = '';
    try {
      // The raw, signed string exactly as Telegram gave it: the server checks its HMAC.
      const res = await api<TelegramAuthResponse>('/api/auth/telegram', {
        method: 'POST',
        body: withMenu ? { initData, withMenu } : { initData },
        auth: false,
      });
      setToken(res.token);
      if (res.menu) useMenu().adopt(res.menu);
      user.value = res.user;
      rememberCity(res.user.city_id);
      state.value = 'ready';
      return true;
    } catch (e) {
      error.value = humanError(e);
      state.value = 'error';
      return false;
    }
  }

  /** The token expired: sign in again with the same launch data (still valid for INITDATA_MAX_AGE_S). */
  async function reauth(): Promise<boolean> {
    const initData = launchInitData();
    if (!initData) return false;
    try {
      const res = await api<AuthResponse>('/api/auth/telegram', { method: 'POST', body: { initData }, auth: false });
      setToken(res.token);
      user.value = res.user;
      return true;
    } catch {
      return false;
    }
  }
  onUnauthorized(reauth);

  /**
   * A fresh token before the current one expires (the live connection asks on `token-expiring`):
   * sign in again with the launch data; once that is too old (INITDATA_MAX_AGE_S), trade the
   * still-valid token at POST /api/auth/refresh.
   */
  async function refresh(): Promise<boolean> {
    if (await reauth()) return true;
    try {
      const res = await api<AuthResponse>('/api/auth/refresh', { method: 'POST' });
      setToken(res.token);
      user.value = res.user;
      return true;
    } catch {
      return false;
    }
  }

  async function chooseCity(cityId: number): Promise<void> {
    user.value = await api<User>('/api/me', { method: 'PATCH', body: { cityId } });
    rememberCity(cityId);
  }

  async function savePhone(phone: string): Promise<void> {
    if (!user.value || user.value.phone === phone) return;
    try {
      user.value = await api<User>('/api/me', { method: 'PATCH', body: { phone } });
    } catch {
      /* remembering the phone is a nicety; the order already carries it */
    }
  }

  /**
   * After an order: asks once whether the bot may message the customer (Telegram's
   * requestWriteAccess) and remembers the answer on the server, so it is never asked again. Not
   * asked when already answered (or the bot was started), or where Telegram cannot ask.
   */
  async function askWriteAccessOnce(): Promise<void> {
    const u = user.value;
    if (!u || u.role !== 'customer' || (u.bot_write_access !== null && u.bot_write_access !== undefined) || asking) return;
    asking = true;
    try {
      const allowed = await requestWriteAccess();
      if (allowed === null) return;
      user.value = await api<User>('/api/me/write-access', { method: 'POST', body: { allowed } });
    } catch (e) {
      console.warn('[write-access] not saved', e);
    } finally {
      asking = false;
    }
  }
  let asking = false;

  return { state, user, error, signIn, reauth, refresh, chooseCity, savePhone, askWriteAccessOnce };
});

function rememberCity(id: number | null): void {
  try {
    if (id) localStorage.setItem(CITY_HINT_KEY, String(id));
  } catch {
    /* private mode */
  }
}

/** The city of the last launch: lets the menu load in parallel with sign-in. */
export function cityHint(): number | null {
  try {
    const n = Number(localStorage.getItem(CITY_HINT_KEY));
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}
