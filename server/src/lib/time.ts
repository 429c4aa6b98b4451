export const isoNow = (): string => new Date().toISOString();

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (YYYY-MM-DD) at `date` in an IANA time zone: order numbers restart each local day. */
export function localDay(date: Date, timeZone: string): string {
  let f = dayFormats.get(timeZone);
  if (!f) {
    // Building a formatter costs far more than using one: keep one per zone.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, f);
  }
  return f.format(date);
}
