import { createHash, randomBytes } from 'node:crypto';
import type { Sql, Statement } from '../db/sql';
import type { Principal } from '../auth/principal';
import { unauthorized } from '../lib/errors';

/** How long a connection ticket may wait before it is used. */
export const TICKET_TTL_MS = 30_000;

export interface RealtimeIdentity {
  principal: Principal;
  /** When the credential behind the connection expires, epoch ms (Infinity: never). */
  expiresAt: number;
}

/** What ticket and token checks need, and nothing more. */
export interface RealtimeAuthDeps {
  /** The database holding `realtime_tickets` (shared by every process, so a ticket is used once). */
  sql: Sql;
  /** Verifies a JWT (signature, expiry, token version) and loads its principal; rejects with HttpError 401. */
  principalFromToken(token: string): Promise<{ principal: Principal; exp: number | undefined }>;
  /** The user's current rights; null when the account is gone or disabled. */
  principal(userId: number): Promise<Principal | null>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Credentials for transports that cannot send headers: `?token=JWT` (seed 001) and
 * `?ticket=` (single-use, short-lived, minted by POST /api/realtime/ticket). A ticket is
 * stored only as its SHA-256; using it is one conditional UPDATE, so two processes on one
 * database cannot both accept it. The ticket carries the expiry of the token that minted it
 * (covered by the hash), so a ticket-born connection ends when that token would have, and its
 * token version, so a password reset between minting and use refuses it.
 */
export class RealtimeAuth {
  private readonly insertStmt: Statement<{ hash: string; userId: number; expiresAt: string }>;
  private readonly useStmt: Statement<{ now: string; hash: string }, { userId: number }>;
  private readonly purgeStmt: Statement<{ before: string }>;
  private lastPurge = 0;

  constructor(private readonly deps: RealtimeAuthDeps) {
    const sql = deps.sql;
    this.insertStmt = sql.prepare('INSERT INTO realtime_tickets (hash, user_id, expires_at) VALUES (@hash, @userId, @expiresAt)');
    this.useStmt = sql.prepare(
      'UPDATE realtime_tickets SET used_at = @now WHERE hash = @hash AND used_at IS NULL AND expires_at > @now RETURNING user_id AS "userId"',
    );
    this.purgeStmt = sql.prepare('DELETE FROM realtime_tickets WHERE expires_at < @before');
  }

  async issueTicket(userId: number, tokenExpiresAtMs: number, tokenVersion: number): Promise<{ ticket: string; expiresAt: string }> {
    const now = Date.now();
    const exp = Number.isFinite(tokenExpiresAtMs) ? Math.floor(tokenExpiresAtMs / 1000) : 0;
    const ticket = `${randomBytes(24).toString('base64url')}.${exp}.${tokenVersion}`;
    const expiresAt = new Date(now + TICKET_TTL_MS).toISOString();
    await this.insertStmt.run({ hash: sha256(ticket), userId, expiresAt });
    if (now - this.lastPurge > 60_000) {
      this.lastPurge = now;
      await this.purgeStmt.run({ before: new Date(now - 60_000).toISOString() });
    }
    return { ticket, expiresAt };
  }

  /** Throws HttpError 401 (code invalid_ticket / token_expired / invalid_token / unauthorized). */
  async identify(query: unknown, authorization: string | undefined): Promise<RealtimeIdentity> {
    const q = (query ?? {}) as Record<string, unknown>;
    const ticket = typeof q.ticket === 'string' ? q.ticket : undefined;
    if (ticket) return this.useTicket(ticket);
    let token = typeof q.token === 'string' ? q.token : undefined;
    if (!token && authorization?.startsWith('Bearer ')) token = authorization.slice(7);
    if (!token) throw unauthorized('A token or ticket is required', 'unauthorized');
    return this.identifyToken(token);
  }

  /** A raw JWT: from the URL, a header, or an `auth` message (seed 002). Throws HttpError 401. */
  async identifyToken(token: string): Promise<RealtimeIdentity> {
    const { principal, exp } = await this.deps.principalFromToken(token);
    return { principal, expiresAt: exp !== undefined ? exp * 1000 : Infinity };
  }

  private async useTicket(ticket: string): Promise<RealtimeIdentity> {
    const invalid = () => unauthorized('The connection ticket is invalid, used or expired', 'invalid_ticket');
    if (ticket.length > 128) throw invalid();
    const now = new Date().toISOString();
    const row = await this.useStmt.get({ now, hash: sha256(ticket) });
    if (!row) throw invalid();
    const principal = await this.deps.principal(row.userId);
    if (!principal) throw unauthorized('This account no longer exists or is disabled', 'account_disabled');
    const [, expText, versionText] = ticket.split('.');
    if (Number(versionText ?? 0) !== principal.tokenVersion) throw unauthorized('This ticket was revoked (password changed); sign in again', 'token_revoked');
    const exp = Number(expText);
    return { principal, expiresAt: exp > 0 ? exp * 1000 : Infinity };
  }
}

/** Does the upgrade request carry a credential? Without one a WebSocket may still sign in with an `auth` message. */
export function carriesCredential(query: unknown, authorization: string | undefined): boolean {
  const q = (query ?? {}) as Record<string, unknown>;
  return (typeof q.ticket === 'string' && q.ticket !== '') || (typeof q.token === 'string' && q.token !== '') || !!authorization;
}
