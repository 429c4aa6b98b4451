import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionStatus } from '../../src/protocol';
import { Connection } from '../../src/client/connection';
import { AuthError } from '../../src/client/http';
import type { TransportKind } from '../../src/client/state';
import type { Transport, TransportEvents } from '../../src/client/types';

/**
 * The connection's phases own their timers and transports: entering one sets them up, leaving it
 * releases them. Driven here with stand-in transports and fake timers (no sockets); the real
 * client against the real server is in ./with-server/.
 */

class FakeTransport implements Transport {
  closed = false;
  readonly sent: string[] = [];
  constructor(
    readonly kind: TransportKind,
    readonly ev: TransportEvents,
  ) {}
  send(text: string) {
    this.sent.push(text);
    return !this.closed;
  }
  close() {
    this.closed = true;
  }
  /** The server's `connected`. */
  up() {
    this.ev.open();
    this.ev.message('connected');
  }
  /** Closed from the far side. */
  drop(code = 1006, opened = true) {
    this.ev.close(code, '', opened);
  }
}

const WS_RETRY = 1000;
const RETIRE = 5000;
const HEARTBEAT = 100;

function setup(opts: { rooms?: string[]; heartbeatMs?: number; credentials?: () => Promise<string> } = {}) {
  const opened: FakeTransport[] = [];
  const statuses: ConnectionStatus[] = [];
  const calls: string[] = [];
  const conn: Connection = new Connection(
    {
      credentials: async () => {
        calls.push('credentials');
        return opts.credentials ? opts.credentials() : 'token=x';
      },
      authFailed: async () => void calls.push('authFailed'),
      open: (kind, _auth, ev) => {
        const t = new FakeTransport(kind, ev);
        opened.push(t);
        return t;
      },
      message: (t, text) => {
        if (text === 'connected') conn.connected(t);
      },
      status: (s) => void (statuses[statuses.length - 1] !== s && statuses.push(s)), // as Listeners.setStatus
      rooms: () => opts.rooms ?? [],
    },
    { backoff: { initialMs: 100, maxMs: 100 }, wsRetryMs: WS_RETRY, retireMs: RETIRE, heartbeatMs: opts.heartbeatMs ?? 0 },
  );
  const last = () => opened[opened.length - 1]!;
  return { conn, opened, statuses, calls, last };
}

/** Lets the attempt's credentials promise settle. */
const settle = () => vi.advanceTimersByTimeAsync(0);

/** Starts with a WebSocket that cannot open, so the connection settles on SSE; returns that stream. */
async function onSse({ conn, opened, last }: ReturnType<typeof setup>): Promise<FakeTransport> {
  conn.start(['ws', 'sse']);
  await settle();
  opened[0]!.drop(1006, false); // the socket never opened
  await settle();
  const sse = last();
  expect(sse.kind).toBe('sse');
  sse.up();
  return sse;
}

