import type { ConnectionStatus } from '../protocol';

export type TransportKind = 'ws' | 'sse';

/**
 * The connection's phases. Each one owns different resources (see connection.ts):
 *   idle        nothing (before connect(), after close())
 *   connecting  one attempt: credentials, then a transport opening, until its `connected`
 *   backoff     a retry timer after a failed attempt or a drop
 *   live        a WebSocket (and its heartbeat)
 *   fallback    an SSE stream, plus a timer or a background WebSocket try ("probe")
 *   retiring    the probe's WebSocket is live; the old SSE stream stays until the socket has
 *               re-joined the hand-joined rooms, so nothing sent to them in between is lost
 */
export type Phase = 'idle' | 'connecting' | 'backoff' | 'live' | 'fallback' | 'retiring';

export interface ConnectionState {
  readonly phase: Phase;
  /** The transport the next (or current) attempt uses. */
  readonly mode: TransportKind;
  /** The transports this environment can open, in order of preference (fixed by `start`). */
  readonly usable: readonly TransportKind[];
  /** Has a connection gone live since `start`? Decides "connecting" vs "reconnecting" outside. */
  readonly everLive: boolean;
  /** Failed attempts since the last success; the backoff delay of a wait is drawn for `failures - 1`. */
  readonly failures: number;
  /** A 401 or a 4401 close led into this phase: it calls `onAuthError` first (before waiting or trying). */
  readonly reauth: boolean;
}

export type ConnectionEvent =
  /** connect(): `usable` is non-empty. */
  | { type: 'start'; usable: readonly TransportKind[] }
  /** close(). */
  | { type: 'stop' }
  /** The attempt could not get credentials (`auth`: the server said 401). */
  | { type: 'attempt-failed'; auth: boolean }
  /** The attempt's transport said `connected`. */
  | { type: 'connected'; kind: TransportKind }
  /** While on SSE, the background WebSocket said `connected`; `rooms`: there are hand-joined rooms to re-join. */
  | { type: 'probe-connected'; rooms: boolean }
  /** The retiring SSE stream may go (rooms re-joined, its time is up, or it closed). */
  | { type: 'retired' }
  /**
   * The current transport closed (or was found dead). `opened`: it had opened; `unauthorized`: 4401;
   * `restart`: the server said it is going away (1012 / 1001, or SSE's `reconnect`).
   */
  | { type: 'dropped'; kind: TransportKind; opened: boolean; unauthorized: boolean; restart?: boolean }
  /** The backoff timer fired. */
  | { type: 'retry-due' }
  /** The browser is back online: no need to wait out the backoff. */
  | { type: 'online' };

export const initialState: ConnectionState = {
  phase: 'idle',
  mode: 'ws',
  usable: ['ws', 'sse'],
  everLive: false,
  failures: 0,
  reauth: false,
};

const wentLive = (s: ConnectionState, phase: Phase, mode: TransportKind): ConnectionState => ({
  ...s,
  phase,
  mode,
  everLive: true,
  failures: 0,
  reauth: false,
});

const wait = (s: ConnectionState, mode: TransportKind, reauth: boolean): ConnectionState => ({
  ...s,
  phase: 'backoff',
  mode,
  failures: s.failures + 1,
  reauth,
});

/**
 * Every transition of the connection, in one place. Pure: returns the same object when the event
 * does not apply in this phase (e.g. a stale timer), so the caller can tell "nothing happens".
 */
export function transition(s: ConnectionState, e: ConnectionEvent): ConnectionState {
  if (e.type === 'stop') return s.phase === 'idle' ? s : { ...s, phase: 'idle' };
  switch (s.phase) {
    case 'idle':
      if (e.type === 'start') {
        return { phase: 'connecting', mode: e.usable[0]!, usable: e.usable, everLive: false, failures: 0, reauth: false };
      }
      return s;

    case 'connecting':
      if (e.type === 'connected') return wentLive(s, e.kind === 'ws' ? 'live' : 'fallback', e.kind);
      if (e.type === 'attempt-failed') return wait(s, s.mode, e.auth);
      if (e.type === 'dropped') return dropped(s, e);
      return s;

    case 'backoff':
      if (e.type === 'retry-due' || e.type === 'online') return { ...s, phase: 'connecting', reauth: false };
      return s;

    case 'live':
      if (e.type === 'dropped') return dropped(s, e);
      return s;

    case 'fallback':
      // WebSocket works again. It replays from our resume point for its default rooms; the hand-joined
      // ones it re-joins after `connected`, so the SSE stream stays until then (duplicates are dropped by id).
      if (e.type === 'probe-connected') return wentLive(s, e.rooms ? 'retiring' : 'live', 'ws');
      if (e.type === 'dropped') return dropped(s, e);
      return s;

    case 'retiring':
      if (e.type === 'retired') return { ...s, phase: 'live' };
      if (e.type === 'dropped') return dropped(s, e);
      return s;
  }
}

function dropped(s: ConnectionState, e: Extract<ConnectionEvent, { type: 'dropped' }>): ConnectionState {
  // A node going away (rolling restart) from a live connection: the others serve, so reconnect now,
  // through the balancer, preferring WebSocket again, with no backoff and no failure counted. Only
  // from a live phase: a node that says so before `connected` gets the ordinary backoff, so a
  // cluster that is all going away is not hammered.
  if (e.restart && s.phase !== 'connecting') return { ...s, phase: 'connecting', mode: s.usable[0]!, reauth: false };
  // The socket could not open (a proxy that blocks WebSocket?): SSE at once, no backoff.
  if (e.kind === 'ws' && !e.opened && s.usable.includes('sse')) {
    return { ...s, phase: 'connecting', mode: 'sse', reauth: e.unauthorized };
  }
  // SSE that never opened either: the server is probably down rather than WebSocket blocked, so
  // the next try prefers the first transport again.
  return wait(s, e.kind === 'sse' && !e.opened ? s.usable[0]! : e.kind, e.unauthorized);
}

/** The public status of a state. */
export function statusOf(s: ConnectionState): ConnectionStatus {
  switch (s.phase) {
    case 'idle':
      return 'offline';
    case 'connecting':
    case 'backoff':
      return s.everLive ? 'reconnecting' : 'connecting';
    case 'live':
    case 'retiring':
      return 'live';
    case 'fallback':
      return 'fallback-sse';
  }
}

/** While on SSE, is a background WebSocket try worth making? */
export const canProbe = (s: ConnectionState): boolean => s.phase === 'fallback' && s.usable.includes('ws');
