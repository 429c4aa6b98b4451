import { ApiError } from './api-error';

/** Query parameters; undefined, null and '' are left out. */
export type Query = Record<string, string | number | boolean | undefined | null>;

export interface ApiClientOptions {
  /** Prefix of every path ('' = same origin, as both apps are served). */
  baseUrl?: string;
  /** The bearer token of the signed-in user, read per request. */
  getToken?: () => string | null | undefined;
  /**
   * A 401 on a request that carried a token. Resolve true when the token was renewed: the request is
   * then sent once more. Anything else lets the 401 through as an ApiError.
   */
  onUnauthorized?: () => Promise<boolean> | boolean | void;
  /** A request that takes longer fails with code `timeout` (0 = never). */
  timeoutMs?: number;
  /** The message of a network failure, in the app's words. */
  networkMessage?: string;
  fetch?: typeof fetch;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  /** false: send no token (sign-in, public reads). */
  auth?: boolean;
  /** Aborting it fails the request with code `aborted`. */
  signal?: AbortSignal;
  /** The browser cache mode, e.g. 'no-cache' to revalidate an answer the server lets be cached. */
  cache?: 'default' | 'no-store' | 'reload' | 'no-cache' | 'force-cache' | 'only-if-cached';
  timeoutMs?: number;
}

export interface ApiClient {
  request<T>(path: string, opts?: RequestOptions): Promise<T>;
}

export const DEFAULT_TIMEOUT_MS = 20_000;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  if (!s) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${s}`;
}

/**
 * JSON over fetch for both apps: base URL, bearer token, a timeout, the caller's abort, and every
 * failure as an ApiError — the server's `{error, message}` when it sent one, `network`, `timeout`
 * or `aborted` (status 0) when no answer came.
 */
export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const base = options.baseUrl ?? '';
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const networkMessage = options.networkMessage ?? 'The server cannot be reached';

  async function send(path: string, opts: RequestOptions, retried: boolean): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const token = opts.auth === false ? null : options.getToken?.();
    if (token) headers.authorization = `Bearer ${token}`;

    const timeoutMs = opts.timeoutMs ?? defaultTimeout;
    const controller = new AbortController();
    let timedOut = false;
    const timer = timeoutMs > 0 ? setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs) : null;
    const onAbort = () => controller.abort();
    if (opts.signal?.aborted) controller.abort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });

    const doFetch = options.fetch ?? globalThis.fetch;
    let res: Response;
    try {
      res = await doFetch(`${base}${withQuery(path, opts.query)}`, {
        method: opts.method ?? 'GET',
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: controller.signal,
        ...(opts.cache && { cache: opts.cache }),
      });
    } catch {
      if (timedOut) throw new ApiError(0, 'timeout', `No answer in ${Math.round(timeoutMs / 1000)} s`);
      if (opts.signal?.aborted) throw new ApiError(0, 'aborted', 'The request was cancelled');
      throw new ApiError(0, 'network', networkMessage);
    } finally {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    if (res.status === 401 && token && !retried && options.onUnauthorized) {
      if ((await options.onUnauthorized()) === true) return send(path, opts, true);
    }
    return res;
  }

  return {
    async request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
      const res = await send(path, opts, false);
      const text = res.status === 204 ? '' : await res.text();
      let data: unknown = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch {
        data = null;
      }
      if (!res.ok) {
        const err = (data && typeof data === 'object' ? data : {}) as { error?: unknown; message?: unknown };
        throw new ApiError(
          res.status,
          typeof err.error === 'string' ? err.error : `http_${res.status}`,
          typeof err.message === 'string' ? err.message : `Request failed (${res.status})`,
        );
      }
      return (res.status === 204 ? undefined : data) as T;
    },
  };
}
