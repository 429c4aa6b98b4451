export const isoNow = (): string => new Date().toISOString();

/** The calendar day (YYYY-MM-DD) at `date` in an IANA time zone: order numbers restart each local day. */
export function localDay(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}
