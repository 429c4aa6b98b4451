import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { seesAllCities, type AuthResponse, type City, type User } from '@ordercast/shared';
import { get, post } from '../lib/api';
import { langForUser, localName } from '../i18n';

const TOKEN_KEY = 'ordercast.admin.token';
const USER_KEY = 'ordercast.admin.user';

/** The JWT's `exp` (ms), read without verifying: only to know when to ask for a new sign-in. */
export function tokenExpiry(token: string): number | null {
  try {
    const part = token.split('.')[1];
    if (!part) return null;
    const json = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
    return typeof json.exp === 'number' ? json.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** When to trade a token for a fresh one: a minute before it expires, or halfway for a shorter one (ms from now). */
export function refreshDelay(expiresAt: number, now: number): number {
  const left = Math.max(0, expiresAt - now);
  return left - Math.min(60_000, left / 2);
}

function readStored(): { token: string; user: User } | null {
  try {
    const token = localStorage.getItem(TOKEN_KEY);
    const user = localStorage.getItem(USER_KEY);
    if (!token || !user) return null;
    const exp = tokenExpiry(token);
    if (exp !== null && exp <= Date.now()) return null;
    return { token, user: JSON.parse(user) as User };
  } catch {
    return null;
  }
}

/**
 * Who is signed in. The token stays in localStorage until sign-out or expiry; when it expires
 * (a timer, or any 401) the app goes to sign-in with the page to come back to.
 */
export const useSession = defineStore('session', () => {
  const stored = readStored();
  const token = ref<string | null>(stored?.token ?? null);
  const user = ref<User | null>(stored?.user ?? null);
  const cities = ref<City[]>([]);
  /** Set when the session ended by itself (not by sign-out): the sign-in page says why. */
  const expired = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const listeners: (() => void)[] = [];

  const signedIn = computed(() => token.value !== null && user.value !== null);
  const allCities = computed(() => (user.value ? seesAllCities(user.value.role) : false));
  /** Cities this user works with (all for admin/ceo). */
  const myCities = computed(() =>
    allCities.value ? cities.value : cities.value.filter((c) => user.value?.city_ids.includes(c.id)),
  );
  const canManageStaff = computed(() => allCities.value);

  let refreshTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * A tab open all shift: a minute before the token expires (half the time left for a short one)
   * it is traded for a fresh one; only if that fails does the session end at expiry.
   */
  function schedule(): void {
    clearTimeout(timer);
    clearTimeout(refreshTimer);
    const exp = token.value ? tokenExpiry(token.value) : null;
    if (exp === null) return;
    const left = Math.max(0, exp - Date.now());
    // setTimeout overflows past ~24.8 days; tokens live hours.
    timer = setTimeout(() => expire(), Math.min(left, 2 ** 31 - 1));
    refreshTimer = setTimeout(() => void refresh().catch(() => undefined), Math.min(refreshDelay(exp, Date.now()), 2 ** 31 - 1));
  }

  function adopt(res: AuthResponse): void {
    token.value = res.token;
    user.value = res.user;
    localStorage.setItem(TOKEN_KEY, res.token);
    localStorage.setItem(USER_KEY, JSON.stringify(res.user));
    schedule();
  }

  async function login(username: string, password: string): Promise<void> {
    const res = await post<AuthResponse>('/api/auth/login', { username, password });
    expired.value = false;
    adopt(res);
    langForUser(res.user.id);
  }

  /**
   * POST /api/auth/refresh: the still-valid token for a fresh one (seed 002). Also what the live
   * connection asks for on `token-expiring`. Returns the new token; a refused one (disabled,
   * password changed) ends the session through the API's 401 handling.
   */
  async function refresh(): Promise<string> {
    if (!token.value) throw new Error('not signed in');
    adopt(await post<AuthResponse>('/api/auth/refresh'));
    return token.value!;
  }

  function clearSession(): void {
    clearTimeout(timer);
    clearTimeout(refreshTimer);
    token.value = null;
    user.value = null;
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(USER_KEY);
    for (const l of listeners) l();
  }

  function logout(): void {
    expired.value = false;
    clearSession();
  }

  /** The token is no longer good: forget it, and let the router send the user to sign in. */
  function expire(): void {
    if (!token.value) return;
    expired.value = true;
    clearSession();
  }

  /** Runs when the session ends (sign-out or expiry). */
  function onEnd(l: () => void): void {
    listeners.push(l);
  }

  async function loadCities(): Promise<void> {
    if (!cities.value.length) cities.value = await get<City[]>('/api/cities');
  }

  /** The city's name in the interface language. */
  function cityName(id: number): string {
    const c = cities.value.find((x) => x.id === id);
    if (!c) return `#${id}`;
    return localName(c);
  }

  /** The city's IANA zone: every time shown for an order is on its city's clock. */
  function cityZone(id: number): string | undefined {
    return cities.value.find((c) => c.id === id)?.timezone;
  }

  if (user.value) langForUser(user.value.id);
  schedule();
  return { token, user, cities, expired, signedIn, allCities, myCities, canManageStaff, login, refresh, logout, expire, onEnd, loadCities, cityName, cityZone };
});
