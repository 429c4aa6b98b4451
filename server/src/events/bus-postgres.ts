import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import type { Statement } from '../db/sql';
import type { PgSql } from '../db/sql-postgres';
import { DEFAULT_EVENTS_CHANNEL, type PgEventLog } from './log-postgres';
import { BusHandlers } from './bus-handlers';
import { NodeCalls, noticeText, readNotice } from './node-calls';
import { type BusEvent, type BusHandler, type NodeAnswer, type NodeRequest, type BusNotice, type EventBus, type NodeRequestHandler, type NoticeHandler } from './types';

/** NOTIFY refuses payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7999;
const BATCH = 500;

export interface PgBusOptions {
  /** Where the LISTEN connection goes (the database the pool serves). */
  url: string;
  /** The pool: NOTIFY for notices and requests, and the log reads. */
  sql: PgSql;
  /** The log whose commits NOTIFY `channel` (log-postgres.ts): events are read from it, never from a notification. */
  log: PgEventLog;
  logger: FastifyBaseLogger;
  /** Delivery starts after this id; default the log's highest id once LISTEN is in place (new events only). */
  from?: number;
  /** A read of the log this often even without a notification, as a safety net (default 5 s; 0: never). */
  pollMs?: number;
  /** First reconnect delay after the LISTEN connection drops, growing per failure up to 20× (default 100 ms). */
  reconnectMs?: number;
  /** How long `connect` waits for the first LISTEN before starting anyway (default 3 s). */
  connectTimeoutMs?: number;
}

/**
 * The event bus over PostgreSQL alone, so a deployment needs no Redis (issue 13). Every node
 * reads the durable log itself, in id order; LISTEN/NOTIFY only wakes it:
 *
 * - Events: each commit that appended events sends `NOTIFY <channel>, '<highest id>'` in the
 *   same transaction (PgEventLog), so the wake-up is delivered exactly when the events are
 *   visible. A node's LISTEN connection hears it and reads `id > delivered` from the log; the
 *   log's append lock makes ids visible in id order, so that position never passes over an event
 *   that commits later. A notification whose id is already delivered costs nothing.
 * - The LISTEN connection is one dedicated client. When it drops (server restart,
 *   pg_terminate_backend, network) the node reconnects with backoff, LISTENs again, then reads
 *   the log from where it was: notifications missed meanwhile lose nothing. A slow poll covers
 *   whatever else (default every 5 s).
 * - `publish` (this node's own committed events, from its dispatcher) delivers at once when the
 *   event is the next id, else reads the log: local order is always id order.
 * - Notices (rights changes, chat typing/presence) travel in the notification itself on
 *   `<channel>_notices` as `sender \n json`: small, ephemeral, like on Redis; after a reconnect
 *   the local handlers get `principals-stale`.
 * - Requests to one node (`ask`) go on `<channel>_node_<nodeId>` as `q \n from \n reqId \n json`
 *   and answers come back on the asker's as `a \n …`. NOTIFY does not say whether anyone
 *   listens, so the request is sent only if a session named `ocbus:<nodeId>` (the target's LISTEN
 *   connection) exists in this database: a node that is gone fails at once, as on Redis.
 */
export class PgBus implements EventBus {
  readonly kind = 'postgres' as const;
  readonly nodeId = randomBytes(4).toString('hex');
  private readonly sender = randomBytes(6).toString('hex');
  private readonly local: BusHandlers;
  private readonly eventsChannel: string;
  private readonly noticeChannel: string;
  private readonly nodeChannel: string;
  private readonly notifyStmt: Statement<{ channel: string; payload: string }>;
  private readonly askStmt: Statement<{ channel: string; payload: string; app: string }>;
  private listener: pg.Client | null = null;
  private listening = false;
  private everListened = false;
  private closed = false;
  private reconnects = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /** Highest event id handed to the handlers: delivery resumes after it. */
  private delivered = -1;
  private pulling = false;
  private pullAgain = false;
  private readonly calls: NodeCalls;
  /** For tests and metrics: LISTEN connections made, the first included. */
  connections = 0;

