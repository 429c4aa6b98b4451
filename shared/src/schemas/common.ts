import { Type, type Static } from 'typebox';

/** Every HTTP error body: a stable machine code and a human message. */
export const ErrorBody = Type.Object({
  error: Type.String({ description: 'machine-readable code, e.g. not_found, forbidden, invalid_transition' }),
  message: Type.String(),
  /** A refused order (`city_paused`, `restaurant_paused`, `closed`): when ordering is possible again, if known. */
  reopens_at: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type ErrorBody = Static<typeof ErrorBody>;

/**
 * A string a client types that is matched against stored text (a username, a search term): no
 * control characters. None is ever stored in such text, and PostgreSQL refuses a NUL in text (a
 * 500 before this was checked), so such a string is a 400.
 */
export const NO_CONTROL_CHARS = '^[^\\u0000-\\u001f\\u007f]+$';

/** Every id, in a path, a query or a body: bounded, so no client number reaches SQLite beyond its 64-bit integers. */
export const Id = Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 });
export const IdParams = Type.Object({ id: Id });
/** Paging: a client's offset and page size, bounded like every number a client sends. */
export const PageLimit = Type.Integer({ minimum: 1, maximum: 200, default: 50 });
export const PageOffset = Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, default: 0 });
export type IdParams = Static<typeof IdParams>;

/** ISO-8601 UTC timestamp with milliseconds (`2024-01-15T10:30:00.000Z`), the one time format on the wire. */
export const Timestamp = Type.String({ description: 'ISO-8601 UTC, e.g. 2024-01-15T10:30:00.000Z' });

/** Money is in the currency's major unit (roubles) with at most two decimals. */
export const Money = Type.Number({ minimum: 0 });

export const Page = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Type.Integer({ minimum: 0 }) });
