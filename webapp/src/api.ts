import { ApiError, createApiClient, type RequestOptions as ClientRequestOptions } from '@ordercast/shared';
import { t, type MessageKey } from './i18n';

export { ApiError };

let token = '';
let reauth: (() => Promise<boolean>) | null = null;

export function setToken(value: string): void {
  token = value;
}
export function getToken(): string {
  return token;
}
/** Called once on a 401: signs in again with the launch data, then the request is retried. */
export function onUnauthorized(fn: () => Promise<boolean>): void {
  reauth = fn;
}

export type RequestOptions = Pick<ClientRequestOptions, 'method' | 'body' | 'headers' | 'auth' | 'signal' | 'cache'>;

const client = createApiClient({
  getToken: () => token,
  onUnauthorized: () => (reauth ? reauth() : false),
  // A phone on a slow network: give an answer room before calling it lost.
  timeoutMs: 30_000,
  networkMessage: 'network error',
});

export function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  return client.request<T>(path, opts);
}

/**
 * What a customer is told for each error code the API answers with; any other code gets the
 * server's own words. The dish codes: the server's message names the dish in Russian, and the
 * refreshed menu marks it in the customer's language.
 */
const SAID: ReadonlyMap<string, MessageKey> = new Map<string, MessageKey>([
  ['product_unavailable', 'err.unavailable'],
  ['option_unavailable', 'err.unavailable'],
  ['unknown_product', 'err.unavailable'],
  ['bonus_limit_exceeded', 'err.bonusLimit'],
  ['insufficient_bonuses', 'err.bonusBalance'],
  ['insufficient_balance', 'err.bonusBalance'],
  ['address_required', 'err.address'],
  ['invalid_transition', 'err.tooLateToCancel'],
  ['idempotency_key_reused', 'err.alreadyPlaced'],
  ['city_paused', 'err.cityPaused'],
  ['restaurant_paused', 'err.cityPaused'],
  ['closed', 'err.closed'],
  ['outside_hours', 'err.closed'],
  ['invalid_requested_time', 'err.closed'],
  ['restaurant_required', 'pickup.required'],
  ['outside_delivery_zones', 'zone.outside'],
  ['location_required', 'zone.needLocation'],
  ['not_found', 'err.notFound'],
]);

/** The error in words a customer understands. */
export function humanError(e: unknown): string {
  if (!(e instanceof ApiError)) return t('err.generic', { detail: e instanceof Error ? e.message : String(e) });
  if (e.status === 0) return t('err.network');
  if (e.status === 401) return t('err.auth');
  if (e.status === 429) return t('err.rateLimited');
  if (e.status >= 500) return t('err.server');
  const key = SAID.get(e.code);
  return key ? t(key) : t('err.generic', { detail: e.message });
}

/** A fresh key per checkout attempt: a double tap or a retry of the same attempt never makes two orders. */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