  private constructor(private readonly opts: PgBusOptions) {
    this.eventsChannel = opts.log.channel ?? DEFAULT_EVENTS_CHANNEL;
    this.noticeChannel = `${this.eventsChannel}_notices`;
    this.nodeChannel = this.channelOf(this.nodeId);
    this.notifyStmt = opts.sql.prepare('SELECT pg_notify(@channel, @payload)');
    this.askStmt = opts.sql.prepare(
      'SELECT pg_notify(@channel, @payload) FROM pg_stat_activity WHERE application_name = @app AND datname = current_database() LIMIT 1',
    );
    if (opts.from !== undefined) this.delivered = opts.from;
    this.calls = new NodeCalls(this.nodeId, opts.logger, 'postgres');
    this.local = new BusHandlers(opts.logger);
  }

  static async connect(opts: PgBusOptions): Promise<PgBus> {
    const bus = new PgBus(opts);
    const first = bus.listen();
    const ok = await Promise.race([first, new Promise<false>((r) => setTimeout(r, opts.connectTimeoutMs ?? 3000, false).unref())]);
    if (ok) opts.logger.info({ channel: bus.eventsChannel, nodeId: bus.nodeId }, 'postgres event bus listening');
    else opts.logger.warn({ channel: bus.eventsChannel }, 'postgres event bus not listening yet; starting anyway and retrying');
    const pollMs = opts.pollMs ?? 5000;
    if (pollMs > 0) {
      bus.pollTimer = setInterval(() => bus.pull(), pollMs);
      bus.pollTimer.unref();
    }
    return bus;
  }

  private channelOf(nodeId: string): string {
    return `${this.eventsChannel}_node_${nodeId}`;
  }

  private appName(nodeId: string): string {
    return `ocbus:${nodeId}`;
  }

