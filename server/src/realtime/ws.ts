import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import { Compile } from 'typebox/compile';
import { WebSocket, type RawData } from 'ws';
import { CLIENT_MESSAGE_TYPES, CLOSE_CODES, orderChatRoom, type SocketErrorCode } from '@ordercast/shared';
import { ClientMessage } from '@ordercast/shared/schemas';
import type { Principal } from '../auth/principal';
import type { BusEvent } from '../events/types';
import { Conn, type PreparedEvent } from './conn';
import { socketError, type RealtimeContext } from './context';
import { onboard } from './onboard';
import { takeMessage, type RateState } from './rate-limit';
import { refreshFromMessage } from './reauth';
import { recheck, roomRefusal } from './rights';
import { awaitAuth } from './ws-auth';
import { sendFrame, textFrames } from './ws-frame';

const checkClientMessage = Compile(ClientMessage);
const KNOWN_TYPES: readonly string[] = CLIENT_MESSAGE_TYPES;
const PONG = '{"type":"pong"}';
const CONN = Symbol('realtime-conn');

type Sock = WebSocket & { [CONN]?: WsConn };

/** A WebSocket client. Handlers are shared functions reaching the connection through the socket: no per-socket closures. */
export class WsConn extends Conn implements RateState {
  /** Answered the last ping (or sent anything) since the previous keepalive tick. */
  alive = true;
  /** Incoming message limit (./rate-limit). */
  rateTokens: number;
  rateAt = Date.now();
  rateRefused = 0;
  /**
   * The client's messages are handled in order, one after another: a join-room reads the database
   * (rights, the room's city or order), and a leave-room sent after it must not overtake it.
   */
  chain: Promise<void> = Promise.resolve();

  constructor(
    seq: number,
    principal: Principal,
    expiresAt: number,
    readonly ws: WebSocket,
    readonly rt: RealtimeContext,
  ) {
    super(seq, principal, expiresAt);
    this.rateTokens = rt.limits.messagesPerSecond * 2;
  }

  get transport() {
    return 'ws' as const;
  }

  sendLive(ev: PreparedEvent): void {
    sendFrame(this.ws, ev.ws);
  }

  sendReplay(evs: readonly BusEvent[]): void {
    sendFrame(this.ws, textFrames(evs.map((ev) => ev.json)));
  }

  /** Replies and notices obey the same unsent-bytes limit as events: a client that never reads cannot grow the server. */
  sendControl(json: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.rt.maxBuffered) {
      this.closeSlow();
      return;
    }
    this.ws.send(json);
  }

  ping(): void {
    this.ws.ping();
  }

  buffered(): number {
    return this.ws.bufferedAmount;
  }

  closeSlow(): void {
    if (this.closed) return;
    this.rt.metrics.slowClosesWs++;
    this.end(CLOSE_CODES.tryAgainLater, 'slow consumer: reconnect and resume');
  }

  revoke(reason: string): void {
    this.end(CLOSE_CODES.unauthorized, reason);
  }

  /** Leaves the hub at once and closes; the close frame goes out after what is already queued. */
  end(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.rt.hub.remove(this);
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.closed = true;
    this.rt.hub.remove(this);
    this.ws.terminate();
  }

  error(code: SocketErrorCode, message: string): void {
    this.rt.metrics.badMessages++;
    this.sendControl(socketError(code, message));
  }
}

export interface WsAccept {
  ok: true;
  principal: Principal;
  expiresAt: number;
  lastEventId: number | null | undefined;
  /** `?rooms=`: joined before the replay (see parseRoomsParam). */
  requestedRooms: string[];
}
export interface WsRefuse {
  ok: false;
  reason: string;
}
/** No credential in the upgrade request: the socket may sign in with an `auth` message (./ws-auth). */
export interface WsPending {
  ok: 'pending';
  lastEventId: number | null | undefined;
  requestedRooms: string[];
}

/**
 * Takes over an upgraded socket. `auth` was decided before the upgrade; a refused one is closed
 * with 4401 and a reason the client can read (browsers cannot see an HTTP status on a failed upgrade).
 */
