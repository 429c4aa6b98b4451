import fp from 'fastify-plugin';
import jwt from '@fastify/jwt';
import type { FastifyRequest } from 'fastify';
import type { Role } from '@ordercast/shared';
import type { Principal, TokenClaims } from '../../auth/principal';
import { UsersService } from '../../auth/users';
import { forbidden, unauthorized } from '../../lib/errors';

declare module 'fastify' {
  interface FastifyInstance {
    users: UsersService;
    /** onRequest hook: verifies the bearer JWT and loads `request.principal` fresh from the database. */
    authenticate: (req: FastifyRequest) => Promise<void>;
    /** onRequest hook (after authenticate): 403 unless the principal has one of the roles. */
    requireRoles: (...roles: Role[]) => (req: FastifyRequest) => Promise<void>;
    issueToken(userId: number, role: Role): string;
    /** For transports that cannot send headers (WebSocket, EventSource): verifies a raw token. */
    principalFromToken(token: string): Principal;
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
      messages: {
        noAuthorizationInHeaderMessage: 'Authorization header with a Bearer token is required',
        authorizationTokenExpiredMessage: 'Token expired; sign in again',
        authorizationTokenInvalid: 'Token is invalid',
        authorizationTokenUntrusted: 'Token is invalid',
      },
    });
    const users = new UsersService(app.db);
    app.decorate('users', users);
    app.decorateRequest('principal', null as unknown as Principal);

    const load = (claims: TokenClaims): Principal => {
      const id = Number(claims.sub);
      const principal = Number.isSafeInteger(id) ? users.principal(id) : null;
      if (!principal) throw unauthorized('This account no longer exists or is disabled', 'account_disabled');
      return principal;
    };

    app.decorate('issueToken', (userId: number, role: Role) => app.jwt.sign({ sub: String(userId), role }));
    app.decorate('principalFromToken', (token: string) => {
      let claims: TokenClaims;
      try {
        claims = app.jwt.verify<TokenClaims>(token);
      } catch (err) {
        // app.jwt.verify surfaces fast-jwt's own code; request.jwtVerify maps it to @fastify/jwt's.
        const code = (err as { code?: string }).code;
        const expired = code === 'FAST_JWT_EXPIRED' || code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED';
        throw unauthorized(expired ? 'Token expired; sign in again' : 'Token is invalid', expired ? 'token_expired' : 'invalid_token');
      }
      return load(claims);
    });
    app.decorate('authenticate', async (req: FastifyRequest) => {
      let claims: TokenClaims;
      try {
        claims = await req.jwtVerify<TokenClaims>();
      } catch (err) {
        const e = err as { code?: string; message?: string };
        const expired = e.code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED';
        throw unauthorized(e.message ?? 'Authentication required', expired ? 'token_expired' : 'unauthorized');
      }
      req.principal = load(claims);
    });
    app.decorate('requireRoles', (...roles: Role[]) => async (req: FastifyRequest) => {
      if (!roles.includes(req.principal.role)) throw forbidden(`This needs one of the roles: ${roles.join(', ')}`);
    });
  },
  { name: 'auth', dependencies: ['db'] },
);
