import { ApiError } from '@ordercast/shared';
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

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  auth?: boolean;
}

export async function api<T>(path: string, opts: RequestOptions = {}, retried = false): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.auth !== false && token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch {
    throw new ApiError(0, 'network', 'network error');
  }
  if (res.status === 401 && opts.auth !== false && !retried && reauth) {
    if (await reauth()) return api<T>(path, opts, true);
  }
  if (!res.ok) {
    let code = `http_${res.status}`;
    let message = res.statusText;
    try {
      const body = (await res.json()) as { error?: string; message?: string };
      if (body.error) code = body.error;
      if (body.message) message = body.message;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, code, message);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
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
    case 'unknown_product':
      return t('err.unavailable', { detail: e.message });
    case 'bonus_limit_exceeded':
      return t('err.bonusLimit', { detail: e.message });
    case 'insufficient_bonuses':
    case 'insufficient_balance':
      return t('err.bonusBalance');
    case 'address_required':
      return t('err.address');
    case 'invalid_transition':
      return t('err.tooLateToCancel');
    case 'idempotency_key_reused':
      return t('err.alreadyPlaced');
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
