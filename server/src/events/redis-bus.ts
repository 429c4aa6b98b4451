import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { EventType } from '@ordercast/shared';
import { logRedisProblems, whenReady } from '../lib/redis';
import { BusHandlers } from './bus-handlers';
import { NodeCalls, noticeText, readNotice } from './node-calls';
import { type BusEvent, type BusHandler, type NodeAnswer, type NodeRequest, type BusNotice, type EventBus, type NodeRequestHandler, type NoticeHandler } from './types';


/** Channel used when neither the caller nor REDIS_CHANNEL names one. */
export const DEFAULT_REDIS_CHANNEL = 'ordercast:events';

export interface RedisBusOptions {
  /** Pub/sub channel; processes serving one database must share it (REDIS_CHANNEL). */
  channel?: string;
}

/**
 * The event bus across processes: every process publishes the events its dispatcher claimed on
 * one Redis channel and delivers what arrives there to its own clients.
 *
 * - Local handlers get the process's own events at once, without the round trip; the copy that
 *   comes back from Redis is recognised by the sender id and dropped.
 * - Publishing never waits for Redis: with the connection down it is skipped (no offline
 *   queue), and the event, durable in the shared log, reaches the other processes' clients
 *   through their hubs' catch-up and gap-fill, and every client's resume. healthy() is false
 *   meanwhile. Redis being down at start does not stop the server either.
 * - Messages are framed as `sender \n id \n type \n rooms \n appendedAt \n json`: the wire JSON is
 *   carried as is, never parsed or re-serialised (appendedAt, epoch ms or empty, feeds the latency histograms).
 * - Notices (a user's rights changed) go on a second channel, `<channel>:notices`, as
 *   `sender \n json`. They are not durable: when the subscriber reconnects after an outage the
 *   local handlers get `principals-stale`, so what was missed meanwhile is re-checked.
 * - Requests to one process (`ask`: an SSE stream's REST calls that reached another process) go on
 *   that process's own channel, `<channel>:node:<nodeId>`, as `q \n from \n reqId \n json`; the
 *   answer comes back on the asker's channel as `a \n from \n reqId \n json`. PUBLISH says how
 *   many subscribers got the message, so a request to a process that is gone fails at once.
 */
