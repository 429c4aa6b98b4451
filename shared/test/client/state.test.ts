import { describe, expect, it } from 'vitest';
import {
  canProbe,
  initialState,
  statusOf,
  transition,
  type ConnectionEvent,
  type ConnectionState,
  type Phase,
} from '../../src/client/state';

/** The realtime client's connection state machine, pure: no sockets, no timers. */

const started = (usable: ConnectionState['usable'] = ['ws', 'sse']) => transition(initialState, { type: 'start', usable });
const run = (s: ConnectionState, ...events: ConnectionEvent[]) => events.reduce(transition, s);
const wsUp: ConnectionEvent = { type: 'connected', kind: 'ws' };
const sseUp: ConnectionEvent = { type: 'connected', kind: 'sse' };
const drop = (kind: 'ws' | 'sse', opened = true, unauthorized = false): ConnectionEvent => ({ type: 'dropped', kind, opened, unauthorized });

/** One state of each phase, reached the way the client reaches it. */
const inPhase: Record<Phase, ConnectionState> = {
  idle: initialState,
  connecting: started(),
  backoff: run(started(), { type: 'attempt-failed', auth: false }),
  live: run(started(), wsUp),
  fallback: run(started(), drop('ws', false), sseUp),
  retiring: run(started(), drop('ws', false), sseUp, { type: 'probe-connected', rooms: true }),
};

const EVENTS: ConnectionEvent[] = [
  { type: 'start', usable: ['ws', 'sse'] },
  { type: 'stop' },
  { type: 'attempt-failed', auth: false },
  wsUp,
  { type: 'probe-connected', rooms: false },
  { type: 'retired' },
  drop('ws'),
  { type: 'retry-due' },
  { type: 'online' },
];

