import { REALTIME_PATHS, type ConnectionStatus } from '../protocol';
import type { ClientMessage, ServerMessage } from '../schemas/realtime';
import type { BackoffOptions } from '../backoff';
import { createChatClient, type ChatClient } from './chat';
import { Connection } from './connection';
import { createRealtimeHttp } from './http';
import { Listeners } from './listeners';
import { Outbox } from './outbox';
import { ResumePoint } from './resume';
import { openEventSource } from './sse-transport';
import type { TransportKind } from './state';
import type { EventSourceCtor, FetchLike, Transport, TransportEvents, WebSocketCtor } from './types';
import { openWebSocket } from './ws-transport';

export type { TransportKind } from './state';
export type { ChatClient, PendingChatMessage } from './chat';

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
  /**
   * Default true (seed 002): a WebSocket opens with no credential in its URL and signs in with its
   * first message, `{"type":"auth","data":{"token":…}}` (no token in URLs or access logs, no ticket
   * round trip). false: the WebSocket uses `useTicket` like SSE.
   */
  authInBand?: boolean;
  /** Default true: trade the JWT for a short-lived single-use ticket (keeps the JWT out of URLs). false: `?token=JWT`. SSE always uses this. */
  useTicket?: boolean;
  /** Called on a 4401 close or a 401 before the next attempt (which calls `getToken` again). */
  onAuthError?: () => void | Promise<void>;
  /**
   * A fresh token when the server says `token-expiring` (e.g. POST /api/auth/refresh, or signing in
   * again with Telegram's initData). The client hands it to the live connection (`auth` on
   * WebSocket, POST /api/realtime/auth on SSE), which keeps its rooms and its place in the log.
   * Default: `getToken`. A failure is left alone: the server closes with 4401 at expiry and the
   * client signs in again through `onAuthError` and resumes.
   */
  refreshToken?: () => string | Promise<string>;
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
  /** Order chat (issue 18): join a chat, send (queued offline, sent once), typing, read marks, history, unread counts. */
  readonly chat: ChatClient;
}

const authMessage = (token: string): string => JSON.stringify({ type: 'auth', data: { token } } satisfies ClientMessage);

/**
 * The app-facing client: events in (duplicates dropped, the resume point kept), messages and rooms
 * out. The connection's lifecycle is in connection.ts (its transitions in state.ts), HTTP in http.ts.
 */
