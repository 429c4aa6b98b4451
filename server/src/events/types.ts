import { Type, type Static } from 'typebox';
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
 * A request addressed to one process (several processes behind one balancer, no sticky sessions):
 * an SSE stream lives in one process, but its REST calls (room changes, token refresh) may reach
 * any. The process that received the call authenticated it; the holder re-reads the user's rights
 * itself and applies the same rules as for its own calls. Carried as JSON; checked on arrival.
 */
export const NodeRequest = Type.Union([
  Type.Object({ kind: Type.Literal('sse-room'), connectionId: Type.String(), userId: Type.Integer(), roomId: Type.String(), join: Type.Boolean() }),
  Type.Object({ kind: Type.Literal('sse-auth'), connectionId: Type.String(), userId: Type.Integer(), expiresAt: Type.Union([Type.Number(), Type.Null()]) }),
]);
export type NodeRequest = Static<typeof NodeRequest>;

/** The holder's answer: the JSON body of a 200, or the HTTP error the route would have sent. */
export const NodeAnswer = Type.Union([
  Type.Object({ ok: Type.Literal(true), body: Type.Unknown() }),
  Type.Object({ ok: Type.Literal(false), status: Type.Integer(), code: Type.String(), message: Type.String() }),
]);
export type NodeAnswer = Static<typeof NodeAnswer>;
export type NodeRequestHandler = (request: NodeRequest) => Promise<NodeAnswer>;

/**
 * Carries committed events to every process's realtime layer. In-process by default;
 * Redis when several processes serve one database (REDIS_URL); PostgreSQL LISTEN/NOTIFY (bus-postgres.ts) where the database is PostgreSQL.
 */
export interface EventBus {
  readonly kind: 'memory' | 'redis' | 'postgres';
  publish(event: BusEvent): Promise<void>;
  subscribe(handler: BusHandler): () => void;
  /** Sends a notice to every process, this one included (synchronously here, never throws). */
  notify(notice: BusNotice): void;
  onNotice(handler: NoticeHandler): () => void;
  /** This process's id among those sharing the bus; connection ids start with it. */
  readonly nodeId: string;
  /**
   * Sends a request to the process `nodeId` and resolves with its answer; `null` when no process
   * with that id is listening (gone, or never existed) or none answered within `timeoutMs`.
   * Never rejects. A request to this process's own id is answered in-process.
   */
  ask(nodeId: string, request: NodeRequest, timeoutMs: number): Promise<NodeAnswer | null>;
  /** Answers the requests addressed to this process (one handler; a second replaces the first). */
  onAsk(handler: NodeRequestHandler): () => void;
  /** For /health: false while the transport is down (events are still durable in the log). */
  healthy(): boolean;
  close(): Promise<void>;
}

/** Appends an event inside the caller's transaction. Its id is not returned: on PostgreSQL it is drawn at commit (log-postgres.ts). */
export type AppendEvent = <T extends EventType>(type: T, rooms: readonly string[], data: EventPayloads[T]) => Promise<void>;

/**
 * The durable event log, whichever database holds it (log.ts on SQLite, log-postgres.ts on
 * PostgreSQL): what the realtime layer resumes from and the dispatchers read.
 */
export interface EventStore {
  /** Appends inside the caller's transaction. */
  insert(type: EventType, rooms: readonly string[], payloadJson: string): Promise<unknown> | void;
  /** Committed events with id > afterId, oldest first, at most `limit`. */
  after(afterId: number, limit?: number): Promise<BusEvent[]>;
  /** Events with afterId < id <= upTo that belong to at least one of `rooms`, oldest first (a resume replay). */
  inRooms(afterId: number, upTo: number, rooms: readonly string[]): Promise<BusEvent[]>;
  /** Lowest and highest retained ids (null when the log is empty). */
  bounds(): Promise<{ min: number | null; max: number | null }>;
  /** The highest id ever committed (0 for none). */
  highestId(): Promise<number>;
  /** Whether a client that last saw `lastEventId` can resume without a gap (nothing after it pruned). */
  canResumeFrom(lastEventId: number): Promise<boolean>;
  /** Removes events older than maxAgeHours and beyond the newest maxRows. Returns rows removed. */
  prune(maxAgeHours: number, maxRows: number): Promise<number>;
}

/** An `events` row as both logs read it. */
export interface EventRow {
  id: number;
  type: string;
  rooms: string;
  payload: string;
  createdAt?: string;
}

export function toBusEvent(r: EventRow): BusEvent {
  const ev: BusEvent = { id: r.id, type: r.type as EventType, rooms: JSON.parse(r.rooms) as string[], json: toWireJson(r.id, r.type, r.payload) };
  if (r.createdAt) ev.appendedAt = Date.parse(r.createdAt);
  return ev;
}

/** The wire message for a stored row, built without parsing the payload again. */
export function toWireJson(id: number, type: string, payloadJson: string): string {
  return `{"type":${JSON.stringify(type)},"data":${payloadJson},"id":${id}}`;
}
