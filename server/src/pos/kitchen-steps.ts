import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { canTransition, type OrderStatus } from '@ordercast/shared';
import { orders } from '../db/schema';
import { HttpError } from '../lib/errors';
import type { PosSync } from './sync';
import { STEP_TO_STATUS, type PosWebhookBody } from './wire';

export interface StepResult {
  /** Whether anything changed. */
  applied: boolean;
  /** Why not: unknown_order, pos_order_mismatch, duplicate (already there), out_of_order (does not fit the current state). */
  reason?: 'unknown_order' | 'pos_order_mismatch' | 'duplicate' | 'out_of_order';
  /** The order's status after this callback (absent for an unknown order). */
  status?: OrderStatus;
}

/**
 * Applies a signed kitchen callback. The step becomes an order status through the shared
 * transition table, as a manager's move would (same checks, same `order-status-updated`). A step
 * that does not fit the order's current state is ignored and logged, never applied out of order;
 * a repeated step changes nothing. Either way the POS gets a 2xx so it stops re-sending.
 */
export class KitchenSteps {
  constructor(
    private readonly app: FastifyInstance,
    private readonly sync: PosSync,
  ) {}

  apply(step: PosWebhookBody): StepResult {
    return this.app.tx((): StepResult => {
      const db = this.app.db;
      let order = db.select().from(orders).where(eq(orders.id, step.externalId)).get();
      if (!order) {
        this.app.log.warn({ step }, 'pos webhook for an unknown order; ignored');
        return { applied: false, reason: 'unknown_order' };
      }
      if (order.posOrderId && order.posOrderId !== step.posOrderId) {
        this.app.log.warn({ step, posOrderId: order.posOrderId }, 'pos webhook names another POS order than the one synced; ignored');
        return { applied: false, reason: 'pos_order_mismatch', status: order.status };
      }
      // A callback proves the POS has the order, whatever the worker has heard so far.
      const synced = this.sync.markSynced(order.id, step.posOrderId);
      if (synced) order = db.select().from(orders).where(eq(orders.id, step.externalId)).get()!;
      const target = STEP_TO_STATUS[step.status];
      if (order.status === target) return { applied: synced, ...(!synced && { reason: 'duplicate' as const }), status: order.status };
      if (!canTransition(order.status, target, order.deliveryType)) {
        this.app.log.warn(
          { orderId: order.id, step: step.status, current: order.status, wanted: target },
          'pos webhook step does not fit the order state; ignored',
        );
        return { applied: synced, reason: 'out_of_order', status: order.status };
      }
      try {
        const moved = this.app.orders.changeStatus({ source: 'pos' }, order.id, target);
        return { applied: true, status: moved.status };
      } catch (err) {
        if (err instanceof HttpError && err.statusCode === 409) {
          this.app.log.warn({ orderId: order.id, step: step.status, err: err.message }, 'pos webhook step refused; ignored');
          return { applied: synced, reason: 'out_of_order', status: order.status };
        }
        throw err;
      }
    });
  }
}
