import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { normalizeIP, type RateLimitOptions } from '@fastify/rate-limit';
import { LruMap } from 'toad-cache';
import { HttpError } from '../lib/errors';

const MINUTE = 60_000;
/** How long a username stays locked for unknown addresses after too many failures. */
const USER_WINDOW_MS = 15 * MINUTE;
/** Counters and remembered addresses are LRU-bounded: an attacker rotating keys evicts old ones, never grows memory. */
const CACHE_ENTRIES = 10_000;
const KNOWN_ADDRESSES_PER_USER = 8;

export interface LoginLimitSettings {
  /** Attempts per (address, username) per minute. */
  perAddressAndUser: number;
  /** Attempts per address per minute, whatever the usernames. */
  perAddress: number;
  /** Failed attempts per username, from anywhere, per 15 minutes before it is locked for unknown addresses. */
  perUserFailures: number;
}

type Check = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * Staff sign-in limits, on @fastify/rate-limit's counters (LRU-bounded, one per limit):
 * - per address and username, and per address whatever the username, counting every attempt and
 *   refusing BEFORE the password hash runs (scrypt is the expensive part of a sign-in);
 * - per username from any address, counting failures only. Past the limit the username is locked
 *   for 15 minutes, but not for an address that signed in to it successfully before: an attacker
 *   spreading guesses over many addresses can lock out newcomers, never the real user at their
 *   usual place, and never forever (the window ends).
 * Addresses are req.ip: the socket's, or X-Forwarded-For's only from TRUST_PROXY's proxies.
 */
export class LoginLimits {
  private readonly perAddress: Check;
  private readonly perPair: Check;
  private readonly perUser: Check;
  /** username → addresses it signed in from, most recent last. */
  private readonly known = new LruMap<string[]>(CACHE_ENTRIES);

  constructor(app: FastifyInstance, s: LoginLimitSettings) {
    // `cache` sizes each limiter's own LRU store (createRateLimit passes it on, its type omits it).
    const limiter = (opts: RateLimitOptions) => app.createRateLimit({ ...opts, cache: CACHE_ENTRIES } as RateLimitOptions);
    const address = (req: FastifyRequest) => normalizeIP(req.ip);
    this.perAddress = limiter({ max: s.perAddress, timeWindow: MINUTE, keyGenerator: address });
    this.perPair = limiter({ max: s.perAddressAndUser, timeWindow: MINUTE, keyGenerator: (req) => `${address(req)}|${usernameOf(req)}` });
    this.perUser = limiter({ max: s.perUserFailures, timeWindow: USER_WINDOW_MS, keyGenerator: usernameOf });
  }

  /** Counts this attempt; throws 429 when the address, or the address for this username, is over its limit. */
  async admit(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    for (const check of [this.perAddress, this.perPair]) {
      const r = await check(req);
      if (!r.isAllowed && r.isExceeded) throw tooMany(reply, r.ttl, 'Too many attempts');
    }
    const user = await this.perUser(req, { increment: false });
    if (!user.isAllowed && user.remaining === 0 && !this.isKnown(usernameOf(req), normalizeIP(req.ip))) {
      throw tooMany(reply, user.ttl, 'Too many failed sign-ins to this account');
    }
  }

  async failed(req: FastifyRequest): Promise<void> {
    await this.perUser(req);
  }

  succeeded(req: FastifyRequest): void {
    const username = usernameOf(req);
    const ip = normalizeIP(req.ip);
    const list = (this.known.get(username) ?? []).filter((a) => a !== ip);
    list.push(ip);
    this.known.set(username, list.slice(-KNOWN_ADDRESSES_PER_USER));
  }

  private isKnown(username: string, ip: string): boolean {
    return this.known.get(username)?.includes(ip) ?? false;
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
