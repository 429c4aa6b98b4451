import { getTableColumns } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { seesAllCities, type SyncJob, type SyncOverview } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import { assertCity } from '../auth/scope';
import { inJsonInts, sqlText } from '../db/portable';
import { columnsOf, tableRows } from '../db/rows';
import type { Sql, SqlText } from '../db/sql';
import { orders, posSyncJobs } from '../db/schema';
import { conflict, notFound } from '../lib/errors';
import { isoNow } from '../lib/time';
import type { PosClient } from './client';
import type { MenuSync } from './menu-sync';
import { ALREADY_COMPLETED } from './wire';

type JobRow = typeof posSyncJobs.$inferSelect;
type OrderRow = typeof orders.$inferSelect;

/** A job and its order side by side, as one row of a join. */
type JobAndOrder = Record<string, unknown>;

/** Staff's view of the sync: open problems, recent successes, the menu import; and the manual retry. */
export class SyncAdmin {
  private readonly q;
  private readonly splitRow: (r: JobAndOrder) => { j: JobRow; o: OrderRow };

  constructor(
    private readonly deps: {
      /** Its commits wake the worker. */
      sql: Sql;
      client: Pick<PosClient, 'health'>;
      menu: Pick<MenuSync, 'state'>;
      log: FastifyBaseLogger;
    },
    private readonly maxAttempts: number,
  ) {
    const sql = deps.sql;
    // Both tables' columns in one row, prefixed (j_…, o_…), split back into the two shapes.
    const jobCols = Object.keys(getTableColumns(posSyncJobs));
    const orderCols = Object.keys(getTableColumns(orders));
    const prefixed = (cols: string, prefix: string) => cols.replace(/AS "(\w+)"/g, `AS "${prefix}$1"`);
    const BOTH = `${prefixed(tableRows(posSyncJobs, 'j').columns, 'j_')}, ${prefixed(tableRows(orders, 'o').columns, 'o_')}`;
    this.splitRow = (r) => ({
      j: Object.fromEntries(jobCols.map((c) => [c, r[`j_${c}`]])) as JobRow,
      o: Object.fromEntries(orderCols.map((c) => [c, r[`o_${c}`]])) as OrderRow,
    });
    // A null parameter has no type PostgreSQL can infer: `@cities IS NULL` needs a cast there.
    const citiesNull = { sqlite: '@cities IS NULL', postgres: '@cities::text IS NULL' };
    const scope = sqlText`(${citiesNull} OR ${inJsonInts('o.city_id', 'cities')})`;
    const s = (t: SqlText) => (typeof t === 'string' ? { sqlite: t, postgres: t } : t);
    const sc = s(scope);
    this.q = {
      // Re-armed after an outage (attempts from zero) they stay here, with their last error, until they succeed.
      problems: sql.prepare<{ cities: string | null }, JobAndOrder>(
        sqlText`SELECT ${BOTH} FROM pos_sync_jobs j JOIN orders o ON o.id = j.entity_id
         WHERE j.entity = 'order'
           AND (j.status = 'failed' OR (j.status IN ('pending', 'in_flight') AND (j.attempts > 0 OR j.last_error IS NOT NULL)))
           AND (o.status <> 'cancelled' OR j.kind = 'cancel') AND ${sc}
         ORDER BY j.updated_at DESC, j.id DESC LIMIT 200`,
      ),
      recent: sql.prepare<{ cities: string | null }, JobAndOrder>(
        sqlText`SELECT ${BOTH} FROM pos_sync_jobs j JOIN orders o ON o.id = j.entity_id
         WHERE j.entity = 'order' AND j.status = 'done' AND o.sync_status = 'synced' AND ${sc}
         ORDER BY j.done_at DESC, j.id DESC LIMIT 20`,
      ),
      queued: sql.prepare<{ cities: string | null }, { n: number }>(
        sqlText`SELECT count(*) AS n FROM pos_sync_jobs j JOIN orders o ON o.id = j.entity_id
         WHERE j.entity = 'order' AND j.status IN ('pending', 'in_flight') AND j.attempts = 0 AND j.last_error IS NULL AND ${sc}`,
      ),
      order: sql.prepare<{ id: number }, OrderRow>(`SELECT ${columnsOf(orders)} FROM orders WHERE id = @id`),
      jobs: sql.prepare<{ id: number }, JobRow>(`SELECT ${columnsOf(posSyncJobs)} FROM pos_sync_jobs WHERE entity = 'order' AND entity_id = @id`),
      rearm: sql.prepare<{ id: number; now: string }, JobRow>(
        `UPDATE pos_sync_jobs SET status = 'pending', attempts = 0, next_attempt_at = @now, lease_until = NULL, updated_at = @now
         WHERE id = @id RETURNING ${columnsOf(posSyncJobs)}`,
      ),
      orderPending: sql.prepare<{ id: number; now: string }, OrderRow>(
        `UPDATE orders SET sync_status = 'pending', updated_at = @now WHERE id = @id RETURNING ${columnsOf(orders)}`,
      ),
    };
  }

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

