import type { FastifyBaseLogger } from 'fastify';
import type { OrderStatus } from '@ordercast/shared';
import { columnsOf } from '../db/rows';
import type { Sql } from '../db/sql';
import { orders } from '../db/schema';
import type { Announce } from '../events/announce';
import { isoNow } from '../lib/time';
import { STEP_TO_STATUS, type PosWebhookBody } from '../pos/wire';
import type { OrdersService } from './service';
import type { OrderRow } from './serialize';

export interface StepResult {
  /** Whether anything changed. */
  applied: boolean;
  /** Why not: unknown_order, pos_order_mismatch, duplicate (already there), out_of_order (does not fit the current state), cancelled (the order was cancelled: the kitchen is being told). */
  reason?: 'unknown_order' | 'pos_order_mismatch' | 'duplicate' | 'out_of_order' | 'cancelled';
  /** The order's status after this callback (absent for an unknown order). */
  status?: OrderStatus;
}

/**
 * An order's state with the POS: "the POS has this order" and "apply a kitchen step". Each reads
 * the order once and answers with a result; nothing is steered by a caught error. Every method
 * runs inside the caller's write transaction.
 */
export class PosOrderState {
  private readonly q;

  constructor(
    sql: Sql,
    private readonly moves: Pick<OrdersService, 'tryMove' | 'queuePosCancel'>,
    private readonly announce: Pick<Announce, 'syncSuccess'>,
    private readonly log: FastifyBaseLogger,
  ) {
    const ORDER = columnsOf(orders);
    this.q = {
      // Locked on PostgreSQL (SQLite's single writer gives the same): a kitchen callback racing the
      // worker's record of the POS answer must read the order after that commit, not before it
      // (else its step is judged against the stale `pending` and dropped).
      order: sql.prepare<{ id: number }, OrderRow>({
        sqlite: `SELECT ${ORDER} FROM orders WHERE id = @id`,
        postgres: `SELECT ${ORDER} FROM orders WHERE id = @id FOR UPDATE`,
      }),
      synced: sql.prepare<{ id: number; posOrderId: string; at: string }, OrderRow>(
        `UPDATE orders SET sync_status = 'synced', pos_order_id = @posOrderId, updated_at = @at
         WHERE id = @id AND sync_status <> 'synced' RETURNING ${ORDER}`,
      ),
      jobDone: sql.prepare<{ id: number; at: string }>(
        `UPDATE pos_sync_jobs SET status = 'done', done_at = @at, lease_until = NULL, last_error = NULL, last_error_code = NULL, updated_at = @at
         WHERE entity = 'order' AND entity_id = @id AND kind = 'send' AND status <> 'done'`,
      ),
    };
  }

  /**
   * The POS has order `orderId` as `posOrderId`: sync state and POS id on the order, its job done,
   * `sync-success`, and `pending → confirmed` (source pos: the POS accepting it is the kitchen's
   * confirmation). False when it was already recorded (or the order does not exist).
   */
  async posHasOrder(orderId: number, posOrderId: string): Promise<boolean> {
    const row = await this.q.order.get({ id: orderId });
    return row ? (await this.recordSynced(row, posOrderId)) !== row : false;
  }

  /**
   * Applies a signed kitchen callback through the shared transition table, as a manager's move
   * would (same checks, same `order-status-updated`). A step that does not fit the order's state is
   * ignored and logged, never applied out of order; a repeated step changes nothing.
   */
  async applyStep(step: PosWebhookBody): Promise<StepResult> {
    const row = await this.q.order.get({ id: step.externalId });
    if (!row) {
      this.log.warn({ step }, 'pos webhook for an unknown order; ignored');
      return { applied: false, reason: 'unknown_order' };
    }
    if (row.posOrderId && row.posOrderId !== step.posOrderId) {
      this.log.warn({ step, posOrderId: row.posOrderId }, 'pos webhook names another POS order than the one synced; ignored');
      return { applied: false, reason: 'pos_order_mismatch', status: row.status };
    }
    // A callback proves the POS has the order, whatever the worker has heard so far.
    const order = await this.recordSynced(row, step.posOrderId);
    const synced = order !== row;
    if (order.status === 'cancelled') {
      // Expected while the cancel travels to the POS (or after it refused it): quietly ignored, no log per step.
      return { applied: synced, reason: 'cancelled', status: order.status };
    }
    const target = STEP_TO_STATUS[step.status];
    if (order.status === target) return { applied: synced, ...(!synced && { reason: 'duplicate' as const }), status: order.status };
    const moved = await this.moves.tryMove(order, target, { source: 'pos' });
    if (!moved.ok) {
      this.log.warn({ orderId: order.id, step: step.status, current: order.status, wanted: target, why: moved.reason }, 'pos webhook step does not fit the order state; ignored');
      return { applied: synced, reason: 'out_of_order', status: order.status };
    }
    return { applied: true, status: moved.row.status };
  }

  /** Records the sync on a row already read; returns the row after (the same object when nothing changed). */
  private async recordSynced(row: OrderRow, posOrderId: string): Promise<OrderRow> {
    if (row.syncStatus === 'synced') return row;
    const at = isoNow();
    const synced = await this.q.synced.get({ id: row.id, posOrderId, at });
    if (!synced) return row;
    await this.q.jobDone.run({ id: row.id, at });
    await this.announce.syncSuccess({ entity: 'order', entityId: row.id, timestamp: at }, { cityId: row.cityId });
    if (synced.status === 'pending') {
      const confirmed = await this.moves.tryMove(synced, 'confirmed', { source: 'pos' });
      if (confirmed.ok) return confirmed.row;
    }
    if (synced.status === 'cancelled') {
      // Cancelled while it was being sent, and the POS took it: tell the POS (outbox).
      await this.moves.queuePosCancel(synced);
      this.log.info({ orderId: row.id, posOrderId }, 'pos sync: the order was cancelled while it was being sent; the POS is told of the cancel');
    }
    return synced;
  }
}