describe('connection state machine', () => {
  it('reaches each phase as the client does, and shows the public status for it', async () => {
    expect(Object.fromEntries(Object.entries(inPhase).map(([p, s]) => [p, [s.phase, statusOf(s)]]))).toEqual({
      idle: ['idle', 'offline'],
      connecting: ['connecting', 'connecting'],
      backoff: ['backoff', 'connecting'],
      live: ['live', 'live'],
      fallback: ['fallback', 'fallback-sse'],
      retiring: ['retiring', 'live'],
    });
  });

  it('accepts in each phase only the events of its row; every other event leaves the state as it is', async () => {
    const accepted: Record<Phase, string[]> = {
      idle: ['start'],
      connecting: ['stop', 'attempt-failed', 'connected', 'dropped'],
      backoff: ['stop', 'retry-due', 'online'],
      live: ['stop', 'dropped'],
      fallback: ['stop', 'probe-connected', 'dropped'],
      retiring: ['stop', 'retired', 'dropped'],
    };
    for (const [phase, s] of Object.entries(inPhase) as [Phase, ConnectionState][]) {
      const moved = EVENTS.filter((e) => transition(s, e) !== s).map((e) => e.type);
      expect(moved, phase).toEqual(accepted[phase]);
    }
  });

  it('starts with the first usable transport, counting nothing', async () => {
    expect(started(['sse'])).toEqual({ phase: 'connecting', mode: 'sse', usable: ['sse'], everLive: false, failures: 0, reauth: false });
    expect(started()).toMatchObject({ phase: 'connecting', mode: 'ws' });
  });

  it('says "connecting" until the first success and "reconnecting" after it', async () => {
    const failedFirst = run(started(), { type: 'attempt-failed', auth: false });
    expect(statusOf(failedFirst)).toBe('connecting');
    expect(statusOf(run(failedFirst, { type: 'retry-due' }))).toBe('connecting');
    const dropped = run(inPhase.live, drop('ws'));
    expect([dropped.phase, statusOf(dropped)]).toEqual(['backoff', 'reconnecting']);
    expect(statusOf(run(dropped, { type: 'retry-due' }))).toBe('reconnecting');
    // A new start forgets the old connection.
    expect(statusOf(run(dropped, { type: 'stop' }, { type: 'start', usable: ['ws'] }))).toBe('connecting');
  });

  it('counts failures for the backoff and resets them on success', async () => {
    let s = started();
    for (let i = 1; i <= 3; i++) {
      s = run(s, { type: 'attempt-failed', auth: false });
      expect([s.phase, s.failures]).toEqual(['backoff', i]);
      s = run(s, { type: 'retry-due' });
      expect([s.phase, s.failures]).toEqual(['connecting', i]);
    }
    s = run(s, wsUp);
    expect([s.phase, s.failures, s.everLive]).toEqual(['live', 0, true]);
    expect(run(s, drop('ws')).failures).toBe(1);
  });

  it('goes to SSE at once when the WebSocket could not open, without a backoff wait', async () => {
    const s = run(started(), drop('ws', false));
    expect(s).toMatchObject({ phase: 'connecting', mode: 'sse', failures: 0 });
    expect(run(s, sseUp)).toMatchObject({ phase: 'fallback', mode: 'sse', everLive: true });
    // Without SSE to fall back to, it waits and tries the socket again.
    expect(run(started(['ws']), drop('ws', false))).toMatchObject({ phase: 'backoff', mode: 'ws', failures: 1 });
  });

  it('retries the transport that dropped after opening; after SSE that never opened, the first transport again', async () => {
    expect(run(inPhase.live, drop('ws'))).toMatchObject({ phase: 'backoff', mode: 'ws' });
    expect(run(inPhase.fallback, drop('sse'))).toMatchObject({ phase: 'backoff', mode: 'sse' });
    expect(run(started(), drop('ws', false), drop('sse', false))).toMatchObject({ phase: 'backoff', mode: 'ws' });
    expect(run(started(['sse']), drop('sse', false))).toMatchObject({ phase: 'backoff', mode: 'sse' });
  });

  it('marks the phase a 401 or a 4401 close leads to as re-authenticating first, once', async () => {
    const refused = run(started(), { type: 'attempt-failed', auth: true });
    expect(refused).toMatchObject({ phase: 'backoff', reauth: true });
    // The wait re-authenticated: the attempt after it does not again.
    const retrying = run(refused, { type: 'retry-due' });
    expect(retrying).toMatchObject({ phase: 'connecting', reauth: false });
    expect(run(refused, { type: 'online' }).reauth).toBe(false);
    expect(run(retrying, { type: 'attempt-failed', auth: false }).reauth).toBe(false);
    expect(run(inPhase.live, drop('ws', true, true))).toMatchObject({ phase: 'backoff', reauth: true });
    expect(run(inPhase.live, drop('ws', true, false)).reauth).toBe(false);
    // A socket refused before opening (4401) still goes to SSE at once, re-authenticating first.
    expect(run(started(), drop('ws', false, true))).toMatchObject({ phase: 'connecting', mode: 'sse', reauth: true });
  });

  it('does not wait out the backoff once back online', async () => {
    expect(run(inPhase.backoff, { type: 'online' }).phase).toBe('connecting');
    for (const p of ['idle', 'connecting', 'live', 'fallback', 'retiring'] as const) {
      expect(run(inPhase[p], { type: 'online' })).toBe(inPhase[p]);
    }
  });

  it('probes for WebSocket only while on SSE with WebSocket usable', async () => {
    expect(canProbe(inPhase.fallback)).toBe(true);
    expect(canProbe(run(started(['sse']), sseUp))).toBe(false);
    for (const p of ['idle', 'connecting', 'backoff', 'live', 'retiring'] as const) expect(canProbe(inPhase[p])).toBe(false);
  });

  it('switches from SSE to a working WebSocket: straight to live, or through retiring while hand-joined rooms are re-joined', async () => {
    const fb = inPhase.fallback;
    expect(run(fb, { type: 'probe-connected', rooms: false })).toMatchObject({ phase: 'live', mode: 'ws' });
    const retiring = run(fb, { type: 'probe-connected', rooms: true });
    expect(retiring).toMatchObject({ phase: 'retiring', mode: 'ws' });
    expect(run(retiring, { type: 'retired' })).toMatchObject({ phase: 'live', mode: 'ws' });
    // The new socket dying while the old stream retires: reconnect over WebSocket.
    expect(run(retiring, drop('ws'))).toMatchObject({ phase: 'backoff', mode: 'ws' });
    // The statuses the app sees on that path.
    const path = [initialState, started(), run(started(), drop('ws', false)), fb, retiring, run(retiring, { type: 'retired' })];
    expect(path.map(statusOf)).toEqual(['offline', 'connecting', 'connecting', 'fallback-sse', 'live', 'live']);
  });

  it('stops from every phase to idle ("offline"); stopping when idle changes nothing', async () => {
    for (const p of ['connecting', 'backoff', 'live', 'fallback', 'retiring'] as const) {
      const s = run(inPhase[p], { type: 'stop' });
      expect([s.phase, statusOf(s)]).toEqual(['idle', 'offline']);
    }
    expect(run(initialState, { type: 'stop' })).toBe(initialState);
  });

  describe('a node going away (1012 / 1001 / SSE reconnect)', () => {
    const restart = (kind: 'ws' | 'sse'): ConnectionEvent => ({ type: 'dropped', kind, opened: true, unauthorized: false, restart: true });

    it('from a live WebSocket: connect again at once, no failure counted', async () => {
      const next = transition(inPhase.live, restart('ws'));
      expect(next).toMatchObject({ phase: 'connecting', mode: 'ws', failures: 0, reauth: false });
      expect(statusOf(next)).toBe('reconnecting');
    });

    it('from SSE (fallback or retiring): at once, WebSocket first again', async () => {
      expect(transition(inPhase.fallback, restart('sse'))).toMatchObject({ phase: 'connecting', mode: 'ws', failures: 0 });
      expect(transition(inPhase.retiring, restart('ws'))).toMatchObject({ phase: 'connecting', mode: 'ws', failures: 0 });
    });

    it('before `connected`: the ordinary backoff, so a cluster going away as a whole is not hammered', async () => {
      const next = transition(inPhase.connecting, restart('ws'));
      expect(next).toMatchObject({ phase: 'backoff', failures: 1 });
      // …and a plain drop of a live socket still waits.
      expect(transition(inPhase.live, drop('ws'))).toMatchObject({ phase: 'backoff', failures: 1 });
    });
  });
});
