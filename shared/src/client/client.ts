import { CLOSE_CODES, REALTIME_PATHS, type ConnectionStatus } from '../protocol';
import type { ClientMessage, ServerMessage, TicketResponse } from '../schemas/realtime';
import { backoffDelay, type BackoffOptions } from '../backoff';
import { openEventSource } from './sse-transport';
import { later, type EventSourceCtor, type FetchLike, type Transport, type WebSocketCtor } from './types';
import { openWebSocket } from './ws-transport';

export type TransportKind = 'ws' | 'sse';

export interface RealtimeClientOptions {
  /** Where the server is, e.g. `location.origin` or `http://127.0.0.1:3000` (a path prefix is kept). */
  baseUrl: string;
  /** The current JWT. Called before every connection attempt (and after `onAuthError`). */
  getToken: () => string | Promise<string>;
  /** Resume point, e.g. persisted by the app. Events with an id at or below it are dropped. */
  lastEventId?: number;
  /** Default `globalThis.WebSocket`; in Node 20 pass the `ws` package's. */
  WebSocket?: WebSocketCtor;
  /** Default `globalThis.EventSource`; in Node pass the `eventsource` package's. */
  EventSource?: EventSourceCtor;
  /** Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Allowed transports, in order of preference. Default `['ws', 'sse']`. */
  transports?: TransportKind[];
  /** Reconnect delays: full jitter between 0 and min(maxMs, initialMs · 2^attempt). Default 500 → 20 000 ms. */
  backoff?: BackoffOptions;
  /** Default true: trade the JWT for a short-lived single-use ticket (keeps the JWT out of URLs). false: `?token=JWT`. */
  useTicket?: boolean;
  /** Called on a 4401 close or a 401 before the next attempt (which calls `getToken` again). */
  onAuthError?: () => void | Promise<void>;
  /** While on SSE, how often to try WebSocket again in the background. Default 30 000 ms. */
  wsRetryMs?: number;
  /** A transport that has not opened by then counts as failed. Default 10 000 ms. */
  openTimeoutMs?: number;
  /** On WebSocket, ping after this much silence and reconnect after twice as much. Default 25 000 ms; 0 = off. */
  heartbeatMs?: number;
}

type Msg<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
type DataOf<M> = M extends { data: infer D } ? D : undefined;
export type RealtimeHandler<T extends ServerMessage['type']> = (data: DataOf<Msg<T>>, msg: Msg<T>) => void;

export interface RealtimeClient {
  readonly status: ConnectionStatus;
  /** Highest event id seen (the resume point). */
  readonly lastEventId: number;
  /** The transport currently delivering events, if any. */
  readonly transport: TransportKind | null;
  /** Starts connecting (idempotent). */
  connect(): void;
  /** Closes for good (until `connect()` again); status becomes 'offline'. */
  close(): void;
  onStatus(handler: (status: ConnectionStatus) => void): () => void;
  /** Typed per message type: durable events, and 'connected', 'resync', 'error', 'pong', 'room-joined', 'room-left'. */
  on<T extends ServerMessage['type']>(type: T, handler: RealtimeHandler<T>): () => void;
  /** Every message, after duplicate filtering. */
  onMessage(handler: (msg: ServerMessage) => void): () => void;
  /** Joins a room now if connected, and again after every reconnect. */
  joinRoom(roomId: string): void;
  leaveRoom(roomId: string): void;
  /** Sends a client message now, or queues it until connected. Room changes go through joinRoom/leaveRoom. */
  send(msg: ClientMessage): void;
}

class AuthError extends Error {}

const MAX_QUEUE = 1000;

