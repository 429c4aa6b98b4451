/**
 * Order chat limits both sides rely on (issue 18). The apps check them before sending; the server
 * enforces them (a longer text is a 400, a faster sender a 429 `rate_limited`).
 */

/** Longest message text, in characters (after the text is cleaned). */
export const CHAT_MAX_TEXT = 2000;
/** A client message id: the sender's own id for one message, so a resend is recognised. */
export const CHAT_CLIENT_ID_MAX = 64;
export const CHAT_CLIENT_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
/** Messages one history page holds by default, and at most. */
export const CHAT_PAGE_DEFAULT = 50;
export const CHAT_PAGE_MAX = 200;
/**
 * A `typing` indicator lasts this long unless renewed: the receiver hides it by itself after
 * `ttlMs` (the server says it in every `typing` message), so a sender that vanishes leaves no
 * "typing…" behind. Senders renew it every CHAT_TYPING_RENEW_MS while the person keeps typing.
 */
export const CHAT_TYPING_TTL_MS = 5000;
export const CHAT_TYPING_RENEW_MS = 2000;

/** Who is in a chat or typing, as one line: each name once, `unnamed` for one without a name. */
export function chatNames(people: readonly { name: string }[], unnamed: string): string {
  return [...new Set(people.map((p) => p.name || unnamed))].join(', ');
}