export function acceptWebSocket(rt: RealtimeContext, socket: WebSocket, auth: WsAccept | WsRefuse | WsPending, rawSocket: Socket | null): void {
  // @fastify/websocket's error listener closes over the request and reply: drop it so they can be
  // collected, and let the upgrade's ServerResponse go too (10,000 idle sockets must stay small).
  socket.removeAllListeners('error');
  socket.on('error', onWsError);
  if (rawSocket) {
    const res = (rawSocket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (res) res.detachSocket(rawSocket);
  }
  if (!auth.ok) {
    socket.close(CLOSE_CODES.unauthorized, auth.reason);
    return;
  }
  if (auth.ok === 'pending') {
    const { lastEventId, requestedRooms } = auth;
    awaitAuth(rt, socket, (id) => admit(rt, socket, { ok: true, ...id, lastEventId, requestedRooms }));
    return;
  }
  admit(rt, socket, auth);
}

/** A signed-in socket becomes a connection: per-user cap, then onboarding (rooms, `connected`, resume). */
function admit(rt: RealtimeContext, socket: WebSocket, auth: WsAccept): void {
  const { principal, expiresAt, lastEventId, requestedRooms } = auth;
  const max = rt.limits.maxConnectionsPerUser;
  if (rt.hub.connectionsOf(principal.userId).size >= max) {
    rt.metrics.connectionLimitRefusals++;
    socket.close(CLOSE_CODES.tooManyConnections, `too_many_connections: at most ${max} open connections per user`);
    return;
  }
  const seq = rt.nextSeq();
  const conn = new WsConn(seq, principal, expiresAt, socket, rt);
  (socket as Sock)[CONN] = conn;
  socket.on('message', onWsMessage);
  socket.on('pong', onWsPong);
  socket.on('close', onWsClose);
  rt.metrics.connectsWs++;

  conn.chain = onboard(rt, conn, rt.connectionId(seq), requestedRooms, lastEventId, () => conn.end(1011, 'resume failed; reconnect')).catch((err: unknown) => {
    rt.logger.error({ err }, 'realtime onboarding failed');
    conn.end(1011, 'could not open the connection; reconnect');
  });
}

export function wsRefusal(code: string, message: string): WsRefuse {
  // Close reasons are limited to 123 bytes.
  return { ok: false, reason: `${code}: ${message}`.slice(0, 120) };
}

function onWsMessage(this: Sock, data: RawData): void {
  const conn = this[CONN];
  if (!conn || conn.closed) return;
  conn.alive = true;
  switch (takeMessage(conn, Date.now(), conn.rt.limits.messagesPerSecond)) {
    case 'ok':
      break;
    case 'refused-first':
      conn.error('rate-limited', `Too many messages: at most ${conn.rt.limits.messagesPerSecond} per second; messages over the limit are dropped`);
      return;
    case 'refused':
      conn.rt.metrics.badMessages++;
      return;
    case 'abuse':
      conn.rt.metrics.rateLimitCloses++;
      conn.end(CLOSE_CODES.policyViolation, 'rate_limited: too many messages');
      return;
  }
  let msg: unknown;
  try {
    // binaryType is the default 'nodebuffer': one Buffer per message, text or binary frame alike.
    msg = JSON.parse((data as Buffer).toString());
  } catch {
    conn.error('bad-request', 'Message is not valid JSON');
    return;
  }
  if (!checkClientMessage.Check(msg)) {
    const type = msg !== null && typeof msg === 'object' ? (msg as { type?: unknown }).type : undefined;
    if (typeof type === 'string' && !KNOWN_TYPES.includes(type)) conn.error('unknown-type', `Unknown message type "${type.slice(0, 40)}"`);
    else conn.error('bad-request', 'Message does not match the protocol: {"type":"ping"}, {"type":"join-room"|"leave-room","data":{"roomId":"..."}}, {"type":"auth","data":{"token":"..."}} or {"type":"typing","data":{"orderId":1,"typing":true}}');
    return;
  }
  const checked = msg;
  conn.chain = conn.chain.then(() => handleMessage(conn, checked)).catch((err: unknown) => {
    conn.rt.logger.error({ err }, 'realtime message handling failed');
    conn.error('bad-request', 'The message could not be handled; try again');
  });
}

async function handleMessage(conn: WsConn, msg: ClientMessage): Promise<void> {
  if (conn.closed) return;
  switch (msg.type) {
    case 'ping':
      conn.sendControl(PONG);
      return;
    case 'auth':
      // Seed 002: a fresh token on a live connection (after `token-expiring`).
      await refreshFromMessage(conn.rt, conn, msg.data.token);
      return;
    case 'join-room': {
      const { roomId } = msg.data;
      if (conn.rooms.has(roomId)) {
        conn.sendControl(JSON.stringify({ type: 'room-joined', data: { roomId } }));
        return;
      }
      // The rights as they are now, not as they were at connect (a missed notice cannot widen them).
      if (!(await recheck(conn.rt, conn, await conn.rt.directory.principal(conn.principal.userId)))) return;
      const refusal = await roomRefusal(conn.rt, conn.principal, roomId, conn.rooms.size);
      if (conn.closed) return;
      if (refusal) {
        conn.error('forbidden', refusal);
        return;
      }
      conn.rt.hub.join(conn, roomId);
      conn.sendControl(JSON.stringify({ type: 'room-joined', data: { roomId } }));
      return;
    }
    case 'leave-room': {
      const { roomId } = msg.data;
      conn.rt.hub.leave(conn, roomId);
      conn.sendControl(JSON.stringify({ type: 'room-left', data: { roomId } }));
      return;
    }
    case 'typing': {
      // Only from someone in the chat (the room was authorized on joining and re-checked on rights changes).
      const { orderId } = msg.data;
      if (!conn.rt.chat || !conn.rooms.has(orderChatRoom(orderId))) {
        conn.error('forbidden', `Join the chat of order ${orderId} (room "${orderChatRoom(orderId)}") before typing in it`);
        return;
      }
      conn.rt.chat.typing(conn, orderId, msg.data.typing ?? true);
      return;
    }
  }
}

function onWsPong(this: Sock): void {
  const conn = this[CONN];
  if (conn) conn.alive = true;
}

function onWsClose(this: Sock): void {
  const conn = this[CONN];
  if (!conn) return;
  conn.closed = true;
  conn.rt.hub.remove(conn);
}

function onWsError(this: Sock, err: Error): void {
  // ws closes the socket itself (e.g. 1009 for an oversize frame); nothing to add but a quiet note.
  const conn = this[CONN];
  conn?.rt.logger.debug({ err: err.message }, 'websocket error');
}