export class RedisBus implements EventBus {
  readonly kind = 'redis' as const;
  private readonly local: BusHandlers;
  private readonly sender = randomBytes(6).toString('hex');
  private closed = false;
  private readonly noticeChannel: string;
  readonly nodeId = randomBytes(4).toString('hex');
  private readonly nodeChannel: string;
  private readonly calls: NodeCalls;

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly channel: string,
    private readonly logger: FastifyBaseLogger,
  ) {
    this.noticeChannel = `${channel}:notices`;
    this.nodeChannel = this.channelOf(this.nodeId);
    this.calls = new NodeCalls(this.nodeId, logger, 'redis');
    this.local = new BusHandlers(logger);
  }

  private channelOf(nodeId: string): string {
    return `${this.channel}:node:${nodeId}`;
  }

  static async connect(url: string, logger: FastifyBaseLogger, opts: RedisBusOptions = {}): Promise<EventBus> {
    const channel = opts.channel ?? process.env.REDIS_CHANNEL ?? DEFAULT_REDIS_CHANNEL;
    const common = {
      // Reconnect forever, backing off to 2 s: the system keeps taking orders meanwhile.
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
      connectionName: 'ordercast-events',
    };
    const pub = new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const sub = new Redis(url, { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null });
    const bus = new RedisBus(pub, sub, channel, logger);
    logRedisProblems(logger, 'redis event bus connection problem; events still reach clients from the log', { publisher: pub, subscriber: sub });
    sub.on('messageBuffer', (from: Buffer, message: Buffer) => {
      const on = from.toString();
      if (on === bus.noticeChannel) bus.receiveNotice(message);
      else if (on === bus.nodeChannel) bus.receiveNodeMessage(message);
      else bus.receive(message);
    });
    let readyBefore = false;
    sub.on('ready', () => {
      // A reconnect: notices sent while the subscriber was away are lost, so re-check everything.
      if (readyBefore) bus.local.dispatchNotice({ kind: 'principals-stale' });
      readyBefore = true;
    });
    // Queued until the subscriber is connected; ioredis re-subscribes after every reconnect.
    const subscribed = sub.subscribe(channel, bus.noticeChannel, bus.nodeChannel).then(
      () => true,
      (err: Error) => {
        logger.error({ err: err.message }, 'redis event bus could not subscribe');
        return false;
      },
    );
    // Wait a little for Redis, but never refuse to start over it: while it is down, healthy() is
    // false and every process's realtime hub picks events up from the shared log instead.
    // Both connections: healthy() (and so /health) needs the publisher ready too, and on a loaded
    // machine it can come after the subscriber.
    const both = Promise.all([subscribed, whenReady(pub)]).then(([s]) => s);
    const ok = await Promise.race([both, new Promise<false>((r) => setTimeout(r, 3000, false).unref())]);
    if (ok) logger.info({ channel }, 'redis event bus connected');
    else logger.warn({ channel }, 'redis event bus not connected yet; starting anyway and retrying');
    return bus;
  }

  async publish(event: BusEvent): Promise<void> {
    if (this.closed) return;
    // Own clients first: they do not wait for Redis, nor miss the event while it is down.
    this.local.dispatch(event);
    // Down: the other processes' hubs read it from the log (catch-up); no error per event.
    if (this.pub.status !== 'ready') return;
    const frame = `${this.sender}\n${event.id}\n${event.type}\n${event.rooms.join(',')}\n${event.appendedAt ?? ''}\n${event.json}`;
    await this.pub.publish(this.channel, frame);
  }

  subscribe(handler: BusHandler): () => void {
    return this.local.subscribe(handler);
  }

  notify(notice: BusNotice): void {
    if (this.closed) return;
    this.local.dispatchNotice(notice);
    if (this.pub.status !== 'ready') return;
    this.pub.publish(this.noticeChannel, noticeText(this.sender, notice)).catch((err: unknown) => {
      this.logger.warn({ err }, 'redis notice not published');
    });
  }

  onNotice(handler: NoticeHandler): () => void {
    return this.local.onNotice(handler);
  }

  ask(nodeId: string, request: NodeRequest, timeoutMs: number): Promise<NodeAnswer | null> {
    if (nodeId !== this.nodeId && (this.closed || this.pub.status !== 'ready')) return Promise.resolve(null);
    return this.calls.ask(nodeId, request, timeoutMs, async (payload) => (await this.pub.publish(this.channelOf(nodeId), payload)) > 0);
  }

  onAsk(handler: NodeRequestHandler): () => void {
    return this.calls.onAsk(handler);
  }

  healthy(): boolean {
    return !this.closed && this.pub.status === 'ready' && this.sub.status === 'ready';
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local.clear();
    this.calls.close();
    // QUIT only on a live connection, and not for long: on one that never connected it waits in the
    // offline queue forever, and a node shutting down during a Redis outage would hang.
    const quit = (r: Redis) => (r.status === 'ready' ? Promise.race([r.quit(), new Promise((ok) => setTimeout(ok, 1000).unref())]) : undefined);
    await Promise.allSettled([quit(this.pub), quit(this.sub)]);
    this.pub.disconnect();
    this.sub.disconnect();
  }

  private receive(message: Buffer): void {
    if (this.closed) return;
    const text = message.toString();
    const a = text.indexOf('\n');
    const b = text.indexOf('\n', a + 1);
    const c = text.indexOf('\n', b + 1);
    const d = text.indexOf('\n', c + 1);
    const e = text.indexOf('\n', d + 1);
    if (a < 0 || b < 0 || c < 0 || d < 0 || e < 0) {
      this.logger.warn('malformed message on the redis event channel; ignored');
      return;
    }
    if (text.slice(0, a) === this.sender) return;
    const id = Number(text.slice(a + 1, b));
    if (!Number.isSafeInteger(id) || id <= 0) return;
    const rooms = d > c + 1 ? text.slice(c + 1, d).split(',') : [];
    const event: BusEvent = { id, type: text.slice(b + 1, c) as EventType, rooms, json: text.slice(e + 1) };
    const appendedAt = Number(text.slice(d + 1, e));
    if (e > d + 1 && Number.isFinite(appendedAt)) event.appendedAt = appendedAt;
    this.local.dispatch(event);
  }

  /** A request for this process, or an answer to one of its own. */
  private receiveNodeMessage(message: Buffer): void {
    if (this.closed) return;
    void this.calls.receive(message.toString()).then((reply) => {
      if (!reply || this.pub.status !== 'ready') return; // the asker times out
      this.pub.publish(this.channelOf(reply.to), reply.payload).catch((err: unknown) => {
        this.logger.warn({ err }, 'redis node answer not published');
      });
    });
  }

  private receiveNotice(message: Buffer): void {
    if (this.closed) return;
    const notice = readNotice(message.toString(), this.sender, this.logger, 'redis');
    if (notice && notice !== 'own') this.local.dispatchNotice(notice);
  }
}
