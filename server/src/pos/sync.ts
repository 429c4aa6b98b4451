import type Database from 'better-sqlite3';
import { and, asc, eq, inArray, lt, lte, ne, or, type SQL } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { backoffDelay, toMajor } from '@ordercast/shared';
import { writeTx, type Db } from '../db/client';
import type { Announce } from '../events/announce';
import type { PosOrderState } from '../orders/pos-state';
import { byItem, type ItemOptionRow } from '../orders/options';
import { deliveryZones, orderItemOptions, orderItems, orders, posSyncJobs, products, restaurants } from '../db/schema';
import { isoNow } from '../lib/time';
import type { PosClient, PosResult } from './client';
import { ALREADY_COMPLETED, type PosOrderBody } from './wire';

export type SyncJobRow = typeof posSyncJobs.$inferSelect;

export interface SyncSettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  /** Jobs sent at once by this process. */
  concurrency?: number;
  /** Longest sleep between looks at the queue (jobs written by other processes). */
  pollMs?: number;
}

/** The shared backoff with full jitter after the `attempt`-th failure (from 1); at least 10 ms, so a retry never spins. */
function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.max(10, backoffDelay(attempt - 1, { initialMs: baseMs, maxMs }));
}

/** What the worker needs, and nothing else. */
export interface SyncDeps {
  db: Db;
  /** A write transaction; its commit wakes the worker (and the realtime dispatch). */
  tx: <T>(fn: () => T) => T;
  client: PosClient;
  /** Records "the POS has this order" once a send succeeds. */
  state: Pick<PosOrderState, 'posHasOrder'>;
  announce: Pick<Announce, 'syncError' | 'syncSuccess'>;
  log: FastifyBaseLogger;
}

/**
 * Failed jobs whose last failure was the POS's or the network's trouble (the codes client.ts gives
 * timeouts, refused connections, 5xx, 408, 429 and garbled answers), not a rejection of the order:
 * they are worth sending again once the POS is healthy.
 */
const STRANDED = `status = 'failed' AND entity = 'order'
  AND (last_error_code IN ('timeout', 'unreachable', 'bad_response', 'http_408', 'http_429') OR last_error_code GLOB 'http_5[0-9][0-9]')
  AND (kind = 'cancel' OR entity_id IN (SELECT id FROM orders WHERE status <> 'cancelled' AND sync_status <> 'synced'))`;

/**
 * The POS outbox worker. Every order commits with its job (orders/service.ts); this worker
 * leases due jobs (so two processes never send the same one at once; a crashed holder's lease
 * expires and is retaken), sends the order with a timeout, and records the outcome, the order's
 * sync state and its event in one transaction. The POS is idempotent by order id, so a re-send
 * after a lost answer or a crash never duplicates the order.
 */
export class PosSync {
  private readonly active = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private running = false;
  private stopped = true;
  private readonly dueStmt: Database.Statement<[string, string], { id: number }>;
  private readonly nextStmt: Database.Statement<[], { at: string | null }>;
  private readonly strandedStmt: Database.Statement<[], { n: number }>;
  private readonly rearmStmt: Database.Statement<{ now: string }, { id: number; entity_id: number }>;
  private readonly retryingStmt: Database.Statement<{ now: string; id: number }>;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private recoveryTimer: NodeJS.Timeout | undefined;

  private readonly client: PosClient;

