import { t, type Locale } from '../i18n';
import { clockIn } from './eta';

/** The fields of a city's live status the notice reads (the wire's CityStatus has them). */
export interface CityStatusLike {
  pause: { reason: string; until: string | null } | null;
  busy_minutes: number;
  open_now: boolean;
  accepting_orders: boolean;
  refusal: 'city_paused' | 'restaurant_paused' | 'closed' | null;
  reopens_at: string | null;
  next_open_at: string | null;
}

export interface CityNotice {
  kind: 'paused' | 'closed' | 'busy';
  title: string;
  detail: string;
  /** Checkout is refused outright (a pause); a closed city still takes orders for later today. */
  blocksCheckout: boolean;
}

const dayKey = (iso: string | Date, timeZone: string | undefined) =>
  new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', ...(timeZone && { timeZone }) }).format(new Date(iso));

/** "tomorrow" / "on Monday": how far away a reopening is, in words. */
function dayWord(iso: string, now: Date, timeZone: string | undefined, l: Locale): string | null {
  if (dayKey(iso, timeZone) === dayKey(now, timeZone)) return null;
  const tomorrow = new Date(now.getTime() + 86_400_000);
  if (dayKey(iso, timeZone) === dayKey(tomorrow, timeZone)) return l === 'ru' ? 'завтра' : 'tomorrow';
  const wd = new Intl.DateTimeFormat(l === 'ru' ? 'ru-RU' : 'en-GB', { weekday: 'long', ...(timeZone && { timeZone }) }).format(new Date(iso));
  return l === 'ru' ? `в ${wd}` : `on ${wd}`;
}

/** What the customer is told about the city right now; null when ordering is normal. */
export function cityNotice(s: CityStatusLike | null | undefined, timeZone: string | undefined, l: Locale, now = new Date()): CityNotice | null {
  if (!s) return null;
  const when = (iso: string | null, at: 'status.reopensAt' | 'status.closed', on: 'status.reopensOn' | 'status.closedOn') => {
    if (!iso) return null;
    const time = clockIn(iso, timeZone, l);
    const day = dayWord(iso, now, timeZone, l);
    return day ? t(on, { day, time }) : t(at, { time });
  };
  if (s.refusal === 'city_paused' || s.refusal === 'restaurant_paused') {
    const title = s.refusal === 'city_paused' && s.pause?.reason ? t('status.pausedReason', { reason: s.pause.reason }) : s.refusal === 'city_paused' ? t('status.paused') : t('status.restaurantsPaused');
    const detail = when(s.reopens_at ?? s.pause?.until ?? null, 'status.reopensAt', 'status.reopensOn') ?? t('status.reopensUnknown');
    return { kind: 'paused', title, detail, blocksCheckout: true };
  }
  if (s.refusal === 'closed' || !s.open_now) {
    const iso = s.reopens_at ?? s.next_open_at;
    const title = when(iso, 'status.closed', 'status.closedOn') ?? t('status.closed', { time: '—' });
    const today = !!iso && dayWord(iso, now, timeZone, l) === null;
    return { kind: 'closed', title, detail: today ? t('status.closedLater') : '', blocksCheckout: !today };
  }
  if (s.busy_minutes > 0) return { kind: 'busy', title: t('status.busy', { n: s.busy_minutes }), detail: '', blocksCheckout: false };
  return null;
}