  /** Opens the LISTEN connection; on success catches up from the log. Never rejects. */
  private async listen(): Promise<boolean> {
    if (this.closed) return false;
    const client = new pg.Client({ connectionString: this.opts.url, application_name: this.appName(this.nodeId), keepAlive: true });
    this.listener = client;
    let failed = false;
    const lost = (err?: Error) => {
      if (failed) return;
      failed = true;
      this.listening = false;
      if (this.closed) return;
      this.opts.logger.warn({ err: err?.message }, 'postgres event bus lost its LISTEN connection; reconnecting, then catching up from the log');
      client.removeAllListeners('notification');
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => this.receive(n.channel, n.payload ?? ''));
    try {
      await client.connect();
      const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
      await client.query(`LISTEN ${q(this.eventsChannel)}; LISTEN ${q(this.noticeChannel)}; LISTEN ${q(this.nodeChannel)}`);
    } catch (err) {
      lost(err as Error);
      return false;
    }
    if (failed || this.closed) return false;
    this.connections++;
    this.reconnects = 0;
    this.listening = true;
    // Listening from here on: any commit after this point also wakes us, so reading now misses nothing.
    if (this.delivered < 0) {
      try {
        this.delivered = await this.opts.log.highestId();
      } catch (err) {
        this.opts.logger.warn({ err }, 'postgres event bus could not read the log head; will retry');
        lost(err as Error);
        return false;
      }
    }
    // A reconnect: notices and wake-ups sent meanwhile are lost; re-check rights, read the log.
    if (this.everListened) this.local.dispatchNotice({ kind: 'principals-stale' });
    this.everListened = true;
    this.pull();
    return true;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const base = this.opts.reconnectMs ?? 100;
    const delay = Math.min(base * ++this.reconnects, base * 20);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.listen();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Reads the log after `delivered` and hands each event out in order; one pass at a time. */
  private pull(): void {
    if (this.closed || this.delivered < 0) return;
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = true;
    this.track(async () => {
      try {
        do {
          this.pullAgain = false;
          for (;;) {
            const batch = await this.opts.log.after(this.delivered, BATCH);
            for (const event of batch) {
              if (this.closed) return;
              if (event.id <= this.delivered) continue;
              this.delivered = event.id;
              this.local.dispatch(event);
            }
            if (batch.length < BATCH) break;
          }
        } while (this.pullAgain && !this.closed);
      } catch (err) {
        this.opts.logger.warn({ err }, 'postgres event bus could not read the log; the next wake-up or poll retries');
      } finally {
        this.pulling = false;
      }
    });
  }

  /** Work on the pool still running: close() waits for it, so no statement outlives the bus. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private track<T>(work: () => Promise<T>): Promise<T> {
    const p = work().finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
    return p;
  }

  private receive(channel: string, payload: string): void {
    if (this.closed) return;
    if (channel === this.eventsChannel) {
      const id = Number(payload);
      // An id already delivered (this node's own, through publish) needs no read.
      if (!(Number.isSafeInteger(id) && id <= this.delivered)) this.pull();
    } else if (channel === this.noticeChannel) this.receiveNotice(payload);
    else if (channel === this.nodeChannel) this.track(() => this.receiveNodeMessage(payload));
  }

  async publish(event: BusEvent): Promise<void> {
    if (this.closed || this.delivered < 0 || event.id <= this.delivered) return;
    // The next id: nothing can commit between (the log's append lock), so deliver it now. A pull
    // in flight skips it (it only hands out ids above `delivered`, and never yields mid-batch).
    if (event.id === this.delivered + 1) {
      this.delivered = event.id;
      this.local.dispatch(event);
      return;
    }
    this.pull();
  }

  /** This node committed events: read them now rather than wait for its own notification's round trip. */
  wake(): void {
    this.pull();
  }

  subscribe(handler: BusHandler): () => void {
    return this.local.subscribe(handler);
  }

  notify(notice: BusNotice): void {
    if (this.closed) return;
    this.local.dispatchNotice(notice);
    this.track(() => this.send(this.noticeChannel, noticeText(this.sender, notice), 'notice'));
  }

  onNotice(handler: NoticeHandler): () => void {
    return this.local.onNotice(handler);
  }

  ask(nodeId: string, request: NodeRequest, timeoutMs: number): Promise<NodeAnswer | null> {
    if (nodeId !== this.nodeId && this.closed) return Promise.resolve(null);
    return this.calls.ask(nodeId, request, timeoutMs, (payload) => {
      if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) return Promise.resolve(false);
      // No row: no such node listening.
      return this.track(() =>
        this.askStmt.all({ channel: this.channelOf(nodeId), payload, app: this.appName(nodeId) }).then(
          (rows) => rows.length > 0,
          () => false,
        ),
      );
    });
  }

  onAsk(handler: NodeRequestHandler): () => void {
    return this.calls.onAsk(handler);
  }

  healthy(): boolean {
    return !this.closed && this.listening;
  }

  /** For tests and /health: the highest event id this node has delivered. */
  deliveredId(): number {
    return this.delivered;
  }

  /** The LISTEN connection's backend pid (tests end it with pg_terminate_backend). */
  listenerPid(): number | null {
    const pid = (this.listener as (pg.Client & { processID?: number }) | null)?.processID;
    return this.listening && typeof pid === 'number' ? pid : null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    this.local.clear();
    this.calls.close();
    this.listening = false;
    await this.listener?.end().catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
  }

  private async send(channel: string, payload: string, what: string): Promise<void> {
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      this.opts.logger.warn({ bytes: Buffer.byteLength(payload), what }, 'postgres bus message too large for NOTIFY; not sent to other nodes');
      return;
    }
    try {
      await this.notifyStmt.run({ channel, payload });
    } catch (err) {
      this.opts.logger.warn({ err, what }, 'postgres bus message not sent');
    }
  }

  private receiveNotice(text: string): void {
    const notice = readNotice(text, this.sender, this.opts.logger, 'postgres');
    if (notice && notice !== 'own') this.local.dispatchNotice(notice);
  }

  /** A request for this node, or an answer to one of its own. */
  private async receiveNodeMessage(text: string): Promise<void> {
    const reply = await this.calls.receive(text, MAX_PAYLOAD_BYTES);
    if (reply) await this.send(this.channelOf(reply.to), reply.payload, 'answer');
  }
}