  constructor(
    private readonly deps: SyncDeps,
    private readonly settings: SyncSettings,
  ) {
    this.client = deps.client;
    this.concurrency = settings.concurrency ?? 4;
    this.pollMs = settings.pollMs ?? 5_000;
    const sqlite = deps.db.$client;
    this.dueStmt = sqlite.prepare(
      `SELECT id FROM pos_sync_jobs WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'in_flight' AND lease_until < ?) LIMIT 1`,
    );
    this.nextStmt = sqlite.prepare(
      `SELECT MIN(at) AS at FROM (
         SELECT MIN(next_attempt_at) AS at FROM pos_sync_jobs WHERE status = 'pending'
         UNION ALL SELECT MIN(lease_until) FROM pos_sync_jobs WHERE status = 'in_flight')`,
    );
    this.strandedStmt = sqlite.prepare(`SELECT COUNT(*) AS n FROM pos_sync_jobs WHERE ${STRANDED}`);
    // The attempt count starts over; last_error stays, so staff still see that the job had failed.
    this.rearmStmt = sqlite.prepare(
      `UPDATE pos_sync_jobs SET status = 'pending', attempts = 0, next_attempt_at = @now, lease_until = NULL, updated_at = @now
        WHERE ${STRANDED} RETURNING id, entity_id`,
    );
    this.retryingStmt = sqlite.prepare(`UPDATE orders SET sync_status = 'retrying', updated_at = @now WHERE id = @id AND sync_status = 'failed'`);
    // The POS answering again after it was down (or unseen since start) is what stranded jobs wait for.
    deps.client.onUp(() => this.recover());
  }

  start(): void {
    this.stopped = false;
    this.wake();
    // Jobs that gave up during an outage before this start wait for the POS like any others.
    if (this.strandedStmt.get()!.n > 0) this.watchForRecovery();
  }

  /**
   * Re-arms every job that used up its attempts on an outage (not a rejection): due now, attempts
   * from zero, order `sync_status: retrying`. Called when the POS is seen healthy again.
   * Returns how many were re-armed.
   */
  recover(): number {
    if (this.stopped) return 0;
    let rearmed: { id: number; entity_id: number }[];
    try {
      rearmed = this.deps.tx(() => {
        const now = isoNow();
        const jobs = this.rearmStmt.all({ now });
        for (const j of jobs) this.retryingStmt.run({ now, id: j.entity_id });
        return jobs;
      });
    } catch (err) {
      // e.g. the database is busy under another process: the next probe or success tries again.
      this.deps.log.error({ err }, 'pos sync: could not re-arm the jobs that gave up');
      this.watchForRecovery();
      return 0;
    }
    if (rearmed.length) this.deps.log.info({ jobs: rearmed.length }, 'pos sync: the POS is back; re-sending orders that gave up during the outage');
    return rearmed.length;
  }

