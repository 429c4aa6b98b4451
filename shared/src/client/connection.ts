import { CLOSE_CODES, type ConnectionStatus } from '../protocol';
import { backoffDelay, type BackoffOptions } from '../backoff';
import { startHeartbeat } from './heartbeat';
import { AuthError } from './http';
import { initialState, statusOf, transition, canProbe, type ConnectionEvent, type ConnectionState, type TransportKind } from './state';
import { later, type Transport, type TransportEvents } from './types';

/** What the connection needs from the rest of the client. */
export interface ConnectionPorts {
  /** Credentials for one attempt over `kind` (what `open` needs); throws AuthError when the server says 401. */
  credentials(kind: TransportKind): Promise<string>;
  /** The app's onAuthError (never throws). */
  authFailed(): Promise<void>;
  /** Opens a transport of `kind` with these credentials. */
  open(kind: TransportKind, auth: string, ev: TransportEvents): Transport;
  /** A message from one of the current transports (the live one, the probe, or the retiring one). */
  message(link: Transport, text: string): void;
  status(s: ConnectionStatus): void;
  /** Hand-joined rooms the socket must re-join before a retiring SSE stream may go. */
  rooms(): Iterable<string>;
}

export interface ConnectionTimings {
  backoff?: BackoffOptions;
  /** While on SSE, how often to try WebSocket again. */
  wsRetryMs: number;
  /** How long a retiring SSE stream waits at most for the socket's room joins. */
  retireMs: number;
  heartbeatMs: number;
}

/** What SSE may still have in flight once the socket has re-joined the rooms. */
const RETIRE_GRACE_MS = 250;

/** Each phase's resources: set up when the phase is entered, released when it is left. */
type Held =
  | { phase: 'idle' }
  | { phase: 'connecting'; link: Transport | null }
  /** `cancel` is null while onAuthError runs (the wait starts after it). */
  | { phase: 'backoff'; cancel: (() => void) | null }
  | { phase: 'live'; link: Transport; stopHeartbeat: () => void }
  | { phase: 'fallback'; link: Transport; probe: Transport | null; cancelProbe: (() => void) | null }
  | { phase: 'retiring'; link: Transport; stopHeartbeat: () => void; old: Transport; awaiting: Set<string>; cancelRetire: () => void };

const transportsOf = (h: Held): (Transport | null)[] =>
  h.phase === 'connecting' || h.phase === 'live'
    ? [h.link]
    : h.phase === 'fallback'
      ? [h.link, h.probe]
      : h.phase === 'retiring'
        ? [h.link, h.old]
        : [];

/**
 * The connection: the state machine of state.ts, driven by transports and timers. `dispatch` is the
 * only place the phase changes; it releases what the old phase held (except a transport the new
 * phase takes over) and sets up what the new one needs.
 */
export class Connection {
  private state: ConnectionState = initialState;
  private held: Held = { phase: 'idle' };
  /** When anything last arrived on a current transport (for the heartbeat). */
  private lastRx = 0;

  constructor(
    private readonly ports: ConnectionPorts,
    private readonly timings: ConnectionTimings,
  ) {}

  get phase(): ConnectionState['phase'] {
    return this.state.phase;
  }

  /** The transport delivering events now, if any. */
  get link(): Transport | null {
    const h = this.held;
    return h.phase === 'live' || h.phase === 'fallback' || h.phase === 'retiring' ? h.link : null;
  }

  start(usable: readonly TransportKind[]): void {
    this.dispatch({ type: 'start', usable });
  }

  stop(): void {
    this.dispatch({ type: 'stop' });
  }

  /** Back online: cut a backoff wait short (not an onAuthError still running). */
  online(): void {
    if (this.held.phase === 'backoff' && this.held.cancel) this.dispatch({ type: 'online' });
  }

  /** `link` said `connected`: its attempt succeeded, or the background WebSocket took over. */
  connected(link: Transport): void {
    const h = this.held;
    if (h.phase === 'connecting' && h.link === link) this.dispatch({ type: 'connected', kind: link.kind });
    else if (h.phase === 'fallback' && h.probe === link) {
      this.dispatch({ type: 'probe-connected', rooms: [...this.ports.rooms()].length > 0 });
    }
  }

  /** `link` confirmed a room join: once the socket is back in every hand-joined room, the old SSE may go. */
  roomJoined(link: Transport, roomId: string): void {
    const h = this.held;
    if (h.phase !== 'retiring' || h.link !== link || !h.awaiting.delete(roomId) || h.awaiting.size) return;
    h.cancelRetire();
    h.cancelRetire = later(RETIRE_GRACE_MS, () => this.held === h && this.dispatch({ type: 'retired' }));
  }

  private dispatch(e: ConnectionEvent): void {
    const next = transition(this.state, e);
    if (next === this.state) return;
    const before = this.held;
    this.state = next;
    this.held = this.enter(next, before);
    // Started only now: they check that their phase is still the current one.
    if (this.held.phase === 'connecting') void this.attempt(this.held, next.mode, next.reauth);
    else if (this.held.phase === 'backoff') void this.wait(this.held, next.failures, next.reauth);
    const kept = new Set(transportsOf(this.held));
    release(before, (t) => !kept.has(t));
    this.ports.status(statusOf(next));
  }

