import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
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
  sqlite: Database.Database;
  /** Verifies a JWT (signature, expiry, token version) and loads its principal; throws HttpError 401. */
  principalFromToken(token: string): { principal: Principal; exp: number | undefined };
  /** The user's current rights; null when the account is gone or disabled. */
  principal(userId: number): Principal | null;
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
  private readonly insertStmt: Database.Statement<[string, number, string]>;
  private readonly useStmt: Database.Statement<[string, string, string], { userId: number }>;
  private readonly purgeStmt: Database.Statement<[string]>;
  private lastPurge = 0;

  constructor(private readonly deps: RealtimeAuthDeps) {
    const db = deps.sqlite;
    this.insertStmt = db.prepare('INSERT INTO realtime_tickets (hash, user_id, expires_at) VALUES (?, ?, ?)');
    this.useStmt = db.prepare(
      'UPDATE realtime_tickets SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id AS userId',
    );
    this.purgeStmt = db.prepare('DELETE FROM realtime_tickets WHERE expires_at < ?');
  }

  issueTicket(userId: number, tokenExpiresAtMs: number, tokenVersion: number): { ticket: string; expiresAt: string } {
    const now = Date.now();
    const exp = Number.isFinite(tokenExpiresAtMs) ? Math.floor(tokenExpiresAtMs / 1000) : 0;
    const ticket = `${randomBytes(24).toString('base64url')}.${exp}.${tokenVersion}`;
    const expiresAt = new Date(now + TICKET_TTL_MS).toISOString();
    this.insertStmt.run(sha256(ticket), userId, expiresAt);
    if (now - this.lastPurge > 60_000) {
      this.lastPurge = now;
      this.purgeStmt.run(new Date(now - 60_000).toISOString());
    }
    return { ticket, expiresAt };
  }

  /** Throws HttpError 401 (code invalid_ticket / token_expired / invalid_token / unauthorized). */
  identify(query: unknown, authorization: string | undefined): RealtimeIdentity {
    const q = (query ?? {}) as Record<string, unknown>;
    const ticket = typeof q.ticket === 'string' ? q.ticket : undefined;
    if (ticket) return this.useTicket(ticket);
    let token = typeof q.token === 'string' ? q.token : undefined;
    if (!token && authorization?.startsWith('Bearer ')) token = authorization.slice(7);
    if (!token) throw unauthorized('A token or ticket is required', 'unauthorized');
    return this.identifyToken(token);
  }

  /** A raw JWT: from the URL, a header, or an `auth` message (seed 002). Throws HttpError 401. */
  identifyToken(token: string): RealtimeIdentity {
    const { principal, exp } = this.deps.principalFromToken(token);
    return { principal, expiresAt: exp !== undefined ? exp * 1000 : Infinity };
  }

  private useTicket(ticket: string): RealtimeIdentity {
    const invalid = () => unauthorized('The connection ticket is invalid, used or expired', 'invalid_ticket');
    if (ticket.length > 128) throw invalid();
    const now = new Date().toISOString();
    const row = this.useStmt.get(now, sha256(ticket), now);
    if (!row) throw invalid();
    const principal = this.deps.principal(row.userId);
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
