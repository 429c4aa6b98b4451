import type { RoomPrincipal } from '@ordercast/shared';

/** Who is making a request, as loaded fresh from the database (role and cities may change under a live token). */
export interface Principal extends RoomPrincipal {
  cityId: number | null;
  /** The user's current token version: a token (or connection) with another one was revoked by a password reset. */
  tokenVersion: number;
}

/** What the JWT carries. Authorization never trusts more than `sub`: the rest is re-read per request. */
export interface TokenClaims {
  sub: string;
  role: RoomPrincipal['role'];
  /** Token version at signing (absent on tokens signed before versions existed: version 0). */
  tv?: number;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}
