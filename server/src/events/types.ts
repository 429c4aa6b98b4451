import type { EventPayloads, EventType } from '@ordercast/shared';

/** A committed event as the bus carries it. `json` is the exact wire message, serialised once per event. */
export interface BusEvent {
  id: number;
  type: EventType;
  rooms: string[];
  json: string;
  /** When it was appended to the log (epoch ms), where known: for the publish and delivery latency histograms. */
  appendedAt?: number;
}

export type BusHandler = (event: BusEvent) => void;

/**
 * Ephemeral messages between processes, never in the log: what every process must act on now.
 *  - `principal-changed`: a user's rights changed (disabled, role, cities, password); each process
 *    re-reads the user and re-checks that user's open connections.
 *  - `chat`: an order chat's typing or presence, for the room's connections on every process.
 *  - `principals-stale`: raised locally (never sent) when notices may have been missed, i.e. the
 *    Redis subscriber reconnected; every open connection's principal is re-checked.
 */
export type BusNotice =
  | { kind: 'principal-changed'; userId: number }
  | { kind: 'principals-stale' }
  /**
   * Order chat (chat/realtime.ts), ephemeral: a control message (`json`, typing or presence) for
   * the connections in `room` on every process, except those of user `except` (0: none).
   * `presence` marks a presence change, which each process also applies to its own view of the room.
   */
  | { kind: 'chat'; room: string; json: string; except: number; presence?: boolean };
export type NoticeHandler = (notice: BusNotice) => void;

/**
 * Carries committed events to every process's realtime layer. In-process by default;
 * Redis when several processes serve one database (REDIS_URL).
 */
export interface EventBus {
  readonly kind: 'memory' | 'redis';
  publish(event: BusEvent): Promise<void>;
  subscribe(handler: BusHandler): () => void;
  /** Sends a notice to every process, this one included (synchronously here, never throws). */
  notify(notice: BusNotice): void;
  onNotice(handler: NoticeHandler): () => void;
  /** For /health: false while the transport is down (events are still durable in the log). */
  healthy(): boolean;
  close(): Promise<void>;
}

export type AppendEvent = <T extends EventType>(type: T, rooms: readonly string[], data: EventPayloads[T]) => number;

/** The wire message for a stored row, built without parsing the payload again. */
export function toWireJson(id: number, type: string, payloadJson: string): string {
  return `{"type":${JSON.stringify(type)},"data":${payloadJson},"id":${id}}`;
}
