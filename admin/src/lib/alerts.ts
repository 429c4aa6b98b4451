import type { SyncAction, SyncEntity, SyncError, SyncSuccess } from '@ordercast/shared';
import { t } from '../i18n';
import { until } from './format';

/**
 * The sync-problems lifecycle, pure: an alert per entity (order 17, menu of city 2…), raised or
 * updated by every `sync-error`, removed by the `sync-success` for the same entity. Newest first.
 */
export interface SyncAlert {
  key: string;
  entity: SyncEntity;
  entityId: number;
  error: string;
  attempts: number;
  /** null: the POS sync gave up (needs a manual retry); undefined: not told. */
  nextRetryAt: string | null | undefined;
  firstSeenAt: string;
  lastSeenAt: string;
  cityId: number | null;
  /** Extra text to show (e.g. the order number), when known. */
  label?: string;
  /** A retry was requested and is in flight. */
  retrying?: boolean;
  /** `cancel`: telling the kitchen system about a cancel (its own alert, beside the order's send). */
  action?: SyncAction;
  /** The server's code, e.g. ALREADY_COMPLETED: the kitchen had already delivered the order. */
  code?: string;
}

/** A cancel's trouble is its own alert (`order-cancel:17`), so the order's send and its cancel never hide each other. */
export const alertKey = (entity: SyncEntity, entityId: number, action?: SyncAction): string =>
  action === 'cancel' ? `${entity}-cancel:${entityId}` : `${entity}:${entityId}`;

/** No retry helps: the kitchen had already delivered the order when it heard of the cancel. */
export const isAlreadyDelivered = (a: Pick<SyncAlert, 'code'>): boolean => a.code === 'ALREADY_COMPLETED';

export type AlertMap = ReadonlyMap<string, SyncAlert>;

export function raise(alerts: AlertMap, ev: SyncError): Map<string, SyncAlert> {
  const key = alertKey(ev.entity, ev.entityId, ev.action);
  const next = new Map(alerts);
  const prev = alerts.get(key);
  next.set(key, {
    key,
    entity: ev.entity,
    entityId: ev.entityId,
    error: ev.error,
    attempts: ev.attempt ?? (prev ? prev.attempts + 1 : 1),
    nextRetryAt: ev.nextRetryAt,
    firstSeenAt: prev?.firstSeenAt ?? ev.timestamp,
    lastSeenAt: ev.timestamp,
    cityId: ev.cityId ?? prev?.cityId ?? null,
    ...(prev?.label !== undefined && { label: prev.label }),
    ...(ev.action && { action: ev.action }),
    ...(ev.code && { code: ev.code }),
  });
  return next;
}

/** A success clears the entity's alert; an older success (before the last error) does not. */
export function clear(alerts: AlertMap, ev: SyncSuccess): Map<string, SyncAlert> {
  const key = alertKey(ev.entity, ev.entityId, ev.action);
  const prev = alerts.get(key);
  const next = new Map(alerts);
  if (prev && prev.lastSeenAt <= ev.timestamp) next.delete(key);
  return next;
}

export function sorted(alerts: AlertMap): SyncAlert[] {
  return [...alerts.values()].sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
}

/** Only problems in the cities being looked at (null: all). Menu-wide problems (no city) always show. */
export function visible(alerts: AlertMap, cityId: number | null): SyncAlert[] {
  return sorted(alerts).filter((a) => cityId === null || a.cityId === null || a.cityId === cityId);
}

/**
 * Reads GET /api/admin/sync (SyncOverview: `problems` are order jobs with order_id, attempts,
 * last_error, next_retry_at…; `menu` is the menu import state). Read defensively, so an older or
 * newer server shape degrades to fewer alerts rather than a broken panel.
 */
