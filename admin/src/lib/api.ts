import { ApiError, type ErrorBody } from '@ordercast/shared';

export { ApiError };

export interface ApiHooks {
  getToken(): string | null;
  /** A 401 on an authenticated call: the token expired or the account was disabled. */
  onUnauthorized(): void;
}

let hooks: ApiHooks = { getToken: () => null, onUnauthorized: () => {} };
export function configureApi(h: ApiHooks): void {
  hooks = h;
}

type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** JSON over fetch with the staff token; errors become ApiError with the server's code and message. */
export async function api<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const token = hooks.getToken();
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(withQuery(path, query), { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached');
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = (data ?? {}) as Partial<ErrorBody>;
    if (res.status === 401 && token) hooks.onUnauthorized();
    throw new ApiError(res.status, err.error ?? 'http_error', err.message ?? `Request failed (${res.status})`);
  }
  return data as T;
}

export const get = <T>(path: string, query?: Query) => api<T>('GET', path, undefined, query);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
