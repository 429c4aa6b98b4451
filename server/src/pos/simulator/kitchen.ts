import type { FastifyBaseLogger } from 'fastify';
import { backoffDelay } from '@ordercast/shared';
import { sign, SIGNATURE_HEADER } from '../signature';
import { FAST_STEP_MINUTES, type PosOrderStatus, type PosStepMinutes, type PosWebhookBody } from '../wire';
import type { KitchenOrder, PosStore } from './store';

/** Time (ms, at kitchenSpeed 1) an order spends in `status` before the next step, from the control's minutes. */
function stepMs(m: PosStepMinutes, status: PosOrderStatus, type: 'delivery' | 'pickup'): number {
  switch (status) {
    case 'accepted':
      return m.accepted * 60_000;
    case 'cooking':
      return m.cooking * 60_000;
    case 'ready':
      return (type === 'delivery' ? m.ready : m.awaiting_pickup) * 60_000;
    case 'on_the_way':
      return m.on_the_way * 60_000;
    default:
      return Infinity;
  }
}

function nextStep(status: PosOrderStatus, type: 'delivery' | 'pickup'): PosOrderStatus | null {
  switch (status) {
    case 'accepted':
      return 'cooking';
    case 'cooking':
      return 'ready';
    case 'ready':
      return type === 'delivery' ? 'on_the_way' : 'picked_up';
    case 'on_the_way':
      return 'delivered';
    default:
      return null;
  }
}

const WEBHOOK_TIMEOUT_MS = 5_000;
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 15_000;
/** Callbacks open at once by default: a backlog of thousands (a restart after a long outage) goes out a few at a time. */
export const DEFAULT_WEBHOOK_CONCURRENCY = 16;

interface Entry extends KitchenOrder {
  /** Kitchen time spent in the current step (ms at speed 1). */
  progress: number;
  sending: boolean;
  retryAt: number;
  failures: number;
}

/**
 * The POS kitchen: moves accepted orders cooking → ready → (on the way → delivered | picked up)
 * on a clock scaled by kitchenSpeed, and calls each step back to the server, signed, retrying
 * with backoff until it answers 2xx. An order waits for its step's callback to be acknowledged
 * before the kitchen moves it on, so the server always hears the steps in order. At most
 * `maxInFlight` callbacks are open at once (the rest wait for the next tick), and retries are
 * spread by the shared backoff with full jitter, so a backlog never floods the server.
 */
export class Kitchen {
  private readonly orders = new Map<string, Entry>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Steps whose callback found no free slot, oldest first: a finished callback starts the next at once. */
  private readonly waiting: Entry[] = [];
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private last = Date.now();
  serverUrl: string | undefined;

  constructor(
    private readonly store: PosStore,
    private readonly speed: () => number,
    private readonly secret: string,
    private readonly log: FastifyBaseLogger,
    private readonly tickMs = 50,
    private readonly maxInFlight = DEFAULT_WEBHOOK_CONCURRENCY,
    /** Minutes per step (`POST /control {stepMinutes}`); the fast demo pace unless given. */
    private readonly steps: () => PosStepMinutes = () => FAST_STEP_MINUTES,
  ) {
    for (const o of store.kitchenOrders()) this.add(o);
  }

  add(o: KitchenOrder): void {
    this.orders.set(o.posOrderId, { ...o, progress: 0, sending: false, retryAt: 0, failures: 0 });
  }

  start(): void {
    this.last = Date.now();
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Orders the kitchen is working on or still has to report. */
  get active(): number {
    return this.orders.size;
  }

  private tick(): void {
    const now = Date.now();
    const dt = now - this.last;
    this.last = now;
    const speed = this.speed();
    const steps = this.steps();
    for (const o of this.orders.values()) {
      if (o.sending) continue;
      if (o.deliveredStatus !== o.status) {
        if (now >= o.retryAt && this.inFlight.size < this.maxInFlight) this.send(o);
        continue;
      }
      const next = nextStep(o.status, o.type);
      if (!next) {
        this.orders.delete(o.posOrderId);
        continue;
      }
      if (speed <= 0) continue;
      o.progress += dt * speed;
      if (o.progress < stepMs(steps, o.status, o.type)) continue;
      o.progress = 0;
      o.status = next;
      o.statusAt = new Date(now).toISOString();
      this.store.advance(o.posOrderId, next, o.statusAt);
      if (this.inFlight.size < this.maxInFlight) this.send(o);
      else this.waiting.push(o);
    }
  }

  private send(o: Entry): void {
    if (!this.serverUrl) {
      o.retryAt = Date.now() + 1_000;
      return;
    }
    o.sending = true;
    const status = o.status;
    const body: PosWebhookBody = {
      eventId: `${o.posOrderId}:${status}`,
      posOrderId: o.posOrderId,
      externalId: o.externalId,
      status,
      timestamp: o.statusAt,
    };
    const raw = JSON.stringify(body);
    const url = `${this.serverUrl}/api/pos/webhook`;
    const p = (async () => {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: sign(raw, this.secret) },
          body: raw,
          signal: AbortSignal.any([AbortSignal.timeout(WEBHOOK_TIMEOUT_MS), this.abort.signal]),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          o.deliveredStatus = status;
          o.failures = 0;
          this.store.markDelivered(o.posOrderId, status);
          return;
        }
        this.retryLater(o, `HTTP ${res.status}`);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.retryLater(o, err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err));
      }
    })().finally(() => {
      o.sending = false;
      this.inFlight.delete(p);
      this.sendWaiting();
    });
    this.inFlight.add(p);
  }

  private sendWaiting(): void {
    if (this.abort.signal.aborted) return;
    while (this.inFlight.size < this.maxInFlight) {
      const next = this.waiting.shift();
      if (!next) return;
      // A tick may have sent it (or its retry is not due yet): skip it.
      if (!next.sending && next.deliveredStatus !== next.status && Date.now() >= next.retryAt && this.orders.has(next.posOrderId)) this.send(next);
    }
  }

  private retryLater(o: Entry, why: string): void {
    o.failures++;
    const delay = backoffDelay(o.failures - 1, { initialMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS });
    o.retryAt = Date.now() + delay;
    this.log.warn({ posOrderId: o.posOrderId, status: o.status, attempt: o.failures, retryInMs: delay, why }, 'kitchen callback not acknowledged; will retry');
  }
}
