import { t } from '../i18n';

/**
 * The board measures lateness against the time promised to the customer: a card counts down to
 * `promised_at`, turns amber within the warning window before it and red once it has passed.
 */
export type Due = 'ok' | 'warn' | 'late';

export interface DueWindow {
  /** Minutes before the promised time when a card turns amber. */
  warnMinutes: number;
}
/** The server's default warning window, until `/api/admin/settings` answers. */
export const DEFAULT_DUE_WINDOW: DueWindow = { warnMinutes: 10 };

export function dueOf(promisedAt: string, now: number, w: DueWindow = DEFAULT_DUE_WINDOW): Due {
  const left = Date.parse(promisedAt) - now;
  if (left < 0) return 'late';
  if (left <= w.warnMinutes * 60_000) return 'warn';
  return 'ok';
}

/** "12 min" left, or "late 5 min" once past; whole minutes (the board ticks a few times a minute). */
export function countdown(promisedAt: string, now: number): string {
  const ms = Date.parse(promisedAt) - now;
  if (ms >= 0) {
    const mins = Math.ceil(ms / 60_000);
    return mins < 60 ? t('eta.left', { n: mins }) : t('eta.leftH', { h: Math.floor(mins / 60), m: String(mins % 60).padStart(2, '0') });
  }
  const late = Math.floor(-ms / 60_000);
  return late < 60 ? t('eta.late', { n: late }) : t('eta.lateH', { h: Math.floor(late / 60), m: String(late % 60).padStart(2, '0') });
}
