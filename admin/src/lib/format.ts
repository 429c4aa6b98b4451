import { formatBonuses, formatMoney } from '@ordercast/shared';
import { lang, t } from '../i18n';

/**
 * Every amount, date and time the admin app shows goes through here: money by the shared rule
 * (whole roubles without kopecks), times always in the order's city's time zone (never the
 * browser's), words in the chosen language.
 */
export const money = (roubles: number): string => formatMoney(roubles, lang.value);
export const points = (n: number): string => formatBonuses(n, lang.value);

const dtf = new Map<string, Intl.DateTimeFormat>();
function fmt(opts: Intl.DateTimeFormatOptions, timeZone: string | undefined): Intl.DateTimeFormat {
  const key = `${lang.value}|${timeZone ?? ''}|${JSON.stringify(opts)}`;
  let f = dtf.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(lang.value === 'ru' ? 'ru-RU' : 'en-GB', { ...opts, timeZone });
    } catch {
      // An unknown zone name must not break a screen: fall back to the browser's zone.
      f = new Intl.DateTimeFormat(lang.value === 'ru' ? 'ru-RU' : 'en-GB', opts);
    }
    dtf.set(key, f);
  }
  return f;
}

/** "14:05" in the city's zone. */
export function clock(iso: string, timeZone?: string): string {
  return fmt({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }, timeZone).format(new Date(iso));
}

/** "30 Nov, 14:05" in the city's zone. */
export function dateTime(iso: string, timeZone?: string): string {
  return fmt({ day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }, timeZone).format(new Date(iso));
}

/** Today's calendar day (YYYY-MM-DD) in a zone: what the dashboard's date field starts at. */
export function todayIn(timeZone: string | undefined, now = Date.now()): string {
  // en-CA writes dates as YYYY-MM-DD.
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  }
}

/** Hours a zone is ahead of UTC at an instant (rounded to whole hours: the chart has hourly buckets). */
export function utcOffsetHours(timeZone: string, at = Date.now()): number {
  const p: Record<string, string> = {};
  for (const x of new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(at)) p[x.type] = x.value;
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
  return Math.round((asUtc - Math.floor(at / 60_000) * 60_000) / 3_600_000);
}

/** "3 min", "1 h 05 min" since an instant. */
export function elapsed(iso: string, now: number): string {
  const mins = Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));
  if (mins < 60) return t('common.min', { n: mins });
  return t('common.hMin', { h: Math.floor(mins / 60), m: String(mins % 60).padStart(2, '0') });
}

/** "in 12 s", "in 3 min", "now" until an instant. */
export function until(iso: string, now: number): string {
  const s = Math.round((Date.parse(iso) - now) / 1000);
  if (s <= 0) return t('common.now');
  if (s < 90) return t('common.inSeconds', { n: s });
  return t('common.inMinutes', { n: Math.round(s / 60) });
}
