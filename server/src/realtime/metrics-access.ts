import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { forbidden, unauthorized } from '../lib/errors';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Who may read /metrics (METRICS_ACCESS). The figures name no person but show load and internals,
 * so by default only this machine may read them:
 *  - `loopback`: the TCP peer is a loopback address and the request carries no proxy header (a
 *    reverse proxy on the same machine would otherwise make every outside request look local);
 *  - `public`: anyone;
 *  - anything else is a token: `Authorization: Bearer <token>`, compared in constant time.
 */
export function metricsAccess(setting: string) {
  if (setting === 'public') return (_req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => done();
  if (setting === 'loopback') {
    return (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const peer = req.raw.socket.remoteAddress ?? '';
      const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
      if (!LOOPBACK.has(peer) || proxied) return done(forbidden('/metrics is readable from this machine only (METRICS_ACCESS=loopback)'));
      done();
    };
  }
  const expected = digest(setting);
  return (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7) : '';
    if (!given || !timingSafeEqual(digest(given), expected)) return done(unauthorized('/metrics needs the METRICS_ACCESS bearer token', 'unauthorized'));
    done();
  };
}
