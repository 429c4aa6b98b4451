import { Type, type Static } from 'typebox';
import { SYNC_JOB_KINDS, SYNC_JOB_STATUSES } from '../statuses';
import { Id, Timestamp } from './common';
import { OrderStatusSchema, SyncStatusSchema } from './order';

/*
 * Staff view of the POS sync: `GET /api/admin/sync` and `POST /api/admin/sync/:id/retry`.
 * A manager sees only their cities' jobs; admin and ceo see all.
 */

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

/** The outbox job's own state: pending (waiting for its next attempt), in_flight (being sent), done, failed (gave up), cancelled (its order was cancelled before it was sent). */
export const SyncJobStatus = Type.Enum(SYNC_JOB_STATUSES);

/** One order's sync job. `order_id` is what `POST /api/admin/sync/:id/retry` takes and what `sync-error.entityId` carries. */
export const SyncJob = Type.Object({
  job_id: Id,
  /** `send`: the order itself; `cancel`: telling the POS the order was cancelled (ALREADY_COMPLETED: it had already been delivered). */
  kind: Type.Enum(SYNC_JOB_KINDS),
  order_id: Id,
  order_number: Type.String(),
  city_id: Id,
  order_status: OrderStatusSchema,
  /** The order's sync state as the order itself shows it. */
  sync_status: SyncStatusSchema,
  job_status: SyncJobStatus,
  attempts: Type.Integer({ minimum: 0 }),
  max_attempts: Type.Integer({ minimum: 1 }),
  last_error: NullableString,
  /** The POS's rejection code for a reason retries cannot fix (e.g. PRODUCT_NOT_FOUND, PRICE_MISMATCH), or a transport code (timeout, unreachable, http_503). */
  last_error_code: NullableString,
  last_attempt_at: NullableTimestamp,
  /** When the next automatic attempt runs; null when the job gave up or is done. */
  next_retry_at: NullableTimestamp,
  pos_order_id: NullableString,
  created_at: Timestamp,
  done_at: NullableTimestamp,
});
export type SyncJob = Static<typeof SyncJob>;

/** The POS menu import (prices and stop-list per city). */
export const MenuSyncState = Type.Object({
  /** ok: the last import worked; failing: the last import failed (the last good menu stays in use); unknown: none ran yet. */
  status: Type.Union([Type.Literal('ok'), Type.Literal('failing'), Type.Literal('unknown')]),
  last_success_at: NullableTimestamp,
  last_attempt_at: NullableTimestamp,
  last_error: NullableString,
  /** Failed imports in a row. */
  failures: Type.Integer({ minimum: 0 }),
  /** Prices or availabilities the last successful import changed. */
  last_changes: Type.Integer({ minimum: 0 }),
});
export type MenuSyncState = Static<typeof MenuSyncState>;

export const SyncOverview = Type.Object({
  /** The POS as the server last saw it (same as /health's `pos`). */
  pos: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('unknown')]),
  /** Open problems: jobs that failed for good or are waiting to retry after a failed attempt, newest first (sends of orders cancelled meanwhile are left out; their cancels are not). */
  problems: Type.Array(SyncJob),
  /** The latest successful order syncs and cancels, newest first. */
  recent: Type.Array(SyncJob),
  /** Jobs not yet attempted or being sent right now. */
  queued: Type.Integer({ minimum: 0 }),
  menu: MenuSyncState,
});
export type SyncOverview = Static<typeof SyncOverview>;

/** 202 from `POST /api/admin/sync/:id/retry` (`:id` is the order id): the job after the reset, due now. */
export const SyncRetryResponse = Type.Object({ job: SyncJob });
export type SyncRetryResponse = Static<typeof SyncRetryResponse>;
