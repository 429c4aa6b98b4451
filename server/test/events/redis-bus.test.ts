import net from 'node:net';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RedisBus } from '../../src/events/redis-bus';
import { requireService, TEST_REDIS_URL } from '../helpers/services';

const quiet = pino({ level: 'silent' });

/**
 * A TCP proxy to Redis that holds back by `delayMs` what Redis says on the first connection made
 * through it (RedisBus opens its publisher first), as a loaded machine does at random.
 */
async function slowFirstConnection(delayMs: number) {
  const target = new URL(TEST_REDIS_URL);
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let firstSaid = '';
  const server = net.createServer((client) => {
    const index = accepted++;
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => {
      if (index === 0) firstSaid += d.toString();
      upstream.write(d);
    });
    upstream.on('data', (d) => (index === 0 ? setTimeout(() => client.write(d), delayMs) : client.write(d)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    firstWasSubscriber: () => /subscribe/i.test(firstSaid),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('RedisBus.connect', await requireService('redis'), () => {
  it('with Redis up, reports healthy as soon as it resolves: the publisher is waited for, not only the subscriber', async () => {
    // /health reads healthy() right after start: a publisher still connecting made a node that had
    // just started on a loaded machine report the bus down.
    const proxy = await slowFirstConnection(800);
    const bus = await RedisBus.connect(proxy.url, quiet, { channel: `oc-test-connect-${process.pid}` });
    try {
      expect(proxy.firstWasSubscriber()).toBe(false);
      expect(bus.healthy()).toBe(true);
    } finally {
      await bus.close();
      await proxy.close();
    }
  });
});

describe('RedisBus.close', () => {
  it('returns at once when Redis never answered (a node shutting down during a Redis outage does not hang)', { timeout: 15_000 }, async () => {
    // A port nothing listens on: connect gives up waiting after its 3 s and returns a bus that keeps retrying.
    const bus = await RedisBus.connect('redis://127.0.0.1:9', quiet, { channel: `oc-test-close-${process.pid}` });
    expect(bus.healthy()).toBe(false);
    const started = Date.now();
    await bus.close();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