export function createRealtimeClient(opts: RealtimeClientOptions): RealtimeClient {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const wsBase = base.replace(/^http/, 'ws');
  const transports: TransportKind[] = opts.transports?.length ? [...opts.transports] : ['ws', 'sse'];
  const openTimeoutMs = opts.openTimeoutMs ?? 10_000;
  const authInBand = opts.authInBand ?? true;

  const resume = new ResumePoint(opts.lastEventId ?? 0);
  /** The server's id of the live connection (the REST room endpoints need it while on SSE). */
  let connectionId: string | undefined;

  const listeners = new Listeners();
  const outbox = new Outbox();
  const http = createRealtimeHttp({
    base,
    fetch: opts.fetch,
    getToken: opts.getToken,
    timeoutMs: openTimeoutMs,
    useTicket: opts.useTicket ?? true,
  });

  function ctorFor(kind: TransportKind): WebSocketCtor | EventSourceCtor | undefined {
    const g = globalThis as { WebSocket?: WebSocketCtor; EventSource?: EventSourceCtor };
    return kind === 'ws' ? (opts.WebSocket ?? g.WebSocket) : (opts.EventSource ?? g.EventSource);
  }

  /** `auth`: the query-string credential (`ticket=…` / `token=…`), or '' when the socket signs in by message. */
  function urlFor(kind: TransportKind, auth: string): string {
    const path = kind === 'ws' ? `${wsBase}${REALTIME_PATHS.ws}` : `${base}${REALTIME_PATHS.sse}`;
    const query = auth ? [auth] : [];
    if (resume.resumeFrom > 0) query.push(`lastEventId=${resume.resumeFrom}`);
    // Hand-joined rooms go in the URL too: the server joins them before the resume replay, so their
    // missed events come back as well (join-room after `connected` would be too late for that).
    if (outbox.joined.size) query.push(`rooms=${encodeURIComponent([...outbox.joined].join(','))}`);
    return query.length ? `${path}?${query.join('&')}` : path;
  }

  /** A WebSocket that signs in with its first message (seed 002): `token` never appears in a URL. */
  function openSignedInWebSocket(token: string, ev: TransportEvents): Transport {
    const t: Transport = openWebSocket(
      ctorFor('ws') as WebSocketCtor,
      urlFor('ws', ''),
      {
        ...ev,
        open() {
          t.send(authMessage(token));
          ev.open();
        },
      },
      openTimeoutMs,
    );
    return t;
  }

  const conn = new Connection(
    {
      // For an in-band WebSocket the "credential" is the token itself, sent by openSignedInWebSocket.
      credentials: async (kind) => (kind === 'ws' && authInBand ? String(await opts.getToken()) : http.credentials()),
      async authFailed() {
        try {
          await opts.onAuthError?.();
        } catch {
          /* the next getToken() decides */
        }
      },
      open: (kind, auth, ev) =>
        kind === 'sse'
          ? openEventSource(ctorFor('sse') as EventSourceCtor, urlFor(kind, auth), ev, openTimeoutMs)
          : authInBand
            ? openSignedInWebSocket(auth, ev)
            : openWebSocket(ctorFor('ws') as WebSocketCtor, urlFor(kind, auth), ev, openTimeoutMs),
      message: onText,
      status(s) {
        if (s !== 'live' && s !== 'fallback-sse') connectionId = undefined;
        listeners.setStatus(s);
      },
      rooms: () => outbox.joined,
    },
    {
      backoff: opts.backoff,
      wsRetryMs: opts.wsRetryMs ?? 30_000,
      retireMs: openTimeoutMs,
      heartbeatMs: opts.heartbeatMs ?? 25_000,
    },
  );

  function onText(t: Transport, text: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    if (!msg || typeof msg.type !== 'string') return;
    if ('id' in msg && typeof msg.id === 'number' && !resume.accept(msg.id)) return;
    if (msg.type === 'connected') {
      connectionId = msg.data.connectionId;
      resume.connectedAt(msg.data.lastEventId);
      conn.connected(t);
    } else if (msg.type === 'room-joined') {
      conn.roomJoined(t, msg.data.roomId);
    } else if (msg.type === 'resync') {
      resume.resync();
    } else if (msg.type === 'token-expiring') {
      void refresh(t);
    } else if (msg.type === 'reconnect') {
      conn.goingAway(t, msg.data.code);
    }
    listeners.emit(msg);
    if (msg.type === 'connected') {
      outbox.flush(deliver);
      chat.connected();
    }
  }

  /** `token-expiring`: a fresh token for the transport that said it, over whatever way it has upstream. */
  async function refresh(t: Transport): Promise<void> {
    let token: string;
    try {
      token = String(await (opts.refreshToken ?? opts.getToken)());
    } catch {
      return; // the server closes (4401) at expiry; the reconnect signs in again and resumes
    }
    if (t.kind === 'ws') t.send(authMessage(token));
    else if (connectionId && conn.link === t) await http.refreshSse(connectionId, token);
  }

  /** Sends over the live transport; false if not possible now. */
  function deliver(m: ClientMessage): boolean {
    const link = conn.link;
    if (!link) return false;
    if (link.kind === 'ws') return link.send(JSON.stringify(m));
    // SSE has no upstream: room changes go over REST, pings are pointless (typing goes over REST in ./chat).
    if (m.type === 'join-room' || m.type === 'leave-room') void roomRest(m.type === 'join-room' ? 'join' : 'leave', m.data.roomId);
    else if (m.type === 'typing') chat.api.typing(m.data.orderId, m.data.typing ?? true);
    return true;
  }

  async function roomRest(action: 'join' | 'leave', roomId: string): Promise<void> {
    if (!connectionId) return;
    if ((await http.room(action, connectionId, roomId)) === 'forbidden') {
      listeners.emit({ type: 'error', data: { code: 'forbidden', message: `not allowed to ${action} ${roomId}` } });
    }
  }

  const chat = createChatClient({
    http: (method, path, body) => http.api(method, path, body),
    joinRoom: (roomId) => joinRoom(roomId),
    leaveRoom: (roomId) => leaveRoom(roomId),
    link: () => (conn.link && connectionId !== undefined ? conn.link.kind : null),
    sendWs: (m) => conn.link?.kind === 'ws' && conn.link.send(JSON.stringify(m)),
  });

  function joinRoom(roomId: string): void {
    outbox.join(roomId);
    deliver({ type: 'join-room', data: { roomId } });
  }

  function leaveRoom(roomId: string): void {
    outbox.leave(roomId);
    deliver({ type: 'leave-room', data: { roomId } });
  }

  // Back online: don't wait out the backoff.
  const onOnline = () => conn.online();
  const win = globalThis as { addEventListener?: (t: string, f: () => void) => void; removeEventListener?: (t: string, f: () => void) => void };

  return {
    get status() {
      return listeners.current;
    },
    get lastEventId() {
      return resume.lastEventId;
    },
    get transport() {
      return conn.link?.kind ?? null;
    },
    connect() {
      if (conn.phase !== 'idle') return;
      const usable = transports.filter((k) => ctorFor(k));
      if (!usable.length) {
        throw new Error(`realtime client: no ${transports.join('/')} implementation; pass options.WebSocket / options.EventSource`);
      }
      win.addEventListener?.('online', onOnline);
      conn.start(usable);
    },
    close() {
      if (conn.phase === 'idle') return;
      win.removeEventListener?.('online', onOnline);
      conn.stop();
    },
    onStatus: (h) => listeners.onStatus(h),
    on: (type, handler) => listeners.on(type, handler as (data: unknown, msg: ServerMessage) => void),
    onMessage: (h) => listeners.onMessage(h),
    joinRoom,
    leaveRoom,
    chat: chat.api,
    send(msg) {
      if (msg.type === 'join-room') joinRoom(msg.data.roomId);
      else if (msg.type === 'leave-room') leaveRoom(msg.data.roomId);
      else if (!deliver(msg)) outbox.enqueue(msg);
    },
  };
}
