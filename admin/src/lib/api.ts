import { ApiError, createApiClient, withQuery, type Query, type RequestOptions } from '@ordercast/shared';

export { ApiError, withQuery };

export interface ApiHooks {
  getToken(): string | null;
  /** A 401 on an authenticated call: the token expired or the account was disabled. */
  onUnauthorized(): void;
}

let hooks: ApiHooks = { getToken: () => null, onUnauthorized: () => {} };
export function configureApi(h: ApiHooks): void {
  hooks = h;
}

const client = createApiClient({
  getToken: () => hooks.getToken(),
  onUnauthorized: () => hooks.onUnauthorized(),
});

/** JSON over fetch with the staff token; errors become ApiError with the server's code and message. */
export async function api<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  return client.request<T>(path, { method: method as RequestOptions['method'], body, query });
}

export const get = <T>(path: string, query?: Query) => api<T>('GET', path, undefined, query);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
