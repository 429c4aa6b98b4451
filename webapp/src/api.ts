import { ApiError, createApiClient, type RequestOptions as ClientRequestOptions } from '@ordercast/shared';
import { t } from './i18n';

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

/** The error in words a customer understands. */
export function humanError(e: unknown): string {
  if (!(e instanceof ApiError)) return t('err.generic', { detail: e instanceof Error ? e.message : String(e) });
  if (e.status === 0) return t('err.network');
  if (e.status === 401) return t('err.auth');
  if (e.status === 429) return t('err.rateLimited');
  if (e.status >= 500) return t('err.server');
  switch (e.code) {
    case 'product_unavailable':
    case 'option_unavailable':
    case 'unknown_product':
      // The server's message names the dish in Russian; the refreshed menu marks it in the customer's language.
      return t('err.unavailable');
    case 'bonus_limit_exceeded':
      return t('err.bonusLimit');
    case 'insufficient_bonuses':
    case 'insufficient_balance':
      return t('err.bonusBalance');
    case 'address_required':
      return t('err.address');
    case 'invalid_transition':
      return t('err.tooLateToCancel');
    case 'idempotency_key_reused':
      return t('err.alreadyPlaced');
    case 'city_paused':
    case 'restaurant_paused':
      return t('err.cityPaused');
    case 'closed':
    case 'outside_hours':
    case 'invalid_requested_time':
      return t('err.closed');
    case 'restaurant_required':
      return t('pickup.required');
    case 'outside_delivery_zones':
      return t('zone.outside');
    case 'location_required':
      return t('zone.needLocation');
    case 'not_found':
      return t('err.notFound');
    default:
      return t('err.generic', { detail: e.message });
  }
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
