/**
 * C0 controls but tab/newline/CR (handled below), DEL, C1 controls, and the bidi embeddings,
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069): invisible characters that can make a
 * name or address read differently on a screen or a printed POS ticket than it is stored.
 */
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/**
 * The one cleaning of free text people type (names, comments, addresses, usernames, reasons),
 * applied before it is stored or sent to the POS. Tabs become spaces; newlines stay only in
 * `multiline` text (comments, reasons) and become spaces elsewhere; the result is trimmed.
 */
export function cleanText(text: string, opts: { multiline?: boolean } = {}): string {
  const s = text.replace(/\r\n?/g, '\n').replace(INVISIBLE, '').replace(/\t/g, ' ');
  return (opts.multiline ? s : s.replace(/\n/g, ' ')).trim();
}
