import type { FastifyBaseLogger } from 'fastify';
import { toMajor } from '@ordercast/shared';
import { inJsonInts, sqlText } from '../db/portable';
import { columnsOf } from '../db/rows';
import type { Sql, Statement } from '../db/sql';
import type { Announce } from '../events/announce';
import type { PosOrderState } from '../orders/pos-state';
import { byItem, type ItemOptionRow } from '../orders/options';
import { orderItemOptions, orders, posSyncJobs } from '../db/schema';
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
  /** Its transactions' commits wake the worker (and the realtime dispatch). */
  sql: Sql;
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
  AND (last_error_code IN ('timeout', 'unreachable', 'bad_response', 'http_408', 'http_429') OR length(last_error_code) = 8 AND last_error_code BETWEEN 'http_500' AND 'http_599')
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
  private readonly strandedStmt: Statement<void, { n: number }>;
  private readonly rearmStmt: Statement<{ now: string }, { id: number; entity_id: number }>;
  private readonly retryingStmt: Statement<{ now: string; id: number }>;
  private readonly q;
  private recoveryTimer: NodeJS.Timeout | undefined;

  private readonly client: PosClient;

  constructor(
    private readonly deps: SyncDeps,
    private readonly settings: SyncSettings,
  ) {
    this.client = deps.client;
    this.runner = new OutboxRunner(
      { sql: deps.sql, log: deps.log, name: 'pos sync', send: (held) => this.process(held) },
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
    const sql = deps.sql;
    const ORDER = columnsOf(orders);
    this.q = {
      order: sql.prepare<{ id: number }, typeof orders.$inferSelect>(`SELECT ${ORDER} FROM orders WHERE id = @id`),
      items: sql.prepare<{ id: number }, { id: number; code: string; name: string; price: number; quantity: number }>(
        `SELECT i.id AS id, p.pos_code AS code, i.name AS name, i.price AS price, i.quantity AS quantity
         FROM order_items i JOIN products p ON p.id = i.product_id WHERE i.order_id = @id ORDER BY i.id`,
      ),
      options: sql.prepare<{ ids: string }, ItemOptionRow>(
        sqlText`SELECT ${columnsOf(orderItemOptions)} FROM order_item_options WHERE ${inJsonInts('order_item_id', 'ids')} ORDER BY id`,
      ),
      zone: sql.prepare<{ id: number }, { id: number; name: string }>('SELECT id, name FROM delivery_zones WHERE id = @id'),
      restaurantCode: sql.prepare<{ id: number }, { code: string }>('SELECT code FROM restaurants WHERE id = @id'),
      notSent: sql.prepare<{ id: number; now: string }>(`UPDATE orders SET sync_status = 'not_sent', updated_at = @now WHERE id = @id AND sync_status <> 'synced'`),
      syncState: sql.prepare<{ id: number; state: 'failed' | 'retrying'; now: string }>(
        `UPDATE orders SET sync_status = @state, updated_at = @now WHERE id = @id AND sync_status <> 'synced'`,
      ),
      status: sql.prepare<{ id: number }, { status: string; syncStatus: string; cityId: number }>(
        'SELECT status, sync_status AS "syncStatus", city_id AS "cityId" FROM orders WHERE id = @id',
      ),
    };
    this.strandedStmt = sql.prepare(`SELECT COUNT(*) AS n FROM pos_sync_jobs WHERE ${STRANDED}`);
    // The attempt count starts over; last_error stays, so staff still see that the job had failed.
    this.rearmStmt = sql.prepare(
      `UPDATE pos_sync_jobs SET status = 'pending', attempts = 0, next_attempt_at = @now, lease_until = NULL, updated_at = @now
        WHERE ${STRANDED} RETURNING id, entity_id`,
    );
    this.retryingStmt = sql.prepare(`UPDATE orders SET sync_status = 'retrying', updated_at = @now WHERE id = @id AND sync_status = 'failed'`);
    // The POS answering again after it was down (or unseen since start) is what stranded jobs wait for.
    deps.client.onUp(() => void this.recover());
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.runner.start();
    // Jobs that gave up during an outage before this start wait for the POS like any others.
    if ((await this.strandedStmt.get())!.n > 0) this.watchForRecovery();
  }

  /**
   * Re-arms every job that used up its attempts on an outage (not a rejection): due now, attempts
   * from zero, order `sync_status: retrying`. Called when the POS is seen healthy again.
   * Returns how many were re-armed.
   */
  async recover(): Promise<number> {
    if (this.stopped) return 0;
    let rearmed: { id: number; entity_id: number }[];
    try {
      rearmed = await this.deps.sql.tx(async () => {
        const now = isoNow();
        const jobs = await this.rearmStmt.all({ now });
        for (const j of jobs) await this.retryingStmt.run({ now, id: j.entity_id });
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
      void (async () => {
        if (this.stopped || (await this.strandedStmt.get())!.n === 0) return;
        // A probe that found the POS up after it was down has already re-armed them through onUp.
        if (await this.client.probe()) await this.recover();
        else this.watchForRecovery();
      })().catch((err: unknown) => this.deps.log.error({ err }, 'pos sync: recovery check failed'));
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
  private async payload(orderId: number): Promise<{ body: PosOrderBody; order: typeof orders.$inferSelect } | undefined> {
    const order = await this.q.order.get({ id: orderId });
    if (!order) return undefined;
    const items = await this.q.items.all({ id: orderId });
    // Options go by the codes and prices copied at order time, per unit of their line (a line without any sends none).
    const options = items.length ? byItem(await this.q.options.all({ ids: JSON.stringify(items.map((i) => i.id)) })) : new Map<number, ItemOptionRow[]>();
    const zone = order.deliveryType === 'delivery' && order.deliveryZoneId !== null ? ((await this.q.zone.get({ id: order.deliveryZoneId })) ?? null) : null;
    const restaurantCode = order.restaurantId === null ? null : ((await this.q.restaurantCode.get({ id: order.restaurantId }))?.code ?? null);
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
          deliveryZone: zone,
          location: order.deliveryLat === null || order.deliveryLng === null ? null : { lat: order.deliveryLat, lng: order.deliveryLng },
        }),
        createdAt: order.createdAt,
        restaurantCode,
        promisedAt: order.promisedAt,
      },
    };
  }

  private async process(held: Held<SyncJobRow>): Promise<void> {
    const job = held.job;
    if (job.kind === 'cancel') return this.processCancel(held);
    const built = await this.payload(job.entityId);
    if (!built) {
      await this.recordFailure(held, { retryable: false, code: 'order_missing', message: `Order ${job.entityId} no longer exists` });
      return;
    }
    const { order, body } = built;
    if (order.syncStatus === 'synced' || order.status === 'cancelled') {
      // Already synced (the kitchen's callback got here first), or cancelled before the POS ever had it: nothing to send.
      if (order.syncStatus === 'synced') await held.finish('done', (now) => ({ done_at: now }));
      else await this.cancelUnsent(held);
      return;
    }

    const result = await this.client.sendOrder(body);
    if (!result.ok && result.kind === 'aborted') return held.handBack();
    if (result.ok) {
      // Not ours any more: the kitchen callback (or another process) already recorded the sync.
      await held.finish('done', DONE, () => this.deps.state.posHasOrder(order.id, result.data.posOrderId));
      this.deps.log.info({ orderId: order.id, posOrderId: result.data.posOrderId, duplicate: result.data.duplicate }, 'pos sync: order accepted');
      return;
    }
    await this.recordFailure(held, result);
  }

  /**
   * Tells the POS an order it has was cancelled. Its kitchen stops the order; a repeat is harmless
   * (the POS answers `duplicate`). Refused with ALREADY_COMPLETED (the kitchen had handed it over):
   * nothing a retry can change, so staff are told in plain words.
   */
  private async processCancel(held: Held<SyncJobRow>): Promise<void> {
    const job = held.job;
    const order = await this.q.order.get({ id: job.entityId });
    if (!order?.posOrderId) {
      await this.recordFailure(held, { retryable: false, code: 'order_missing', message: `Order ${job.entityId} is not known to the POS` });
      return;
    }
    const result = await this.client.cancelOrder(order.posOrderId, { reason: order.cancelReason ?? 'other', note: order.cancelNote });
    if (!result.ok && result.kind === 'aborted') return held.handBack();
    if (result.ok) {
      await held.finish('done', DONE, (now) => this.deps.announce.syncSuccess({ entity: 'order', action: 'cancel', entityId: order.id, timestamp: now }, { cityId: order.cityId }));
      this.deps.log.info({ orderId: order.id, posOrderId: order.posOrderId, duplicate: result.data.duplicate }, 'pos sync: cancel accepted');
      return;
    }
    if (result.code === ALREADY_COMPLETED) {
      await this.recordFailure(held, { ...result, message: `The kitchen had already delivered order ${order.orderNumber}; the cancel did not reach it` });
      return;
    }
    await this.recordFailure(held, result);
  }

  /** The job of an order cancelled before the POS had it: cancelled, the order `not_sent`. */
  private async cancelUnsent(held: Held<SyncJobRow>): Promise<void> {
    const orderId = held.job.entityId;
    await held.finish(
      'cancelled',
      (now) => ({ done_at: now, last_error: 'Order was cancelled before it reached the POS', last_error_code: 'cancelled' }),
      (now) => this.q.notSent.run({ id: orderId, now }),
    );
  }

  private async recordFailure(held: Held<SyncJobRow>, failure: Pick<Extract<PosResult<unknown>, { ok: false }>, 'retryable' | 'code' | 'message'>): Promise<void> {
    const job = held.job;
    const sending = job.kind === 'send';
    // Cancelled while this attempt was on its way and it did not get through: it is never sent.
    const current = await this.q.status.get({ id: job.entityId });
    if (sending && current?.status === 'cancelled' && current.syncStatus !== 'synced') {
      await this.cancelUnsent(held);
      return;
    }
    const { attempt, final, nextAt } = await held.fail(failure, async ({ attempt, final, nextAt, now }) => {
      // A cancel's trouble leaves the order's own sync state (`synced`: the POS has it) as it is.
      if (sending) await this.q.syncState.run({ id: job.entityId, state: final ? 'failed' : 'retrying', now });
      const cityId = job.cityId ?? (await this.q.status.get({ id: job.entityId }))?.cityId ?? null;
      await this.deps.announce.syncError(
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
