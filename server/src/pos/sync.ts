import type Database from 'better-sqlite3';
import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { toMajor } from '@ordercast/shared';
import type { Db } from '../db/client';
import type { Announce } from '../events/announce';
import type { PosOrderState } from '../orders/pos-state';
import { byItem, type ItemOptionRow } from '../orders/options';
import { deliveryZones, orderItemOptions, orderItems, orders, posSyncJobs, products, restaurants } from '../db/schema';
import { isoNow } from '../lib/time';
import { OutboxRunner, type Held } from '../outbox/runner';
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

/** A sent job's end: its last error cleared. */
const DONE = (now: string) => ({ done_at: now, last_error: null, last_error_code: null });

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
 * The POS outbox's sender. Every order commits with its job (orders/service.ts); the shared outbox
 * runner (outbox/runner.ts) leases due jobs, and this sends each order (or its cancel) with a
 * timeout and records the outcome, the order's sync state and its event in one transaction. The POS
 * is idempotent by order id, so a re-send after a lost answer or a crash never duplicates the order.
 * Jobs that gave up during an outage wait here for the POS to answer again.
 */
export class PosSync {
  private readonly runner: OutboxRunner<SyncJobRow>;
  private stopped = true;
  private readonly strandedStmt: Database.Statement<[], { n: number }>;
  private readonly rearmStmt: Database.Statement<{ now: string }, { id: number; entity_id: number }>;
  private readonly retryingStmt: Database.Statement<{ now: string; id: number }>;
  private recoveryTimer: NodeJS.Timeout | undefined;

  private readonly client: PosClient;

  constructor(
    private readonly deps: SyncDeps,
    private readonly settings: SyncSettings,
  ) {
    this.client = deps.client;
    this.runner = new OutboxRunner(
      { db: deps.db, tx: deps.tx, log: deps.log, name: 'pos sync', send: (held) => this.process(held) },
      { table: posSyncJobs, claimed: 'in_flight', failed: 'failed', claimedAtColumn: 'last_attempt_at', errorCodeColumn: 'last_error_code' },
      {
        maxAttempts: settings.maxAttempts,
        retryBaseMs: settings.retryBaseMs,
        retryMaxMs: settings.retryMaxMs,
        // Longer than a send may take (the client's timeout), so a live holder never loses its job.
        leaseMs: settings.timeoutMs + 5_000,
        concurrency: settings.concurrency ?? 4,
        pollMs: settings.pollMs ?? 5_000,
      },
    );
    const sqlite = deps.db.$client;
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
    this.runner.start();
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

  /** Stops taking jobs; in-flight sends are aborted by the client's shutdown signal and their jobs handed back. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.recoveryTimer);
    this.recoveryTimer = undefined;
    await this.runner.stop();
  }

  /** Look at the queue now (after a commit that may have added or reset a job). Cheap and coalesced. */
  wake(): void {
    this.runner.wake();
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

  private async process(held: Held<SyncJobRow>): Promise<void> {
    const job = held.job;
    if (job.kind === 'cancel') return this.processCancel(held);
    const built = this.payload(job.entityId);
    if (!built) {
      this.recordFailure(held, { retryable: false, code: 'order_missing', message: `Order ${job.entityId} no longer exists` });
      return;
    }
    const { order, body } = built;
    if (order.syncStatus === 'synced' || order.status === 'cancelled') {
      // Already synced (the kitchen's callback got here first), or cancelled before the POS ever had it: nothing to send.
      if (order.syncStatus === 'synced') held.finish('done', (now) => ({ done_at: now }));
      else this.cancelUnsent(held);
      return;
    }

    const result = await this.client.sendOrder(body);
    if (!result.ok && result.kind === 'aborted') return held.handBack();
    if (result.ok) {
      // Not ours any more: the kitchen callback (or another process) already recorded the sync.
      held.finish('done', DONE, () => this.deps.state.posHasOrder(order.id, result.data.posOrderId));
      this.deps.log.info({ orderId: order.id, posOrderId: result.data.posOrderId, duplicate: result.data.duplicate }, 'pos sync: order accepted');
      return;
    }
    this.recordFailure(held, result);
  }

  /**
   * Tells the POS an order it has was cancelled. Its kitchen stops the order; a repeat is harmless
   * (the POS answers `duplicate`). Refused with ALREADY_COMPLETED (the kitchen had handed it over):
   * nothing a retry can change, so staff are told in plain words.
   */
  private async processCancel(held: Held<SyncJobRow>): Promise<void> {
    const job = held.job;
    const order = this.deps.db.select().from(orders).where(eq(orders.id, job.entityId)).get();
    if (!order?.posOrderId) {
      this.recordFailure(held, { retryable: false, code: 'order_missing', message: `Order ${job.entityId} is not known to the POS` });
      return;
    }
    const result = await this.client.cancelOrder(order.posOrderId, { reason: order.cancelReason ?? 'other', note: order.cancelNote });
    if (!result.ok && result.kind === 'aborted') return held.handBack();
    if (result.ok) {
      held.finish('done', DONE, (now) => this.deps.announce.syncSuccess({ entity: 'order', action: 'cancel', entityId: order.id, timestamp: now }, { cityId: order.cityId }));
      this.deps.log.info({ orderId: order.id, posOrderId: order.posOrderId, duplicate: result.data.duplicate }, 'pos sync: cancel accepted');
      return;
    }
    if (result.code === ALREADY_COMPLETED) {
      this.recordFailure(held, { ...result, message: `The kitchen had already delivered order ${order.orderNumber}; the cancel did not reach it` });
      return;
    }
    this.recordFailure(held, result);
  }

  /** The job of an order cancelled before the POS had it: cancelled, the order `not_sent`. */
  private cancelUnsent(held: Held<SyncJobRow>): void {
    const orderId = held.job.entityId;
    held.finish(
      'cancelled',
      (now) => ({ done_at: now, last_error: 'Order was cancelled before it reached the POS', last_error_code: 'cancelled' }),
      (now) => this.deps.db.update(orders).set({ syncStatus: 'not_sent', updatedAt: now }).where(and(eq(orders.id, orderId), ne(orders.syncStatus, 'synced'))).run(),
    );
  }

  private recordFailure(held: Held<SyncJobRow>, failure: Pick<Extract<PosResult<unknown>, { ok: false }>, 'retryable' | 'code' | 'message'>): void {
    const job = held.job;
    const sending = job.kind === 'send';
    // Cancelled while this attempt was on its way and it did not get through: it is never sent.
    const current = this.deps.db.select({ status: orders.status, syncStatus: orders.syncStatus }).from(orders).where(eq(orders.id, job.entityId)).get();
    if (sending && current?.status === 'cancelled' && current.syncStatus !== 'synced') {
      this.cancelUnsent(held);
      return;
    }
    const { attempt, final, nextAt } = held.fail(failure, ({ attempt, final, nextAt, now }) => {
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
