import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { NON_RETRYABLE_CODES, PosCancelAccepted, PosMenu, PosOrderAccepted, type PosCancelBody, type PosOrderBody } from './wire';

export type PosFailureKind = 'timeout' | 'unreachable' | 'http' | 'rejected' | 'bad_response' | 'aborted';

export type PosResult<T> =
  | { ok: true; status: number; data: T }
  | {
      ok: false;
      kind: PosFailureKind;
      /** Whether trying the same request again later can succeed. */
      retryable: boolean;
      /** The POS's own code for a rejection (PRICE_MISMATCH, …) or a transport code (timeout, unreachable, http_503). */
      code: string;
      /** For staff: what went wrong, e.g. "POS did not answer within 5000 ms". */
      message: string;
      status?: number;
    };

export type PosHealth = 'up' | 'down' | 'unknown';

const NON_RETRYABLE = new Set<string>(NON_RETRYABLE_CODES);

/**
 * The server's only way to the POS: HTTP at POS_URL with a timeout on every call (a hanging POS
 * costs at most POS_TIMEOUT_MS), classifying every failure as retryable or not. Every answer
 * also updates the POS health that /health reports.
 */
export class PosClient {
  private state: PosHealth = 'unknown';
  private lastContact = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly upListeners: (() => void)[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    /** Aborted when the server shuts down: in-flight calls end at once as `aborted`. */
    private readonly shutdown: AbortSignal,
  ) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
  }

  health(): PosHealth {
    return this.state;
  }

  sendOrder(body: PosOrderBody): Promise<PosResult<PosOrderAccepted>> {
    return this.request('POST', '/orders', PosOrderAccepted, body);
  }

  cancelOrder(posOrderId: string, body: PosCancelBody): Promise<PosResult<PosCancelAccepted>> {
    return this.request('POST', `/orders/${encodeURIComponent(posOrderId)}/cancel`, PosCancelAccepted, body);
  }

  getMenu(cityId?: number): Promise<PosResult<PosMenu>> {
    return this.request('GET', cityId ? `/menu?cityId=${cityId}` : '/menu', PosMenu);
  }

  /** Called whenever an answer shows the POS healthy after it was down or not yet seen. */
  onUp(fn: () => void): void {
    this.upListeners.push(fn);
  }

  /** One light call (the menu of city 1) to learn whether the POS answers; updates health. */
  async probe(): Promise<boolean> {
    return (await this.getMenu(1)).ok;
  }

  /** When nothing else has talked to the POS for a while, a light GET keeps /health honest. */
  startProbe(everyMs = 30_000): void {
    this.probeTimer = setInterval(() => {
      if (Date.now() - this.lastContact >= everyMs && !this.shutdown.aborted) void this.getMenu(1);
    }, everyMs);
    this.probeTimer.unref();
  }

  stopProbe(): void {
    clearInterval(this.probeTimer);
  }

  private seen(up: boolean): void {
    const was = this.state;
    this.state = up ? 'up' : 'down';
    this.lastContact = Date.now();
    if (up && was !== 'up') for (const fn of this.upListeners) fn();
  }

  async request<S extends TSchema>(method: 'GET' | 'POST', path: string, schema: S, body?: unknown): Promise<PosResult<Static<S>>> {
    if (this.shutdown.aborted) return { ok: false, kind: 'aborted', retryable: true, code: 'aborted', message: 'Server shutting down' };
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let status = 0;
    let text: string;
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([timeout, this.shutdown]),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      if (this.shutdown.aborted) return { ok: false, kind: 'aborted', retryable: true, code: 'aborted', message: 'Server shutting down' };
      this.seen(false);
      if (timeout.aborted) {
        return { ok: false, kind: 'timeout', retryable: true, code: 'timeout', message: `POS did not answer within ${this.timeoutMs} ms` };
      }
      return { ok: false, kind: 'unreachable', retryable: true, code: 'unreachable', message: `POS unreachable: ${describe(err)}` };
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (status >= 200 && status < 300) {
      this.seen(true);
      if (!Value.Check(schema, json)) {
        return { ok: false, kind: 'bad_response', retryable: true, code: 'bad_response', message: `POS answered ${status} with an unexpected body`, status };
      }
      return { ok: true, status, data: json as Static<S> };
    }
    const posCode = typeof (json as { code?: unknown })?.code === 'string' ? (json as { code: string }).code : undefined;
    const posMessage = typeof (json as { message?: unknown })?.message === 'string' ? (json as { message: string }).message : text.slice(0, 200);
    // 5xx, 408 and 429 are the POS's trouble, not the order's: try again later.
    if (status >= 500 || status === 408 || status === 429) {
      this.seen(status < 500);
      return { ok: false, kind: 'http', retryable: true, code: `http_${status}`, message: `POS answered ${status}${posMessage ? `: ${posMessage}` : ''}`, status };
    }
    this.seen(true);
    const code = posCode ?? `http_${status}`;
    return {
      ok: false,
      kind: 'rejected',
      // A 4xx means "not this request": known business rejections and anything else the POS refuses alike.
      retryable: false,
      code,
      message: `POS rejected the request: ${NON_RETRYABLE.has(code) || posCode ? `${code}: ` : ''}${posMessage || `HTTP ${status}`}`,
      status,
    };
  }
}

function describe(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return cause.message && !cause.message.includes(cause.code) ? `${cause.code} (${cause.message})` : cause.message ?? cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
