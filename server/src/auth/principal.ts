import type { RoomPrincipal } from '@ordercast/shared';

/** Who is making a request, as loaded fresh from the database (role and cities may change under a live token). */
export interface Principal extends RoomPrincipal {
  cityId: number | null;
}

/** What the JWT carries. Authorization never trusts more than `sub`: the rest is re-read per request. */
export interface TokenClaims {
  sub: string;
  role: RoomPrincipal['role'];
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}
