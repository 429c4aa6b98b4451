import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { BusHandlers } from '../../src/events/bus-handlers';
import type { BusEvent, BusNotice } from '../../src/events/types';

const event: BusEvent = { id: 7, type: 'new-order', rooms: ['admin-orders'], json: '{}' };
const notice: BusNotice = { kind: 'principal-changed', userId: 3 };

function logged(): { logger: pino.Logger; lines: { msg: string; eventId?: number; notice?: BusNotice }[] } {
  const lines: { msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'error' }, stream), lines };
}

describe('BusHandlers: the handlers of every bus', () => {
  it('hands events and notices to each handler in subscription order, until it unsubscribes or the bus clears', () => {
    const local = new BusHandlers();
    const seen: string[] = [];
    const offA = local.subscribe((e) => seen.push(`a${e.id}`));
    local.subscribe((e) => seen.push(`b${e.id}`));
    local.onNotice((n) => seen.push(`n:${n.kind}`));
    local.dispatch(event);
    local.dispatchNotice(notice);
    offA();
    local.dispatch(event);
    local.clear();
    local.dispatch(event);
    local.dispatchNotice(notice);
    expect(seen).toEqual(['a7', 'b7', 'n:principal-changed', 'b7']);
  });

  it('with a logger (buses between processes): a handler that throws is logged and the others still get the message', async () => {
    const { logger, lines } = logged();
    const local = new BusHandlers(logger);
    const seen: string[] = [];
    local.subscribe(() => {
      throw new Error('broken handler');
    });
    local.subscribe((e) => seen.push(`event ${e.id}`));
    local.onNotice(() => {
      throw new Error('broken notice handler');
    });
    local.onNotice((n) => seen.push(`notice ${n.kind}`));
    local.dispatch(event);
    local.dispatchNotice(notice);
    expect(seen).toEqual(['event 7', 'notice principal-changed']);
    await new Promise((r) => setImmediate(r));
    expect(lines).toMatchObject([
      { msg: 'event bus handler failed', eventId: 7 },
      { msg: 'event bus notice handler failed', notice },
    ]);
  });

  it('without one (the in-process bus): the error reaches the caller, as a direct call', () => {
    const local = new BusHandlers();
    local.subscribe(() => {
      throw new Error('broken handler');
    });
    expect(() => local.dispatch(event)).toThrow('broken handler');
  });
});