export function createRealtimeClient(opts: RealtimeClientOptions): RealtimeClient {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const wsBase = base.replace(/^http/, 'ws');
  const transports: TransportKind[] = opts.transports?.length ? [...opts.transports] : ['ws', 'sse'];
  const wsRetryMs = opts.wsRetryMs ?? 30_000;
  const openTimeoutMs = opts.openTimeoutMs ?? 10_000;
  const heartbeatMs = opts.heartbeatMs ?? 25_000;
  let useTicket = opts.useTicket ?? true;

  let status: ConnectionStatus = 'offline';
  let lastEventId = opts.lastEventId ?? 0;
  /** Sent as the resume point: lastEventId, except after a resync, when the old id stays until a new event comes. */
  let resumeId = lastEventId;
  let started = false;
  /** Bumped by close(): async work started before it must not act after it. */
  let epoch = 0;
  let mode: TransportKind = transports[0] ?? 'ws';
  let active: Transport | null = null;
  let live = false;
  let everLive = false;
  let usable: TransportKind[] = transports;
  let probe: Transport | null = null;
  /** The SSE stream being replaced by WebSocket: kept until the socket has re-joined the manual rooms. */
  let retiring: Transport | null = null;
  let awaitingJoins: Set<string> | null = null;
  let cancelRetire: (() => void) | null = null;
  let attempt = 0;
  let connectionId: string | undefined;
  let lastRx = 0;
  let pingSentAt = 0;
  let cancelRetry: (() => void) | null = null;
  let cancelProbe: (() => void) | null = null;
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  const queue: ClientMessage[] = [];
  const joined = new Set<string>();
  const left = new Set<string>();
  const statusHandlers = new Set<(s: ConnectionStatus) => void>();
  const allHandlers = new Set<(m: ServerMessage) => void>();
  const handlers = new Map<string, Set<(data: unknown, msg: ServerMessage) => void>>();

  const fetchFn = (): FetchLike => {
    if (opts.fetch) return opts.fetch;
    const g = globalThis as { fetch?: FetchLike };
    if (!g.fetch) throw new Error('realtime client: no fetch available; pass options.fetch');
    // Called through globalThis: a detached window.fetch throws "Illegal invocation" in browsers.
    return (url, init) => g.fetch!(url, init);
  };

  const safely = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      // A throwing handler must not break delivery to the others; surface it asynchronously.
      setTimeout(() => {
        throw err;
      });
    }
  };

  const setStatus = (s: ConnectionStatus) => {
    if (s === status) return;
    status = s;
    for (const h of [...statusHandlers]) safely(() => h(s));
  };

  const emit = (msg: ServerMessage) => {
    const data = 'data' in msg ? msg.data : undefined;
    for (const h of [...(handlers.get(msg.type) ?? [])]) safely(() => h(data, msg));
    for (const h of [...allHandlers]) safely(() => h(msg));
  };

  /** fetch with the open timeout: a request on a dead keep-alive connection would otherwise hang for minutes. */
  async function request(url: string, init: { method: string; headers: Record<string, string>; body?: string }) {
    const ctl = typeof AbortController === 'function' ? new AbortController() : undefined;
    let cancel = () => {};
    const timeout = new Promise<never>((_, reject) => {
      cancel = later(openTimeoutMs, () => {
        ctl?.abort();
        reject(new Error(`${url}: no answer in ${openTimeoutMs} ms`));
      });
    });
    try {
      return await Promise.race([fetchFn()(url, ctl ? { ...init, signal: ctl.signal } : init), timeout]);
    } finally {
      cancel();
    }
  }

  async function credentials(): Promise<string> {
    const token = await opts.getToken();
    if (useTicket) {
      const res = await request(`${base}/api/realtime/ticket`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      if (res.status === 401) throw new AuthError('ticket refused: 401');
      if (res.ok) return `ticket=${encodeURIComponent(((await res.json()) as TicketResponse).ticket)}`;
      // A server without tickets: fall back to the token in the URL (seed 001 style).
      if (res.status !== 404) throw new Error(`ticket request failed: HTTP ${res.status}`);
      useTicket = false;
    }
    return `token=${encodeURIComponent(token)}`;
  }

  async function authFailed(): Promise<void> {
    try {
      await opts.onAuthError?.();
    } catch {
      /* the next getToken() decides */
    }
  }

  function urlFor(kind: TransportKind, auth: string): string {
    const path = kind === 'ws' ? `${wsBase}${REALTIME_PATHS.ws}` : `${base}${REALTIME_PATHS.sse}`;
    // Hand-joined rooms go in the URL too: the server joins them before the resume replay, so their
    // missed events come back as well (join-room after `connected` would be too late for that).
    const rooms = joined.size ? `&rooms=${encodeURIComponent([...joined].join(','))}` : '';
    return `${path}?${auth}${resumeId > 0 ? `&lastEventId=${resumeId}` : ''}${rooms}`;
  }

  function ctorFor(kind: TransportKind): WebSocketCtor | EventSourceCtor | undefined {
    const g = globalThis as { WebSocket?: WebSocketCtor; EventSource?: EventSourceCtor };
    return kind === 'ws' ? (opts.WebSocket ?? g.WebSocket) : (opts.EventSource ?? g.EventSource);
  }

  /** Opens a transport of `kind`, as the main one or (isProbe) as a background WebSocket try while on SSE. */
  async function open(kind: TransportKind, isProbe: boolean): Promise<void> {
    const my = epoch;
    let auth: string;
    try {
      auth = await credentials();
    } catch (err) {
      if (my !== epoch) return;
      if (err instanceof AuthError) await authFailed();
      if (my !== epoch) return;
      if (isProbe) scheduleProbe();
      else retry(mode);
      return;
    }
    if (my !== epoch || (isProbe ? mode !== 'sse' || probe : active)) return;
    // The callbacks below run only after `t` is assigned (the transport opens asynchronously).
    const ev = {
      open: () => {
        lastRx = Date.now();
      },
      message: (text: string) => onText(t, text),
      close: (code: number, reason: string, opened: boolean) => void onClose(t, code, reason, opened),
    };
    const url = urlFor(kind, auth);
    const t: Transport =
      kind === 'ws'
        ? openWebSocket(ctorFor('ws') as WebSocketCtor, url, ev, openTimeoutMs)
        : openEventSource(ctorFor('sse') as EventSourceCtor, url, ev, openTimeoutMs);
    if (isProbe) probe = t;
    else active = t;
  }

  function onText(t: Transport, text: string): void {
    if (t !== active && t !== probe && t !== retiring) return;
    lastRx = Date.now();
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    if (!msg || typeof msg.type !== 'string') return;
    if ('id' in msg && typeof msg.id === 'number') {
      if (msg.id <= lastEventId) return; // duplicate: replayed, or delivered by both transports while switching
      lastEventId = resumeId = msg.id;
    }
    if (msg.type === 'connected') {
      if (t === probe) {
        // WebSocket works again: it replays from our lastEventId (for its default rooms), so SSE can go
        // once the socket is back in the manually joined rooms too; duplicates meanwhile are dropped by id.
        const old = active;
        active = t;
        probe = null;
        if (old) retire(old);
      }
      connectionId = msg.data.connectionId;
      // A fresh client has no resume point until its first event; if the server tells its head, start there.
      const head: unknown = msg.data.lastEventId;
      if (resumeId === 0 && typeof head === 'number' && head > 0) lastEventId = resumeId = head;
      goLive(t.kind);
    } else if (msg.type === 'room-joined' && t === active && awaitingJoins) {
      awaitingJoins.delete(msg.data.roomId);
      if (awaitingJoins.size === 0) {
        awaitingJoins = null;
        // What SSE had already sent before the join may still be on its way.
        cancelRetire?.();
        cancelRetire = later(250, endRetire);
      }
    } else if (msg.type === 'resync') {
      // Our resume point is gone from the server's log (or was never in it: a reset database). The app
      // refetches; any next id is accepted. Until one comes, reconnects still send the old point, so a
      // drop in between brings another resync rather than a silent gap.
      lastEventId = 0;
    }
    emit(msg);
    if (msg.type === 'connected') flush();
  }

  function retire(old: Transport): void {
    endRetire();
    if (joined.size === 0) return old.close();
    retiring = old;
    awaitingJoins = new Set(joined);
    cancelRetire = later(openTimeoutMs, endRetire);
  }

  function endRetire(): void {
    cancelRetire?.();
    cancelRetire = null;
    awaitingJoins = null;
    const r = retiring;
    retiring = null;
    r?.close();
  }

  function goLive(kind: TransportKind): void {
    live = true;
    everLive = true;
    attempt = 0;
    mode = kind;
    cancelRetry?.();
    cancelRetry = null;
    setStatus(kind === 'ws' ? 'live' : 'fallback-sse');
    stopHeartbeat();
    if (kind === 'ws' && heartbeatMs > 0) startHeartbeat();
    if (kind === 'sse') scheduleProbe();
    else {
      cancelProbe?.();
      cancelProbe = null;
    }
  }

  /** After `connected`: rooms first (so queued messages see them), then the queue. */
  function flush(): void {
    for (const roomId of joined) deliver({ type: 'join-room', data: { roomId } });
    for (const roomId of left) deliver({ type: 'leave-room', data: { roomId } });
    const pending = queue.splice(0);
    for (const m of pending) if (!deliver(m)) enqueue(m);
  }

  function enqueue(m: ClientMessage): void {
    if (m.type === 'join-room' || m.type === 'leave-room') return; // re-sent from the room sets anyway
    queue.push(m);
    if (queue.length > MAX_QUEUE) queue.shift();
  }

  /** Sends over the live transport; false if not possible now. */
  function deliver(m: ClientMessage): boolean {
    if (!live || !active) return false;
    if (active.kind === 'ws') return active.send(JSON.stringify(m));
    // SSE has no upstream: room changes go over REST, pings are pointless.
    if (m.type === 'join-room' || m.type === 'leave-room') void roomRest(m.type === 'join-room' ? 'join' : 'leave', m.data.roomId);
    return true;
  }

  async function roomRest(action: 'join' | 'leave', roomId: string): Promise<void> {
    const id = connectionId;
    if (!id) return;
    try {
      const token = await opts.getToken();
      const res = await request(`${base}/api/realtime/rooms/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ connectionId: id, roomId }),
      });
      if (res.status === 403) {
        emit({ type: 'error', data: { code: 'forbidden', message: `not allowed to ${action} ${roomId}` } });
      }
    } catch {
      /* the connection is probably gone: the rooms are re-joined after reconnect */
    }
  }

  async function onClose(t: Transport, code: number, _reason: string, opened: boolean): Promise<void> {
    if (t === probe) {
      probe = null;
      scheduleProbe();
      return;
    }
    if (t === retiring) {
      retiring = null;
      endRetire();
      return;
    }
    if (t !== active) return;
    active = null;
    live = false;
    connectionId = undefined;
    stopHeartbeat();
    if (!started) return;
    setStatus(everLive ? 'reconnecting' : 'connecting');
    const my = epoch;
    if (code === CLOSE_CODES.unauthorized) await authFailed();
    if (my !== epoch) return;
    if (t.kind === 'ws' && !opened && usable.includes('sse')) {
      // The socket could not open (blocked by a proxy?): SSE right away.
      mode = 'sse';
      void open('sse', false);
      return;
    }
    // SSE that never opened either: probably the server is down, not WebSocket blocked; prefer the first transport again.
    retry(t.kind === 'sse' && !opened ? usable[0]! : t.kind);
  }

  function retry(kind: TransportKind): void {
    if (!started) return;
    mode = kind;
    cancelRetry?.();
    setStatus(everLive ? 'reconnecting' : 'connecting');
    const delay = backoffDelay(attempt++, opts.backoff);
    cancelRetry = later(delay, () => {
      cancelRetry = null;
      void open(mode, false);
    });
  }

  function scheduleProbe(): void {
    if (!started || !usable.includes('ws') || mode !== 'sse' || probe || cancelProbe) return;
    cancelProbe = later(wsRetryMs, () => {
      cancelProbe = null;
      if (started && mode === 'sse' && !probe) void open('ws', true);
    });
  }

  /** Silence for heartbeatMs → ping; no answer within another heartbeatMs → the socket is dead (e.g. after sleep). */
  function startHeartbeat(): void {
    pingSentAt = 0;
    heartbeat = setInterval(() => {
      const t = active;
      if (!t || t.kind !== 'ws' || !live) return;
      const now = Date.now();
      if (pingSentAt > lastRx) {
        if (now - pingSentAt >= heartbeatMs) {
          t.close();
          void onClose(t, 1006, 'heartbeat timeout', true);
        }
      } else if (now - lastRx >= heartbeatMs) {
        pingSentAt = now;
        t.send('{"type":"ping"}');
      }
    }, Math.max(10, heartbeatMs >> 1));
    (heartbeat as { unref?: () => void }).unref?.();
  }

  function stopHeartbeat(): void {
    if (heartbeat !== undefined) clearInterval(heartbeat);
    heartbeat = undefined;
  }

  function joinRoom(roomId: string): void {
    left.delete(roomId);
    joined.add(roomId);
    deliver({ type: 'join-room', data: { roomId } });
  }

  function leaveRoom(roomId: string): void {
    joined.delete(roomId);
    left.add(roomId);
    deliver({ type: 'leave-room', data: { roomId } });
  }

  const onOnline = () => {
    // Back online: don't wait out the backoff.
    if (started && !active && cancelRetry) {
      cancelRetry();
      cancelRetry = null;
      void open(mode, false);
    }
  };
  const win = globalThis as { addEventListener?: (t: string, f: () => void) => void; removeEventListener?: (t: string, f: () => void) => void };

  return {
    get status() {
      return status;
    },
    get lastEventId() {
      return lastEventId;
    },
    get transport() {
      return live && active ? active.kind : null;
    },
    connect() {
      if (started) return;
      usable = transports.filter((k) => ctorFor(k));
      if (!usable.length) {
        throw new Error(`realtime client: no ${transports.join('/')} implementation; pass options.WebSocket / options.EventSource`);
      }
      started = true;
      everLive = false;
      mode = usable[0]!;
      attempt = 0;
      setStatus('connecting');
      win.addEventListener?.('online', onOnline);
      void open(mode, false);
    },
    close() {
      if (!started) return;
      started = false;
      epoch++;
      live = false;
      cancelRetry?.();
      cancelProbe?.();
      cancelRetry = cancelProbe = null;
      stopHeartbeat();
      endRetire();
      win.removeEventListener?.('online', onOnline);
      const a = active;
      const p = probe;
      active = probe = null;
      a?.close();
      p?.close();
      setStatus('offline');
    },
    onStatus(h) {
      statusHandlers.add(h);
      return () => void statusHandlers.delete(h);
    },
    on(type, handler) {
      let set = handlers.get(type);
      if (!set) handlers.set(type, (set = new Set()));
      const h = handler as (data: unknown, msg: ServerMessage) => void;
      set.add(h);
      return () => void set.delete(h);
    },
    onMessage(h) {
      allHandlers.add(h);
      return () => void allHandlers.delete(h);
    },
    joinRoom,
    leaveRoom,
    send(msg) {
      if (msg.type === 'join-room') joinRoom(msg.data.roomId);
      else if (msg.type === 'leave-room') leaveRoom(msg.data.roomId);
      else if (!deliver(msg)) enqueue(msg);
    },
  };
}