describe('realtime connection (phases and their resources)', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('goes live over WebSocket; close releases the socket and leaves no timer', async () => {
    const { conn, opened, statuses, last } = setup({ heartbeatMs: HEARTBEAT });
    conn.start(['ws', 'sse']);
    await settle();
    expect(opened.map((t) => t.kind)).toEqual(['ws']);
    last().up();
    expect([conn.phase, conn.link]).toEqual(['live', last()]);
    expect(vi.getTimerCount()).toBe(1); // the heartbeat
    conn.stop();
    expect(last().closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(statuses).toEqual(['connecting', 'live', 'offline']);
  });

  it('falls back to SSE, probes for WebSocket on a timer, retires the SSE stream after the rooms are re-joined', async () => {
    const env = setup({ rooms: ['user-7'] });
    const { conn, opened, statuses, last } = env;
    const sse = await onSse(env);
    expect(conn.phase).toBe('fallback');
    expect(vi.getTimerCount()).toBe(1); // the probe timer

    // A probe that fails is tried again later; the SSE stream stays.
    await vi.advanceTimersByTimeAsync(WS_RETRY);
    last().drop(1006, false);
    expect(conn.phase).toBe('fallback');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(WS_RETRY);
    const probe = last();
    expect([probe.kind, opened.length]).toEqual(['ws', 4]);

    probe.up();
    expect([conn.phase, conn.link]).toEqual(['retiring', probe]);
    expect(sse.closed).toBe(false); // kept until the socket is back in user-7
    conn.roomJoined(probe, 'user-7');
    expect(sse.closed).toBe(false); // what SSE sent before the join may still be on its way
    await vi.advanceTimersByTimeAsync(250);
    expect([conn.phase, sse.closed, probe.closed]).toEqual(['live', true, false]);
    expect(vi.getTimerCount()).toBe(0);
    expect(statuses).toEqual(['connecting', 'fallback-sse', 'live']);
  });

  it('retires the SSE stream after retireMs even if the joins never come', async () => {
    const env = setup({ rooms: ['user-7'] });
    const { conn, last } = env;
    const sse = await onSse(env);
    await vi.advanceTimersByTimeAsync(WS_RETRY);
    last().up();
    expect(conn.phase).toBe('retiring');
    await vi.advanceTimersByTimeAsync(RETIRE);
    expect([conn.phase, sse.closed]).toEqual(['live', true]);
  });

  it('leaving fallback releases the stream, the probe in flight and the probe timer', async () => {
    const env = setup();
    const { conn, last } = env;
    const sse = await onSse(env);
    await vi.advanceTimersByTimeAsync(WS_RETRY);
    const probe = last();
    expect(probe.kind).toBe('ws');
    conn.stop();
    expect([sse.closed, probe.closed, vi.getTimerCount()]).toEqual([true, true, 0]);
    // A late `connected` of a released transport changes nothing.
    probe.up();
    expect(conn.phase).toBe('idle');
  });

  it('waits in backoff after a drop; the retry timer belongs to that phase', async () => {
    const { conn, opened, statuses } = setup();
    conn.start(['ws']);
    await settle();
    opened[0]!.up();
    opened[0]!.drop();
    expect(conn.phase).toBe('backoff');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect([conn.phase, opened.length]).toEqual(['connecting', 2]);
    opened[1]!.drop(1006, false);
    expect(conn.phase).toBe('backoff');
    conn.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(statuses).toEqual(['connecting', 'live', 'reconnecting', 'offline']);
  });

  it('back online: retries at once instead of waiting out the backoff', async () => {
    const { conn, opened } = setup();
    conn.start(['ws']);
    await settle();
    opened[0]!.drop(1006, false);
    expect(conn.phase).toBe('backoff');
    conn.online();
    await settle();
    expect([conn.phase, opened.length, vi.getTimerCount()]).toEqual(['connecting', 2, 0]);
  });

  it('after a 4401 close calls onAuthError at once, then waits, then asks for credentials again', async () => {
    const { conn, opened, calls } = setup();
    conn.start(['ws']);
    await settle();
    opened[0]!.up();
    opened[0]!.drop(4401);
    expect([conn.phase, calls]).toEqual(['backoff', ['credentials', 'authFailed']]);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toEqual(['credentials', 'authFailed', 'credentials']);
    expect(opened.length).toBe(2);
  });

  it('a refused ticket (401) re-authenticates, waits, and tries again', async () => {
    let refuse = true;
    const { conn, opened, calls } = setup({
      credentials: async () => {
        if (refuse) throw new AuthError('401');
        return 'token=x';
      },
    });
    conn.start(['ws']);
    await settle();
    expect([conn.phase, opened.length, calls]).toEqual(['backoff', 0, ['credentials', 'authFailed']]);
    refuse = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toEqual(['credentials', 'authFailed', 'credentials']);
    expect(opened.length).toBe(1);
  });

  it('an attempt whose phase was left (close, then connect again) opens nothing', async () => {
    const { conn, opened } = setup();
    conn.start(['ws']);
    conn.stop();
    conn.start(['ws']);
    await settle();
    expect(opened.length).toBe(1);
  });

  it('notices a silent socket: pings after heartbeatMs of silence, drops it after another', async () => {
    const { conn, opened, statuses } = setup({ heartbeatMs: HEARTBEAT });
    conn.start(['ws']);
    await settle();
    const ws = opened[0]!;
    ws.up();
    await vi.advanceTimersByTimeAsync(HEARTBEAT);
    expect(ws.sent).toEqual(['{"type":"ping"}']);
    expect(conn.phase).toBe('live');
    await vi.advanceTimersByTimeAsync(HEARTBEAT);
    expect(ws.closed).toBe(true);
    expect(statuses).toEqual(['connecting', 'live', 'reconnecting']);
    conn.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the backoff wait starts only once onAuthError has finished; "online" does not cut that short', async () => {
    let finishAuth = () => {};
    const opened: string[] = [];
    const conn: Connection = new Connection(
      {
        credentials: async () => 'token=x',
        authFailed: () => new Promise<void>((r) => (finishAuth = r)),
        open: (kind, _auth, ev) => {
          const t = new FakeTransport(kind, ev);
          opened.push(kind);
          setTimeout(() => t.drop(4401), 0);
          return t;
        },
        message: () => {},
        status: () => {},
        rooms: () => [],
      },
      { backoff: { initialMs: 100, maxMs: 100 }, wsRetryMs: WS_RETRY, retireMs: RETIRE, heartbeatMs: 0 },
    );
    conn.start(['ws']);
    await settle();
    expect([conn.phase, vi.getTimerCount()]).toEqual(['backoff', 0]);
    conn.online();
    await vi.advanceTimersByTimeAsync(1000);
    expect([conn.phase, opened.length]).toEqual(['backoff', 1]);
    finishAuth();
    await settle();
    expect(vi.getTimerCount()).toBe(1);
    conn.stop();
  });
});
