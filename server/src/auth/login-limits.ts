import type { FastifyReply, FastifyRequest } from 'fastify';
import { normalizeIP } from '@fastify/rate-limit';
import { HttpError } from '../lib/errors';
import type { LoginLimitStore } from './login-limit-store';

const MINUTE = 60_000;
/** How long a username stays locked for unknown addresses after too many failures. */
const USER_WINDOW_MS = 15 * MINUTE;

export interface LoginLimitSettings {
  /** Attempts per (address, username) per minute. */
  perAddressAndUser: number;
  /** Attempts per address per minute, whatever the usernames. */
  perAddress: number;
  /** Failed attempts per username, from anywhere, per 15 minutes before it is locked for unknown addresses. */
  perUserFailures: number;
}

/**
 * Staff sign-in limits, counted in a LoginLimitStore shared by every node of the deployment
 * (login-limit-store-factory.ts: Redis, PostgreSQL, or memory for a single process):
 * - per address and username, and per address whatever the username, counting every attempt and
 *   refusing BEFORE the password hash runs (scrypt is the expensive part of a sign-in);
 * - per username from any address, counting failures only. Past the limit the username is locked
 *   for 15 minutes, but not for an address that signed in to it successfully before: an attacker
 *   spreading guesses over many addresses can lock out newcomers, never the real user at their
 *   usual place, and never forever (the window ends).
 * Addresses are req.ip: the socket's, or X-Forwarded-For's only from TRUST_PROXY's proxies.
 * Keys are prefixed by limit (a: address, p: address|username, u: username), so one store holds all three.
 */
export class LoginLimits {
  constructor(
    private readonly store: LoginLimitStore,
    private readonly s: LoginLimitSettings,
  ) {}

  /** Counts this attempt; throws 429 when the address, or the address for this username, is over its limit. */
  async admit(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const ip = normalizeIP(req.ip);
    const username = usernameOf(req);
    const checks: [string, number][] = [
      [`a:${ip}`, this.s.perAddress],
      [`p:${ip}|${username}`, this.s.perAddressAndUser],
    ];
    for (const [key, max] of checks) {
      const r = await this.store.hit(key, MINUTE);
      if (r.count > max) throw tooMany(reply, r.ttlMs, 'Too many attempts');
    }
    const user = await this.store.peek(`u:${username}`, USER_WINDOW_MS);
    if (user.count >= this.s.perUserFailures && !(await this.store.knows(username, ip))) {
      throw tooMany(reply, user.ttlMs, 'Too many failed sign-ins to this account');
    }
  }

  async failed(req: FastifyRequest): Promise<void> {
    await this.store.hit(`u:${usernameOf(req)}`, USER_WINDOW_MS);
  }

  async succeeded(req: FastifyRequest): Promise<void> {
    await this.store.remember(usernameOf(req), normalizeIP(req.ip));
  }
}

function usernameOf(req: FastifyRequest): string {
  return String((req.body as { username?: unknown } | undefined)?.username ?? '').toLowerCase();
}

function tooMany(reply: FastifyReply, ttlMs: number, what: string): HttpError {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  reply.header('retry-after', String(seconds));
  return new HttpError(429, 'rate_limited', `${what}; try again in ${seconds} s`);
}
