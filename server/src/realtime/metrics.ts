import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Role } from '@ordercast/shared';
import type { Transport } from './conn';

/** What /metrics reads of the hub at scrape time (an interface, so this file does not depend on the hub). */
export interface HubView {
  connectionCounts(): { transport: Transport; role: Role; count: number }[];
  readonly rooms: { readonly size: number };
  readonly lastId: number;
}

/** Latency buckets in seconds: from a millisecond (one process, idle) to seconds (a stalled bus). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type CounterField = {
  [K in keyof RealtimeMetrics]: RealtimeMetrics[K] extends number ? K : never;
}[keyof RealtimeMetrics];
type Read = () => [Record<string, string>, number][];

/** The counters without labels: name, help, and the field they read. */
const PLAIN_COUNTERS: [string, string, CounterField][] = [
  ['ordercast_realtime_events_delivered_total', 'Live event messages written to connections.', 'delivered'],
  ['ordercast_realtime_events_replayed_total', 'Event messages written by resume replays.', 'replayed'],
  ['ordercast_realtime_events_gap_filled_total', 'Events the hub read from the log because the bus had not brought them.', 'gapFilled'],
  ['ordercast_realtime_keepalive_terminations_total', 'WebSockets ended for not answering a ping.', 'keepaliveTerminations'],
  ['ordercast_realtime_auth_failures_total', 'Connection attempts refused for a bad, missing or expired credential.', 'authFailures'],
  ['ordercast_realtime_token_expired_closes_total', 'Connections closed because their token expired.', 'tokenExpiredCloses'],
  ['ordercast_realtime_token_refreshes_total', 'Open connections given a fresh token (seed 002).', 'tokenRefreshes'],
  ['ordercast_realtime_pending_auth_refusals_total', 'WebSockets without a credential refused: too many were waiting for their auth message.', 'pendingAuthRefusals'],
  ['ordercast_realtime_revoked_closes_total', 'Connections closed because the account was disabled or the token revoked.', 'revokedCloses'],
  ['ordercast_realtime_rate_limit_closes_total', 'WebSockets closed for flooding messages.', 'rateLimitCloses'],
  ['ordercast_realtime_connection_limit_refusals_total', 'Connections refused: the user already had the most allowed.', 'connectionLimitRefusals'],
  ['ordercast_realtime_bad_messages_total', 'Client messages answered with an error or dropped.', 'badMessages'],
];

/** A latency histogram (LATENCY_BUCKETS) in `registry`. */
function latency(registry: Registry, name: string, help: string): Histogram {
  return new Histogram({ name, help, buckets: LATENCY_BUCKETS, registers: [registry] });
}

/** The collect() of a figure read at scrape time: emptied, then each sample of `read` written with `put`. */
function collectFrom<M extends { reset(): void }>(read: Read, put: (m: M, labels: Record<string, string>, v: number) => void): (this: M) => void {
  return function (this: M) {
    this.reset();
    for (const [labels, v] of read()) put(this, labels, v);
  };
}

/**
 * The realtime layer's figures, exposed through prom-client (one registry per app, so tests can
 * build several apps in one process). The counters are plain fields bumped on the hot paths (a
 * fan-out bumps `delivered` once per connection; a field costs nothing, a prom-client call would)
 * and read into prom-client counters when /metrics is scraped. Labels are transport, role and
 * result only: no user data.
 */
export class RealtimeMetrics {
  delivered = 0;
  replayed = 0;
  gapFilled = 0;
  resumes = 0;
  resyncs = 0;
  slowClosesWs = 0;
  slowClosesSse = 0;
  keepaliveTerminations = 0;
  authFailures = 0;
  tokenExpiredCloses = 0;
  tokenRefreshes = 0;
  pendingAuthRefusals = 0;
  badMessages = 0;
  connectsWs = 0;
  connectsSse = 0;
  revokedCloses = 0;
  rateLimitCloses = 0;
  connectionLimitRefusals = 0;

  readonly registry = new Registry();
  /** From an event's append to the log (inside the request that caused it) to its arrival at this process's hub. */
  readonly publishLatency = latency(
    this.registry,
    'ordercast_event_publish_latency_seconds',
    'Time from an event being appended to the log (in the request) to its arrival at this process from the bus.',
  );
  /** From an event's append to the last write of its fan-out on this process. */
  readonly deliveryLatency = latency(
    this.registry,
    'ordercast_event_delivery_latency_seconds',
    'Time from an event being appended to the log to its being written to every connection of its rooms on this process.',
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ordercast_' });
  }

  /** Registers the figures read at scrape time: the counters above, and the hub's and bus's state. */
  expose(hub: HubView, busUp: () => boolean): void {
    const registers = [this.registry];
    const counter = (name: string, help: string, read: Read, labelNames: string[] = []) =>
      new Counter({ name, help, labelNames, registers, collect: collectFrom<Counter>(read, (m, labels, v) => m.inc(labels, v)) });
    const gauge = (name: string, help: string, read: Read, labelNames: string[] = []) =>
      new Gauge({ name, help, labelNames, registers, collect: collectFrom<Gauge>(read, (m, labels, v) => m.set(labels, v)) });
    /** One sample per value of `label`, read from a field each. */
    const by = (label: string, fields: Record<string, CounterField>): [Read, string[]] => [
      () => Object.entries(fields).map(([value, field]) => [{ [label]: value }, this[field]]),
      [label],
    ];

    gauge(
      'ordercast_realtime_connections',
      'Open realtime connections by transport and role.',
      () => hub.connectionCounts().map((c) => [{ transport: c.transport, role: c.role }, c.count]),
      ['transport', 'role'],
    );
    counter('ordercast_realtime_connects_total', 'Accepted realtime connections.', ...by('transport', { ws: 'connectsWs', sse: 'connectsSse' }));
    gauge('ordercast_realtime_rooms', 'Rooms with at least one connection.', () => [[{}, hub.rooms.size]]);
    counter('ordercast_realtime_resumes_total', 'Connections that asked to resume, by result.', ...by('result', { replayed: 'resumes', resync: 'resyncs' }));
    counter(
      'ordercast_realtime_slow_consumer_closes_total',
      'Connections closed because their unsent data passed the limit.',
      ...by('transport', { ws: 'slowClosesWs', sse: 'slowClosesSse' }),
    );
    for (const [name, help, field] of PLAIN_COUNTERS) counter(name, help, () => [[{}, this[field]]]);
    gauge('ordercast_realtime_last_event_id', 'Highest event id the hub has delivered.', () => [[{}, hub.lastId]]);
    gauge('ordercast_realtime_bus_up', '1 while the event bus is connected.', () => [[{}, busUp() ? 1 : 0]]);
  }

  /** The Prometheus exposition text. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
