import { Type, type Static } from 'typebox';

/*
 * `GET /health`: a load balancer's check, the admin app's POS indicator, and an operator's way to
 * tell the nodes behind a balancer apart.
 */

const Up = Type.Union([Type.Literal('up'), Type.Literal('down')]);

export const HealthBody = Type.Object({
  /** ok: serving; degraded: serving without the POS (orders are still taken, synced later); unavailable / draining: send traffic elsewhere (503). */
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('unavailable'), Type.Literal('draining')]),
  db: Up,
  bus: Up,
  pos: Type.Union([Up, Type.Literal('unknown')]),
  /** Why the status is not `ok`, one short phrase each; empty when it is. */
  reasons: Type.Array(Type.String()),
  /**
   * The node that answered: its id on the event bus (8 hex digits, new at every start; the prefix
   * of its realtime connection ids and its `x-ordercast-node` response header).
   */
  node: Type.String({ pattern: '^[0-9a-f]{8}$' }),
  /** The server's version (its package.json), e.g. to watch a rolling upgrade reach every node. */
  version: Type.String(),
});
export type HealthBody = Static<typeof HealthBody>;
