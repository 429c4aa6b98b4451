import type { Hub } from './hub';

/** Plain counters; rendered as Prometheus text on /metrics. No user data: labels are transport, role, result. */
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
  badMessages = 0;
  connectsWs = 0;
  connectsSse = 0;
  revokedCloses = 0;
  rateLimitCloses = 0;
  connectionLimitRefusals = 0;

  render(hub: Hub, busUp: boolean): string {
    const lines: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) lines.push(`${name}${labels} ${v}`);
    };
    metric(
      'ordercast_realtime_connections',
      'gauge',
      'Open realtime connections by transport and role.',
      hub.connectionCounts().map((c) => [`{transport="${c.transport}",role="${c.role}"}`, c.count]),
    );
    metric('ordercast_realtime_connects_total', 'counter', 'Accepted realtime connections.', [
      ['{transport="ws"}', this.connectsWs],
      ['{transport="sse"}', this.connectsSse],
    ]);
    metric('ordercast_realtime_rooms', 'gauge', 'Rooms with at least one connection.', [['', hub.rooms.size]]);
    metric('ordercast_realtime_events_delivered_total', 'counter', 'Live event messages written to connections.', [['', this.delivered]]);
    metric('ordercast_realtime_events_replayed_total', 'counter', 'Event messages written by resume replays.', [['', this.replayed]]);
    metric('ordercast_realtime_events_gap_filled_total', 'counter', 'Events the hub read from the log because the bus had not brought them.', [
      ['', this.gapFilled],
    ]);
    metric('ordercast_realtime_resumes_total', 'counter', 'Connections that asked to resume, by result.', [
      ['{result="replayed"}', this.resumes],
      ['{result="resync"}', this.resyncs],
    ]);
    metric('ordercast_realtime_slow_consumer_closes_total', 'counter', 'Connections closed because their unsent data passed the limit.', [
      ['{transport="ws"}', this.slowClosesWs],
      ['{transport="sse"}', this.slowClosesSse],
    ]);
    metric('ordercast_realtime_keepalive_terminations_total', 'counter', 'WebSockets ended for not answering a ping.', [
      ['', this.keepaliveTerminations],
    ]);
    metric('ordercast_realtime_auth_failures_total', 'counter', 'Connection attempts refused for a bad, missing or expired credential.', [
      ['', this.authFailures],
    ]);
    metric('ordercast_realtime_token_expired_closes_total', 'counter', 'Connections closed because their token expired.', [
      ['', this.tokenExpiredCloses],
    ]);
    metric('ordercast_realtime_revoked_closes_total', 'counter', 'Connections closed because the account was disabled or the token revoked.', [
      ['', this.revokedCloses],
    ]);
    metric('ordercast_realtime_rate_limit_closes_total', 'counter', 'WebSockets closed for flooding messages.', [['', this.rateLimitCloses]]);
    metric('ordercast_realtime_connection_limit_refusals_total', 'counter', 'Connections refused: the user already had the most allowed.', [
      ['', this.connectionLimitRefusals],
    ]);
    metric('ordercast_realtime_bad_messages_total', 'counter', 'Client messages answered with an error.', [['', this.badMessages]]);
    metric('ordercast_realtime_last_event_id', 'gauge', 'Highest event id the hub has delivered.', [['', hub.lastId]]);
    metric('ordercast_realtime_bus_up', 'gauge', '1 while the event bus is connected.', [['', busUp ? 1 : 0]]);
    const mem = process.memoryUsage();
    metric('ordercast_process_resident_memory_bytes', 'gauge', 'Resident set size.', [['', mem.rss]]);
    metric('ordercast_process_heap_used_bytes', 'gauge', 'V8 heap in use.', [['', mem.heapUsed]]);
    return lines.join('\n') + '\n';
  }
}
