export const isoNow = (): string => new Date().toISOString();

interface DayCache {
  format: Intl.DateTimeFormat;
  /** The UTC minute `day` was computed for. */
  minute: number;
  day: string;
}

const days = new Map<string, DayCache>();

/**
 * The calendar day (YYYY-MM-DD) at `date` in an IANA time zone: order numbers restart each local day.
 * Formatting in a time zone goes through ICU, which is slow next to the rest of an order's work
 * (server/bench/README.md), and every order asks: the answer is kept for the
 * UTC minute it was computed in, which is exact because zone offsets are whole minutes, so a local
 * midnight always falls on a minute boundary.
 */
export function localDay(date: Date, timeZone: string): string {
  const minute = Math.floor(date.getTime() / 60_000);
  let c = days.get(timeZone);
  if (!c) {
    c = { format: new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }), minute: NaN, day: '' };
    days.set(timeZone, c);
  }
  if (c.minute !== minute) {
    c.day = c.format.format(date);
    c.minute = minute;
  }
  return c.day;
}
