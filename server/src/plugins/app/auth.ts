import fp from 'fastify-plugin';
import jwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify';
import type { Role } from '@ordercast/shared';
import type { Principal, TokenClaims } from '../../auth/principal';
import { UsersService } from '../../auth/users';
import { VerifiedTokens } from '../../auth/verified-tokens';
import { forbidden, unauthorized } from '../../lib/errors';

declare module 'fastify' {
  interface FastifyInstance {
    users: UsersService;
    /** onRequest hook: verifies the bearer JWT and loads `request.principal` fresh from the database. */
    authenticate: onRequestHookHandler;
    /** onRequest hook (after authenticate): 403 unless the principal has one of the roles. */
    requireRoles: (...roles: Role[]) => onRequestHookHandler;
    /** Signs a token for the user's current token version (a password reset raises it, revoking older tokens). */
    issueToken(userId: number, role: Role, tokenVersion: number): string;
    /** For transports that cannot send headers (WebSocket, EventSource): verifies a raw token; `exp` is its expiry claim (seconds). */
    principalFromToken(token: string): Promise<{ principal: Principal; exp: number | undefined }>;
  }
  interface FastifyRequest {
    /** Set by `authenticate`; only read it on routes behind that hook. */
    principal: Principal;
  }
}

export default fp(
  async (app) => {
    await app.register(jwt, {
      secret: app.config.JWT_SECRET,
      sign: { expiresIn: app.config.JWT_TTL_S, algorithm: 'HS256' },
      verify: { algorithms: ['HS256'] },
    });
    const users = new UsersService(app.sql, (userId) => app.events.bus.notify({ kind: 'principal-changed', userId }));
    app.decorate('users', users);
    app.decorateRequest('principal', null as unknown as Principal);

    const load = async (claims: TokenClaims): Promise<Principal> => {
      const id = Number(claims.sub);
      const principal = Number.isSafeInteger(id) ? await users.principal(id) : null;
      if (!principal) throw unauthorized('This account no longer exists or is disabled', 'account_disabled');
      // Checked on every use, cache hit or not: the principal is read fresh, the version with it.
      if ((claims.tv ?? 0) !== principal.tokenVersion) throw unauthorized('This token was revoked (password changed); sign in again', 'token_revoked');
      return principal;
    };

    app.decorate('issueToken', (userId: number, role: Role, tokenVersion: number) =>
      app.jwt.sign(tokenVersion ? { sub: String(userId), role, tv: tokenVersion } : { sub: String(userId), role }),
    );
    /*
     * One synchronous check for every transport: the verifier @fastify/jwt built from the options
     * above, behind the cache of tokens already verified. request.jwtVerify() decodes the token a
     * second time and runs a callback waterfall around the same verifier, which showed in CPU profiles of REST
     * requests (server/bench/README.md).
     */
    const verified = new VerifiedTokens<TokenClaims & { exp?: unknown }>();
    const verifyClaims = (token: string): TokenClaims & { exp?: unknown } => {
      const known = verified.get(token, Date.now());
      if (known) return known;
      try {
        const claims = app.jwt.verify<TokenClaims & { exp?: unknown }>(token);
        verified.add(token, claims);
        return claims;
      } catch (err) {
        const code = (err as { code?: string }).code;
        const expired = code === 'FAST_JWT_EXPIRED' || code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED';
        throw unauthorized(expired ? 'Token expired; sign in again' : 'Token is invalid', expired ? 'token_expired' : 'invalid_token');
      }
    };
    app.decorate('principalFromToken', async (token: string) => {
      const claims = verifyClaims(token);
      return { principal: await load(claims), exp: typeof claims.exp === 'number' ? claims.exp : undefined };
    });
    // Callback-style hooks: the principal's read is the only promise of the check.
    app.decorate('authenticate', (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const header = req.headers.authorization;
      if (!header?.startsWith('Bearer ') || header.length === 7) {
        return done(unauthorized('Authorization header with a Bearer token is required', 'unauthorized'));
      }
      let claims: TokenClaims;
      try {
        claims = verifyClaims(header.slice(7));
      } catch (err) {
        return done(err as Error);
      }
      req.user = claims;
      load(claims).then(
        (principal) => {
          req.principal = principal;
          done();
        },
        (err: unknown) => done(err as Error),
      );
    });
    app.decorate('requireRoles', (...roles: Role[]) => (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      if (!roles.includes(req.principal.role)) return done(forbidden(`This needs one of the roles: ${roles.join(', ')}`));
      done();
    });
  },
  { name: 'auth', dependencies: ['db', 'events'] },
);
