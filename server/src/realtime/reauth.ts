import { HttpError } from '../lib/errors';
import type { RealtimeIdentity } from './auth';
import { noticeTime, type Conn } from './conn';
import type { RealtimeContext } from './context';
import { recheck } from './rights';

/*
 * Seed 002, refreshing a live connection. Some time before its token expires a connection gets
 * `token-expiring` (./timers); the client sends a fresh token (`auth` on WebSocket, POST
 * /api/realtime/auth on SSE) and the connection goes on with it: same rooms, same place in the
 * log, nothing replayed or skipped. Only the credential changes: principal, token version, expiry.
 *  - a token of another user: refused (`forbidden`), the connection keeps its own user;
 *  - a token that does not verify: refused (`unauthorized`); the connection keeps the credential
 *    it has, which still ends at its expiry;
 *  - a disabled account or a password reset: the connection is closed by the rights re-check,
 *    exactly as without a refresh (./rights); a refreshed connection carries the new token's
 *    version, so later resets close it too.
 */

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);

export const tokenExpiring = (expiresAt: number): string =>
  JSON.stringify({ type: 'token-expiring', data: { expiresAt: iso(expiresAt) } });

export type RefreshOutcome = 'ok' | 'other-user' | 'closed';

/** Puts a verified fresh credential on an open connection. */
export async function refreshConnection(rt: RealtimeContext, conn: Conn, id: RealtimeIdentity): Promise<RefreshOutcome> {
  if (conn.closed) return 'closed';
  if (id.principal.userId !== conn.principal.userId) return 'other-user';
  // The token was verified against the user's current version just now: the connection carries it from here on.
  conn.tokenVersion = id.principal.tokenVersion;
  if (!(await recheck(rt, conn, id.principal))) return 'closed';
  // An older token sent again changes nothing (and does not bring the notice back).
  if (id.expiresAt > conn.expiresAt) {
    conn.expiresAt = id.expiresAt;
    conn.noticeAt = noticeTime(Date.now(), id.expiresAt, rt.limits.tokenNoticeMs);
  }
  rt.metrics.tokenRefreshes++;
  conn.sendControl(JSON.stringify({ type: 'authenticated', data: { userId: conn.principal.userId, expiresAt: iso(conn.expiresAt) } }));
  return 'ok';
}

/** An `auth` message on an open WebSocket: verify, then refresh; refusals are `error`s (see above). */
export async function refreshFromMessage(
  rt: RealtimeContext,
  conn: Conn & { error(code: 'unauthorized' | 'forbidden', message: string): void },
  token: string,
): Promise<void> {
  let id: RealtimeIdentity;
  try {
    id = await rt.identifyToken(token);
  } catch (err) {
    rt.metrics.authFailures++;
    const e = err instanceof HttpError ? err : null;
    conn.error('unauthorized', `Token refused (${e?.code ?? 'unauthorized'}): ${e?.message ?? 'could not check it'}; the connection keeps its current one`);
    // A refusal because the account was disabled or the password reset: apply it now rather than at the next notice.
    await recheck(rt, conn, await rt.directory.principal(conn.principal.userId));
    return;
  }
  if ((await refreshConnection(rt, conn, id)) === 'other-user') {
    conn.error('forbidden', 'This token belongs to another user; a connection keeps the user it was opened for');
  }
}
