import type { Principal } from '../auth/principal';
import type { BusEvent } from '../events/types';
import { textFrame, type WsFrame } from './ws-frame';

export type Transport = 'ws' | 'sse';

/**
 * One client connection, whatever carries it. Kept small on purpose (10,000 idle sockets per
 * process): a handful of fields, no closures. Transports subclass it. Rooms are a Set so a join
 * or a leave costs the same however many rooms the connection holds (their number is capped too).
 */
export abstract class Conn {
  /** Highest event id this connection has been given (or, after a replay, has seen in the log). */
  lastId = 0;
  /** While true the resume replay owns the stream: live events are skipped (the replay's last log read covers them). */
  replaying = false;
  closed = false;
  readonly rooms = new Set<string>();
  /** The token version the connection was authenticated with; a password reset raises the user's. Replaced by a refresh (./reauth). */
  tokenVersion: number;
  /** When `token-expiring` is due, epoch ms (Infinity: sent, or never). Set by ./onboard and ./reauth. */
  noticeAt = Infinity;

  constructor(
    readonly seq: number,
    /** Replaced when the user's rights change (see ./rights). */
    public principal: Principal,
    /** Token expiry, epoch milliseconds (Infinity: none). Moved by a refresh (./reauth). */
    public expiresAt: number,
  ) {
    this.tokenVersion = principal.tokenVersion;
  }

  abstract readonly transport: Transport;
  /** Sends a live event (the hub hands over the prepared, shared frame). */
  abstract sendLive(ev: PreparedEvent): void;
  /** Sends durable events during replay, in order, as one write. */
  abstract sendReplay(evs: readonly BusEvent[]): void;
  /** Sends a control message (already serialised). */
  abstract sendControl(json: string): void;
  /** Bytes queued for this client and not yet handed to the kernel. */
  abstract buffered(): number;
  /** Closes because the client does not read fast enough; it resumes on reconnect. */
  abstract closeSlow(): void;
  /** Closes because the credential no longer holds (disabled account, revoked token); `reason` is `code: message`. */
  abstract revoke(reason: string): void;
}

/** An event as the hub fans it out: wire bytes built at most once per event per transport. */
export class PreparedEvent {
  private wsFrame: WsFrame | undefined;
  private sseFrame: string | undefined;
  constructor(readonly ev: BusEvent) {}
  get ws(): WsFrame {
    return (this.wsFrame ??= textFrame(this.ev.json));
  }
  get sse(): string {
    return (this.sseFrame ??= sseFrame(this.ev.id, this.ev.json));
  }
}

export const sseFrame = (id: number, json: string): string => `id: ${id}\ndata: ${json}\n\n`;

/**
 * When to tell a connection its token is about to expire: `leadMs` before, or half the remaining
 * time when the token has less than twice that left (a short token still gets time to refresh).
 */
export function noticeTime(now: number, expiresAt: number, leadMs: number): number {
  if (!Number.isFinite(expiresAt)) return Infinity;
  return expiresAt - Math.min(leadMs, Math.max(0, expiresAt - now) / 2);
}