export function fromSnapshot(body: unknown): Map<string, SyncAlert> {
  const obj = (body ?? {}) as Record<string, unknown>;
  const list = (Array.isArray(body) ? body : (obj.problems ?? obj.open ?? obj.items ?? [])) as Record<string, unknown>[];
  const out = new Map<string, SyncAlert>();
  if (!Array.isArray(list)) return out;
  for (const p of list) {
    const entity = (p.entity === 'menu' ? 'menu' : 'order') as SyncEntity;
    const entityId = Number(p.entityId ?? p.entity_id ?? p.orderId ?? p.order_id ?? 0);
    if (!Number.isInteger(entityId)) continue;
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    const seen = str(p.lastAttemptAt) ?? str(p.last_attempt_at) ?? str(p.updatedAt) ?? str(p.updated_at) ?? new Date().toISOString();
    const next = 'nextRetryAt' in p ? p.nextRetryAt : p.next_retry_at;
    const num = p.orderNumber ?? p.order_number;
    const action: SyncAction | undefined = p.kind === 'cancel' || p.action === 'cancel' ? 'cancel' : undefined;
    const code = str(p.code) ?? str(p.last_error_code);
    const key = alertKey(entity, entityId, action);
    out.set(key, {
      key,
      entity,
      entityId,
      error: str(p.error) ?? str(p.lastError) ?? str(p.last_error) ?? 'Sync failed',
      attempts: Number(p.attempts ?? 0),
      nextRetryAt: typeof next === 'string' ? next : next === null ? null : undefined,
      firstSeenAt: str(p.createdAt) ?? str(p.created_at) ?? seen,
      lastSeenAt: seen,
      cityId: typeof (p.cityId ?? p.city_id) === 'number' ? Number(p.cityId ?? p.city_id) : null,
      ...(typeof num === 'string' && { label: `#${num}` }),
      ...(action && { action }),
      ...(code && { code }),
    });
  }
  // SyncOverview.menu: a failing POS menu import is a problem too (cleared by a menu sync-success).
  const menu = obj.menu as { status?: string; last_error?: string | null; failures?: number; last_attempt_at?: string | null } | undefined;
  if (menu && menu.status === 'failing') {
    const at = menu.last_attempt_at ?? new Date().toISOString();
    out.set(alertKey('menu', 0), {
      key: alertKey('menu', 0),
      entity: 'menu',
      entityId: 0,
      error: menu.last_error ?? 'Menu import failed',
      attempts: menu.failures ?? 1,
      nextRetryAt: undefined,
      firstSeenAt: at,
      lastSeenAt: at,
      cityId: null,
    });
  }
  return out;
}

export function describe(a: SyncAlert): string {
  if (a.entity === 'menu') return a.entityId ? t('alerts.menuOfCity', { id: a.entityId }) : t('alerts.menu');
  if (a.action === 'cancel') return a.label ? t('alerts.orderCancel', { label: a.label }) : t('alerts.orderIdCancel', { id: a.entityId });
  return a.label ? t('alerts.order', { label: a.label }) : t('alerts.orderId', { id: a.entityId });
}

export type Problem = 'unreachable' | 'timeout' | 'serverError' | 'auth' | 'rejected' | 'menuFailed' | 'unknown';

/**
 * What kind of trouble a technical sync error is, read from the server's message (the POS client's
 * texts: "POS unreachable: UND_ERR_SOCKET…", "POS did not answer within …", "POS answered 503…").
 */
export function problemOf(error: string, entity: SyncEntity = 'order'): Problem {
  const e = error.toLowerCase();
  if (/unreachable|econnrefused|econnreset|enotfound|ehostunreach|und_err_socket|other side closed|fetch failed|socket/.test(e)) return 'unreachable';
  if (/did not answer|timeout|timed out|etimedout/.test(e)) return 'timeout';
  if (/\b(401|403)\b|unauthori[sz]ed|forbidden/.test(e)) return 'auth';
  if (/\b5\d\d\b|unexpected body|bad_response/.test(e)) return 'serverError';
  if (entity === 'menu') return 'menuFailed';
  if (/reject|mismatch|\b4\d\d\b|invalid/.test(e)) return 'rejected';
  return 'unknown';
}

/**
 * The alert in a manager's words: what is wrong and what happens next
 * ("The kitchen system is not answering; we keep retrying, next try in 30 s").
 * The technical text stays available in a details disclosure.
 */
export function plainText(a: Pick<SyncAlert, 'error' | 'entity' | 'nextRetryAt'> & Partial<Pick<SyncAlert, 'action' | 'code' | 'label' | 'entityId'>>, now: number): string {
  if (isAlreadyDelivered(a)) return t('alerts.alreadyDelivered', { label: a.label ?? `id ${a.entityId ?? ''}` });
  const problem = problemOf(a.error, a.entity);
  // A cancel that did not get through for an unclear reason says so, not "the order could not be sent".
  const what = t(a.action === 'cancel' && (problem === 'unknown' || problem === 'rejected') ? 'alerts.cancelUnsent' : `alerts.${problem}`);
  const next =
    a.nextRetryAt === null
      ? t('alerts.gaveUp')
      : a.nextRetryAt
        ? t('alerts.nextTry', { when: until(a.nextRetryAt, now) })
        : t('alerts.keepTrying');
  return `${what}; ${next}`;
}
