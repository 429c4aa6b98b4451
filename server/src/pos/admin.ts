import { and, count, desc, eq, gt, inArray, isNotNull, isNull, ne, or } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { SyncJob, SyncOverview } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import { assertCity, cityFilter } from '../auth/scope';
import type { Db } from '../db/client';
import { orders, posSyncJobs } from '../db/schema';
import { conflict, notFound } from '../lib/errors';
import { isoNow } from '../lib/time';
import type { PosClient } from './client';
import type { MenuSync } from './menu-sync';
import { ALREADY_COMPLETED } from './wire';

type JobRow = typeof posSyncJobs.$inferSelect;
type OrderRow = typeof orders.$inferSelect;

/** Staff's view of the sync: open problems, recent successes, the menu import; and the manual retry. */
export class SyncAdmin {
  constructor(
    private readonly deps: {
      db: Db;
      /** A write transaction; its commit wakes the worker. */
      tx: <T>(fn: () => T) => T;
      client: Pick<PosClient, 'health'>;
      menu: Pick<MenuSync, 'state'>;
      log: FastifyBaseLogger;
    },
    private readonly maxAttempts: number,
  ) {}

  private toJob(j: JobRow, o: OrderRow): SyncJob {
    return {
      job_id: j.id,
      kind: j.kind,
      order_id: o.id,
      order_number: o.orderNumber,
      city_id: o.cityId,
      order_status: o.status,
      sync_status: o.syncStatus,
      job_status: j.status,
      attempts: j.attempts,
      max_attempts: this.maxAttempts,
      last_error: j.lastError,
      last_error_code: j.lastErrorCode,
      last_attempt_at: j.lastAttemptAt,
      next_retry_at: j.status === 'pending' ? j.nextAttemptAt : null,
      pos_order_id: o.posOrderId,
      created_at: j.createdAt,
      done_at: j.doneAt,
    };
  }

  overview(p: Principal): SyncOverview {
    const db = this.deps.db;
    const scope = cityFilter(p, orders.cityId);
    const problems = db
      .select({ j: posSyncJobs, o: orders })
      .from(posSyncJobs)
      .innerJoin(orders, eq(orders.id, posSyncJobs.entityId))
      .where(
        and(
          eq(posSyncJobs.entity, 'order'),
          // Re-armed after an outage (attempts from zero) they stay here, with their last error, until they succeed.
          or(
            eq(posSyncJobs.status, 'failed'),
            and(inArray(posSyncJobs.status, ['pending', 'in_flight']), or(gt(posSyncJobs.attempts, 0), isNotNull(posSyncJobs.lastError))),
          ),
          or(ne(orders.status, 'cancelled'), eq(posSyncJobs.kind, 'cancel')),
          scope,
        ),
      )
      .orderBy(desc(posSyncJobs.updatedAt), desc(posSyncJobs.id))
      .limit(200)
      .all();
    const recent = db
      .select({ j: posSyncJobs, o: orders })
      .from(posSyncJobs)
      .innerJoin(orders, eq(orders.id, posSyncJobs.entityId))
      .where(and(eq(posSyncJobs.entity, 'order'), eq(posSyncJobs.status, 'done'), eq(orders.syncStatus, 'synced'), scope))
      .orderBy(desc(posSyncJobs.doneAt), desc(posSyncJobs.id))
      .limit(20)
      .all();
    const queued =
      db
        .select({ n: count() })
        .from(posSyncJobs)
        .innerJoin(orders, eq(orders.id, posSyncJobs.entityId))
        .where(
          and(
            eq(posSyncJobs.entity, 'order'),
            inArray(posSyncJobs.status, ['pending', 'in_flight']),
            eq(posSyncJobs.attempts, 0),
            isNull(posSyncJobs.lastError),
            scope,
          ),
        )
        .get()?.n ?? 0;
    return {
      pos: this.deps.client.health(),
      problems: problems.map(({ j, o }) => this.toJob(j, o)),
      recent: recent.map(({ j, o }) => this.toJob(j, o)),
      queued,
      menu: this.deps.menu.state(),
    };
  }

  /**
   * Manual retry of an order's sync (`:id` is the order id, as in `sync-error.entityId`): the
   * backoff and the attempt count start over and the job is due now. 404 unknown order, 403
   * another city's, 409 already synced, being sent right now, or cancelled. For a cancelled order
   * the POS has, it retries telling the POS of the cancel (409 `already_completed` when the POS
   * refused it because the kitchen had delivered it: no retry changes that).
   */
  retry(p: Principal, orderId: number): SyncJob {
    return this.deps.tx(() => {
      const db = this.deps.db;
      const order = db.select().from(orders).where(eq(orders.id, orderId)).get();
      if (!order) throw notFound(`Order ${orderId} not found`);
      assertCity(p, order.cityId);
      const jobs = db.select().from(posSyncJobs).where(and(eq(posSyncJobs.entity, 'order'), eq(posSyncJobs.entityId, orderId))).all();
      const cancelJob = jobs.find((j) => j.kind === 'cancel');
      if (cancelJob && cancelJob.status !== 'done') return this.retryCancel(p, order, cancelJob);
      const job = jobs.find((j) => j.kind === 'send');
      if (!job) throw notFound(`Order ${order.orderNumber} has no POS sync job`, 'no_sync_job');
      if (job.status === 'done' || order.syncStatus === 'synced') throw conflict(`Order ${order.orderNumber} is already in the POS`, 'already_synced');
      if (job.status === 'in_flight') throw conflict(`Order ${order.orderNumber} is being sent to the POS right now`, 'sync_in_progress');
      if (order.status === 'cancelled') throw conflict(`Order ${order.orderNumber} was cancelled; there is nothing to send`, 'order_cancelled');
      const now = isoNow();
      const updated = db
        .update(posSyncJobs)
        .set({ status: 'pending', attempts: 0, nextAttemptAt: now, leaseUntil: null, updatedAt: now })
        .where(eq(posSyncJobs.id, job.id))
        .returning()
        .get()!;
      const o = db.update(orders).set({ syncStatus: 'pending', updatedAt: now }).where(eq(orders.id, orderId)).returning().get()!;
      this.deps.log.info({ orderId, jobId: job.id, by: p.userId }, 'pos sync: manual retry');
      // The commit wakes the worker: the attempt runs at once.
      return this.toJob(updated, o);
    });
  }

  private retryCancel(p: Principal, order: OrderRow, job: JobRow): SyncJob {
    if (job.status === 'in_flight') throw conflict(`The cancel of order ${order.orderNumber} is being sent to the POS right now`, 'sync_in_progress');
    if (job.lastErrorCode === ALREADY_COMPLETED) {
      throw conflict(`The kitchen had already delivered order ${order.orderNumber}; a cancel cannot reach it`, 'already_completed');
    }
    const now = isoNow();
    const updated = this.deps.db
      .update(posSyncJobs)
      .set({ status: 'pending', attempts: 0, nextAttemptAt: now, leaseUntil: null, updatedAt: now })
      .where(eq(posSyncJobs.id, job.id))
      .returning()
      .get()!;
    this.deps.log.info({ orderId: order.id, jobId: job.id, by: p.userId }, 'pos sync: manual retry of a cancel');
    return this.toJob(updated, order);
  }
}