  private enter(s: ConnectionState, before: Held): Held {
    switch (s.phase) {
      case 'idle':
        return { phase: 'idle' };
      case 'connecting':
        return { phase: 'connecting', link: null };
      case 'backoff':
        return { phase: 'backoff', cancel: null };
      case 'live': {
        const { link } = handover(before);
        return { phase: 'live', link, stopHeartbeat: this.heartbeat(link) };
      }
      case 'fallback': {
        const h: Held = { phase: 'fallback', link: handover(before).link, probe: null, cancelProbe: null };
        this.scheduleProbe(h);
        return h;
      }
      case 'retiring': {
        const { link, old } = handover(before);
        const h: Held = {
          phase: 'retiring',
          link,
          old: old!,
          stopHeartbeat: this.heartbeat(link),
          awaiting: new Set(this.ports.rooms()),
          cancelRetire: () => {},
        };
        h.cancelRetire = later(this.timings.retireMs, () => this.held === h && this.dispatch({ type: 'retired' }));
        return h;
      }
    }
  }

  /** One connection attempt, owned by the connecting phase `h`: it stops acting once that phase is left. */
  private async attempt(h: Held & { phase: 'connecting' }, kind: TransportKind, reauth: boolean): Promise<void> {
    if (reauth) await this.ports.authFailed();
    if (this.held !== h) return;
    let auth: string;
    try {
      auth = await this.ports.credentials(kind);
    } catch (err) {
      if (this.held === h) this.dispatch({ type: 'attempt-failed', auth: err instanceof AuthError });
      return;
    }
    if (this.held !== h) return;
    h.link = this.openTransport(kind, auth);
  }

  /** The backoff wait, owned by the backoff phase `h`; after a refusal the app signs in again first. */
  private async wait(h: Held & { phase: 'backoff' }, failures: number, reauth: boolean): Promise<void> {
    if (reauth) await this.ports.authFailed();
    if (this.held !== h) return;
    h.cancel = later(backoffDelay(failures - 1, this.timings.backoff), () => this.held === h && this.dispatch({ type: 'retry-due' }));
  }

  private scheduleProbe(h: Held & { phase: 'fallback' }): void {
    if (!canProbe(this.state) || h.probe || h.cancelProbe) return;
    h.cancelProbe = later(this.timings.wsRetryMs, () => {
      h.cancelProbe = null;
      if (this.held === h) void this.probe(h);
    });
  }

  /** A background WebSocket try while on SSE; a failed one is tried again later. */
  private async probe(h: Held & { phase: 'fallback' }): Promise<void> {
    let auth: string;
    try {
      auth = await this.ports.credentials('ws');
    } catch (err) {
      if (this.held !== h) return;
      if (err instanceof AuthError) await this.ports.authFailed();
      if (this.held === h) this.scheduleProbe(h);
      return;
    }
    if (this.held !== h || h.probe) return;
    h.probe = this.openTransport('ws', auth);
  }

  private openTransport(kind: TransportKind, auth: string): Transport {
    // The callbacks run only after `t` is assigned (a transport opens asynchronously).
    const t: Transport = this.ports.open(kind, auth, {
      open: () => {
        this.lastRx = Date.now();
      },
      message: (text) => {
        if (!transportsOf(this.held).includes(t)) return;
        this.lastRx = Date.now();
        this.ports.message(t, text);
      },
      close: (code, _reason, opened) => this.closed(t, code, opened),
    });
    return t;
  }

  /** A transport closed by itself (the client's own closes are not reported). */
  private closed(t: Transport, code: number, opened: boolean): void {
    const h = this.held;
    if (h.phase === 'fallback' && h.probe === t) {
      h.probe = null;
      this.scheduleProbe(h);
    } else if (h.phase === 'retiring' && h.old === t) {
      this.dispatch({ type: 'retired' });
    } else if (transportsOf(h)[0] === t) {
      const restart = code === CLOSE_CODES.serviceRestart || code === CLOSE_CODES.goingAway;
      this.dispatch({ type: 'dropped', kind: t.kind, opened, unauthorized: code === CLOSE_CODES.unauthorized, restart });
    }
  }

  /** SSE's close code: the stream's `reconnect` message says its node is going away (the stream ends next). */
  goingAway(t: Transport, code: number): void {
    if (!transportsOf(this.held).includes(t)) return;
    t.close();
    this.closed(t, code, true);
  }

  private heartbeat(link: Transport): () => void {
    return startHeartbeat(
      link,
      this.timings.heartbeatMs,
      () => this.lastRx,
      () => {
        link.close();
        this.closed(link, 1006, true);
      },
    );
  }
}

/**
 * The transport a phase that delivers events takes over from the phase before it: the attempt's
 * (connecting), the background WebSocket's (fallback; the SSE stream becomes `old`), or the socket
 * of a retiring phase.
 */
function handover(before: Held): { link: Transport; old: Transport | null } {
  if (before.phase === 'connecting' && before.link) return { link: before.link, old: null };
  if (before.phase === 'fallback' && before.probe) return { link: before.probe, old: before.link };
  if (before.phase === 'retiring') return { link: before.link, old: null };
  throw new Error(`realtime client: no transport to take over from phase ${before.phase}`);
}

/** Releases what a phase held: its timers, and its transports unless `closeIt` says another phase took them over. */
function release(h: Held, closeIt: (t: Transport) => boolean): void {
  const close = (t: Transport | null) => {
    if (t && closeIt(t)) t.close();
  };
  switch (h.phase) {
    case 'idle':
      return;
    case 'connecting':
      return close(h.link);
    case 'backoff':
      return h.cancel?.();
    case 'live':
      h.stopHeartbeat();
      return close(h.link);
    case 'fallback':
      h.cancelProbe?.();
      close(h.probe);
      return close(h.link);
    case 'retiring':
      h.stopHeartbeat();
      h.cancelRetire();
      close(h.old);
      return close(h.link);
  }
}