  /** While stranded jobs wait, probe the POS every POS_RETRY_MAX_MS (the longest backoff): nothing else may talk to it. */
  private watchForRecovery(): void {
    if (this.stopped || this.recoveryTimer) return;
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = undefined;
      if (this.stopped || this.strandedStmt.get()!.n === 0) return;
      void this.client.probe().then((up) => {
        // A probe that found the POS up after it was down has already re-armed them through onUp.
        if (up) this.recover();
        else this.watchForRecovery();
      });
    }, this.settings.retryMaxMs);
    this.recoveryTimer.unref();
  }

  /** Stops taking jobs; in-flight sends are aborted by the client's shutdown signal and their leases released. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    clearTimeout(this.recoveryTimer);
    this.recoveryTimer = undefined;
    await Promise.allSettled([...this.active]);
  }

  /** Look at the queue now (after a commit that may have added or reset a job). Cheap and coalesced. */
  wake(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + ms;
    if (this.timer && at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.tick();
    }, Math.max(0, ms));
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped || this.running) return;
    this.running = true;
    try {
      const free = this.concurrency - this.active.size;
      if (free > 0) {
        for (const job of this.claim(free)) {
          const p: Promise<void> = this.process(job)
            .catch((err: unknown) => this.deps.log.error({ err, jobId: job.id }, 'pos sync: job crashed; its lease will expire and it will be retried'))
            .finally(() => {
              this.active.delete(p);
              this.wake();
            });
          this.active.add(p);
        }
      }
      const next = this.nextStmt.get()?.at;
      const delay = next ? Date.parse(next) - Date.now() : this.pollMs;
      this.schedule(Math.min(this.pollMs, Math.max(this.active.size >= this.concurrency ? this.pollMs : 5, delay)));
    } catch (err) {
      // e.g. the database is busy under another process: look again shortly.
      this.deps.log.error({ err }, 'pos sync: could not read the queue');
      this.schedule(1_000);
    } finally {
      this.running = false;
    }
  }

  /** Leases up to `limit` due jobs: pending ones whose time has come, and in-flight ones whose holder's lease expired. */
  private claim(limit: number): SyncJobRow[] {
    const nowIso = isoNow();
    if (!this.dueStmt.get(nowIso, nowIso)) return [];
    const db = this.deps.db;
    return writeTx(db, () => {
      const now = isoNow();
      const due = db
        .select({ id: posSyncJobs.id })
        .from(posSyncJobs)
        .where(
          or(
            and(eq(posSyncJobs.status, 'pending'), lte(posSyncJobs.nextAttemptAt, now)),
            and(eq(posSyncJobs.status, 'in_flight'), lt(posSyncJobs.leaseUntil, now)),
          ),
        )
        .orderBy(asc(posSyncJobs.nextAttemptAt), asc(posSyncJobs.id))
        .limit(limit)
        .all();
      if (due.length === 0) return [];
      const leaseUntil = new Date(Date.now() + this.settings.timeoutMs + 5_000).toISOString();
      return db
        .update(posSyncJobs)
        .set({ status: 'in_flight', leaseUntil, lastAttemptAt: now, updatedAt: now })
        .where(inArray(posSyncJobs.id, due.map((d) => d.id)))
        .returning()
        .all();
    });
  }

  /** The order as the POS takes it: its codes, unit prices and totals in roubles. */
  private payload(orderId: number): { body: PosOrderBody; order: typeof orders.$inferSelect } | undefined {
    const db = this.deps.db;
    const order = db.select().from(orders).where(eq(orders.id, orderId)).get();
    if (!order) return undefined;
    const items = db
      .select({ id: orderItems.id, code: products.posCode, name: orderItems.name, price: orderItems.price, quantity: orderItems.quantity })
      .from(orderItems)
      .innerJoin(products, eq(products.id, orderItems.productId))
      .where(eq(orderItems.orderId, orderId))
      .orderBy(asc(orderItems.id))
      .all();
    // Options go by the codes and prices copied at order time, per unit of their line (a line without any sends none).
    const options = items.length
      ? byItem(db.select().from(orderItemOptions).where(inArray(orderItemOptions.orderItemId, items.map((i) => i.id))).orderBy(asc(orderItemOptions.id)).all())
      : new Map<number, ItemOptionRow[]>();
    return {
      order,
      body: {
        externalId: order.id,
        orderNumber: order.orderNumber,
        cityId: order.cityId,
        type: order.deliveryType,
        address: order.address,
        phone: order.phone,
        comment: order.comment,
        items: items.map((i) => {
          const opts = options.get(i.id);
          return {
            code: i.code,
            name: i.name,
            price: toMajor(i.price),
            quantity: i.quantity,
            ...(opts && { options: opts.map((o) => ({ code: o.posCode, name: o.name, price: toMajor(o.price) })) }),
          };
        }),
        subtotal: toMajor(order.subtotal),
        bonusesUsed: toMajor(order.bonusesUsed),
        // The POS takes what the customer pays: dishes − bonuses + delivery (orders.total holds the first part).
        total: toMajor(order.total + order.deliveryFee),
        ...(order.deliveryType === 'delivery' && {
          deliveryFee: toMajor(order.deliveryFee),
          deliveryZone: order.deliveryZoneId === null ? null : (db.select({ id: deliveryZones.id, name: deliveryZones.name }).from(deliveryZones).where(eq(deliveryZones.id, order.deliveryZoneId)).get() ?? null),
          location: order.deliveryLat === null || order.deliveryLng === null ? null : { lat: order.deliveryLat, lng: order.deliveryLng },
        }),
        createdAt: order.createdAt,
        restaurantCode: order.restaurantId === null ? null : (db.select({ code: restaurants.code }).from(restaurants).where(eq(restaurants.id, order.restaurantId)).get()?.code ?? null),
        promisedAt: order.promisedAt,
      },
    };
  }

  private async process(job: SyncJobRow): Promise<void> {
    if (job.kind === 'cancel') return this.processCancel(job);
    const lease = job.leaseUntil!;
    const owned = and(eq(posSyncJobs.id, job.id), eq(posSyncJobs.status, 'in_flight'), eq(posSyncJobs.leaseUntil, lease));
    const built = this.payload(job.entityId);
    if (!built) {
      this.recordFailure(job, lease, { retryable: false, code: 'order_missing', message: `Order ${job.entityId} no longer exists` });
      return;
    }
    const { order, body } = built;
    if (order.syncStatus === 'synced' || order.status === 'cancelled') {
      // Already synced (the kitchen's callback got here first), or cancelled before the POS ever had it: nothing to send.
      this.deps.tx(() => {
        if (order.syncStatus === 'synced') {
          const now = isoNow();
          this.deps.db.update(posSyncJobs).set({ status: 'done', doneAt: now, leaseUntil: null, updatedAt: now }).where(owned).run();
        } else this.cancelUnsent(job.id, order.id, lease);
      });
      return;
    }

    const result = await this.client.sendOrder(body);
    if (!result.ok && result.kind === 'aborted') return this.handBack(owned);
    if (result.ok) {
      this.deps.tx(() => {
        // Not ours any more: the kitchen callback (or another process) already recorded the sync.
        if (this.markDone(owned, isoNow())) this.deps.state.posHasOrder(order.id, result.data.posOrderId);
      });
      this.deps.log.info({ orderId: order.id, posOrderId: result.data.posOrderId, duplicate: result.data.duplicate }, 'pos sync: order accepted');
      return;
    }
    this.recordFailure(job, lease, result);
  }

  /** Shutting down mid-send: the job goes back untouched (no attempt counted); the next start sends it. */
  private handBack(owned: SQL | undefined): void {
    this.deps.db.update(posSyncJobs).set({ status: 'pending', leaseUntil: null, updatedAt: isoNow() }).where(owned).run();
  }

  /** Marks a job this worker still holds done (its last error cleared); false when it is no longer ours. */
  private markDone(owned: SQL | undefined, now: string): boolean {
    return (
      this.deps.db
        .update(posSyncJobs)
        .set({ status: 'done', doneAt: now, leaseUntil: null, lastError: null, lastErrorCode: null, updatedAt: now })
        .where(owned)
        .run().changes > 0
    );
  }

  /**
   * Tells the POS an order it has was cancelled. Its kitchen stops the order; a repeat is harmless
   * (the POS answers `duplicate`). Refused with ALREADY_COMPLETED (the kitchen had handed it over):
   * nothing a retry can change, so staff are told in plain words.
   */
  private async processCancel(job: SyncJobRow): Promise<void> {
    const lease = job.leaseUntil!;
    const owned = and(eq(posSyncJobs.id, job.id), eq(posSyncJobs.status, 'in_flight'), eq(posSyncJobs.leaseUntil, lease));
    const order = this.deps.db.select().from(orders).where(eq(orders.id, job.entityId)).get();
    if (!order?.posOrderId) {
      this.recordFailure(job, lease, { retryable: false, code: 'order_missing', message: `Order ${job.entityId} is not known to the POS` });
      return;
    }
    const result = await this.client.cancelOrder(order.posOrderId, { reason: order.cancelReason ?? 'other', note: order.cancelNote });
    if (!result.ok && result.kind === 'aborted') return this.handBack(owned);
    if (result.ok) {
      this.deps.tx(() => {
        const now = isoNow();
        if (this.markDone(owned, now)) this.deps.announce.syncSuccess({ entity: 'order', action: 'cancel', entityId: order.id, timestamp: now }, { cityId: order.cityId });
      });
      this.deps.log.info({ orderId: order.id, posOrderId: order.posOrderId, duplicate: result.data.duplicate }, 'pos sync: cancel accepted');
      return;
    }
    if (result.code === ALREADY_COMPLETED) {
      this.recordFailure(job, lease, { ...result, message: `The kitchen had already delivered order ${order.orderNumber}; the cancel did not reach it` });
      return;
    }
    this.recordFailure(job, lease, result);
  }

  /** The job of an order cancelled before the POS had it: cancelled, the order `not_sent` (call inside a write transaction). */
  private cancelUnsent(jobId: number, orderId: number, lease: string): void {
    const now = isoNow();
    const changed = this.deps.db
      .update(posSyncJobs)
      .set({ status: 'cancelled', doneAt: now, leaseUntil: null, lastError: 'Order was cancelled before it reached the POS', lastErrorCode: 'cancelled', updatedAt: now })
      .where(and(eq(posSyncJobs.id, jobId), eq(posSyncJobs.status, 'in_flight'), eq(posSyncJobs.leaseUntil, lease)))
      .run().changes;
    if (changed) this.deps.db.update(orders).set({ syncStatus: 'not_sent', updatedAt: now }).where(and(eq(orders.id, orderId), ne(orders.syncStatus, 'synced'))).run();
  }

  private recordFailure(job: SyncJobRow, lease: string, failure: Pick<Extract<PosResult<unknown>, { ok: false }>, 'retryable' | 'code' | 'message'>): void {
    const sending = job.kind === 'send';
    // Cancelled while this attempt was on its way and it did not get through: it is never sent.
    const current = this.deps.db.select({ status: orders.status, syncStatus: orders.syncStatus }).from(orders).where(eq(orders.id, job.entityId)).get();
    if (sending && current?.status === 'cancelled' && current.syncStatus !== 'synced') {
      this.deps.tx(() => this.cancelUnsent(job.id, job.entityId, lease));
      return;
    }
    const attempt = job.attempts + 1;
    const final = !failure.retryable || attempt >= this.settings.maxAttempts;
    const delay = final ? null : backoffMs(attempt, this.settings.retryBaseMs, this.settings.retryMaxMs);
    let nextAt: string | null = null;
    this.deps.tx(() => {
      // Measured from the moment of the write (the transaction may wait for the lock): never before its own timestamp.
      const now = isoNow();
      nextAt = delay === null ? null : new Date(Date.parse(now) + delay).toISOString();
      const changed = this.deps.db
        .update(posSyncJobs)
        .set({
          status: final ? 'failed' : 'pending',
          attempts: attempt,
          nextAttemptAt: nextAt ?? now,
          lastError: failure.message,
          lastErrorCode: failure.code,
          leaseUntil: null,
          updatedAt: now,
        })
        .where(and(eq(posSyncJobs.id, job.id), eq(posSyncJobs.status, 'in_flight'), eq(posSyncJobs.leaseUntil, lease)))
        .run().changes;
      if (!changed) return;
      // A cancel's trouble leaves the order's own sync state (`synced`: the POS has it) as it is.
      if (sending) {
        this.deps.db
          .update(orders)
          .set({ syncStatus: final ? 'failed' : 'retrying', updatedAt: now })
          .where(and(eq(orders.id, job.entityId), ne(orders.syncStatus, 'synced')))
          .run();
      }
      const cityId = job.cityId ?? this.deps.db.select({ c: orders.cityId }).from(orders).where(eq(orders.id, job.entityId)).get()?.c ?? null;
      this.deps.announce.syncError(
        {
          entity: 'order',
          ...(!sending && { action: 'cancel' as const }),
          entityId: job.entityId,
          error: failure.message,
          code: failure.code,
          timestamp: now,
          attempt,
          nextRetryAt: nextAt,
          cityId,
        },
        { cityId },
      );
    });
    if (final && failure.retryable) this.watchForRecovery();
    this.deps.log.warn(
      { orderId: job.entityId, kind: job.kind, attempt, code: failure.code, nextRetryAt: nextAt, gaveUp: final },
      `pos sync failed: ${failure.message}`,
    );
  }
}