  async overview(p: Principal): Promise<SyncOverview> {
    const cities = seesAllCities(p.role) ? null : JSON.stringify(p.cityIds);
    const problems = (await this.q.problems.all({ cities })).map(this.splitRow);
    const recent = (await this.q.recent.all({ cities })).map(this.splitRow);
    const queued = (await this.q.queued.get({ cities }))?.n ?? 0;
    return {
      pos: this.deps.client.health(),
      problems: problems.map(({ j, o }) => this.toJob(j, o)),
      recent: recent.map(({ j, o }) => this.toJob(j, o)),
      queued,
      menu: await this.deps.menu.state(),
    };
  }

  /**
   * Manual retry of an order's sync (`:id` is the order id, as in `sync-error.entityId`): the
   * backoff and the attempt count start over and the job is due now. 404 unknown order, 403
   * another city's, 409 already synced, being sent right now, or cancelled. For a cancelled order
   * the POS has, it retries telling the POS of the cancel (409 `already_completed` when the POS
   * refused it because the kitchen had delivered it: no retry changes that).
   */
  async retry(p: Principal, orderId: number): Promise<SyncJob> {
    let logLine: (() => void) | undefined;
    const result = await this.deps.sql.tx(async () => {
      const order = await this.q.order.get({ id: orderId });
      if (!order) throw notFound(`Order ${orderId} not found`);
      assertCity(p, order.cityId);
      const jobs = await this.q.jobs.all({ id: orderId });
      const cancelJob = jobs.find((j) => j.kind === 'cancel');
      if (cancelJob && cancelJob.status !== 'done') {
        if (cancelJob.status === 'in_flight') throw conflict(`The cancel of order ${order.orderNumber} is being sent to the POS right now`, 'sync_in_progress');
        if (cancelJob.lastErrorCode === ALREADY_COMPLETED) {
          throw conflict(`The kitchen had already delivered order ${order.orderNumber}; a cancel cannot reach it`, 'already_completed');
        }
        const updated = (await this.q.rearm.get({ id: cancelJob.id, now: isoNow() }))!;
        logLine = () => this.deps.log.info({ orderId: order.id, jobId: cancelJob.id, by: p.userId }, 'pos sync: manual retry of a cancel');
        return this.toJob(updated, order);
      }
      const job = jobs.find((j) => j.kind === 'send');
      if (!job) throw notFound(`Order ${order.orderNumber} has no POS sync job`, 'no_sync_job');
      if (job.status === 'done' || order.syncStatus === 'synced') throw conflict(`Order ${order.orderNumber} is already in the POS`, 'already_synced');
      if (job.status === 'in_flight') throw conflict(`Order ${order.orderNumber} is being sent to the POS right now`, 'sync_in_progress');
      if (order.status === 'cancelled') throw conflict(`Order ${order.orderNumber} was cancelled; there is nothing to send`, 'order_cancelled');
      const now = isoNow();
      const updated = (await this.q.rearm.get({ id: job.id, now }))!;
      const o = (await this.q.orderPending.get({ id: orderId, now }))!;
      logLine = () => this.deps.log.info({ orderId, jobId: job.id, by: p.userId }, 'pos sync: manual retry');
      // The commit wakes the worker: the attempt runs at once.
      return this.toJob(updated, o);
    });
    logLine?.();
    return result;
  }
}
