import { t, type Locale } from '../i18n';

/**
 * Clock times the customer reads ("19:40"), always in the city's zone: a phone set to another
 * zone (a traveller, a VPN) must still read the time the restaurant means.
 */
const clocks = new Map<string, Intl.DateTimeFormat>();
export function clockIn(iso: string, timeZone: string | undefined, l: Locale): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const key = `${l}|${timeZone ?? ''}`;
  let f = clocks.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(l === 'ru' ? 'ru-RU' : 'en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(timeZone && { timeZone }) });
    clocks.set(key, f);
  }
  return f.format(d);
}

/** "HH:MM" (a restaurant's opening hour) → minutes after midnight; null for anything else. */
export function minutesOf(hhmm: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? h * 60 + min : h === 24 && min === 0 ? 1440 : null;
}

/** Minutes after midnight of an instant, on the wall clock of a zone. */
export function wallMinutes(at: Date, timeZone: string | undefined): number {
  const parts = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(timeZone && { timeZone }) }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

export const hhmm = (minutes: number): string => `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/**
 * The "later today" choices: every `step` minutes from the earliest possible time (now plus the
 * kitchen's lead, rounded up to the step, or the opening time) to the closing time, on the city's clock.
 * Each choice is the clock text and the instant it means.
 */
export function laterTodaySlots(opts: {
  now: Date;
  timeZone: string | undefined;
  opens: string;
  closes: string;
  leadMinutes: number;
  step?: number;
}): { label: string; at: string }[] {
  const step = opts.step ?? 15;
  const open = minutesOf(opts.opens);
  const close = minutesOf(opts.closes);
  if (open === null || close === null || close <= open) return [];
  const earliest = Math.max(open + opts.leadMinutes, wallMinutes(opts.now, opts.timeZone) + opts.leadMinutes);
  const first = Math.ceil(earliest / step) * step;
  const out: { label: string; at: string }[] = [];
  for (let m = first; m <= close; m += step) out.push({ label: hhmm(m), at: instantToday(opts.now, opts.timeZone, m) });
  return out;
}

/** The instant of a wall-clock time later today in a zone (the demo cities keep no daylight saving). */
export function instantToday(now: Date, timeZone: string | undefined, minutes: number): string {
  const start = Math.floor(now.getTime() / 60_000) * 60_000;
  return new Date(start + (minutes - wallMinutes(now, timeZone)) * 60_000).toISOString();
}

/** "Ready by 19:40" (pickup) / "Delivered by 20:05" (delivery); "about" for an estimate before the order exists. */
export function promisedText(promisedAt: string, type: 'delivery' | 'pickup', timeZone: string | undefined, l: Locale, estimate = false): string {
  const time = clockIn(promisedAt, timeZone, l);
  if (type === 'pickup') return t(estimate ? 'eta.readyByAbout' : 'eta.readyBy', { time });
  return t(estimate ? 'eta.deliveredByAbout' : 'eta.deliveredBy', { time });
}

/**
 * What checkout expects the server to promise for "as soon as possible": the kitchen's time (the
 * chosen restaurant's, else the quickest open one), the city's busy delay, and the ride for delivery.
 * The server's own figure is what the order then carries.
 */
export function estimateAsap(opts: {
  now: Date;
  type: 'delivery' | 'pickup';
  prepMinutes: number;
  busyMinutes: number;
  deliveryMinutes: number;
}): string {
  const mins = opts.prepMinutes + opts.busyMinutes + (opts.type === 'delivery' ? opts.deliveryMinutes : 0);
  return new Date(opts.now.getTime() + mins * 60_000).toISOString();
}

/** Today's hours (Monday first, as the wire has them) in the city's zone; null when closed all day. */
export function todaysHours<H>(hours: readonly H[], now: Date, timeZone: string | undefined): H | null {
  const wd = new Intl.DateTimeFormat('en-GB', { weekday: 'short', ...(timeZone && { timeZone }) }).format(now);
  const i = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(wd);
  return i >= 0 ? (hours[i] ?? null) : null;
}
