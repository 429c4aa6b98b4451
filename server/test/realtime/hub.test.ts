import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../src/events/types';
import { Conn, type PreparedEvent } from '../../src/realtime/conn';
import { Hub } from '../../src/realtime/hub';
import { RealtimeMetrics } from '../../src/realtime/metrics';
import { useTestApp } from '../helpers/app';

/** A connection that only records what it is sent. */
class RecordingConn extends Conn {
  readonly got: number[] = [];
  get transport() {
    return 'ws' as const;
  }
  sendLive(ev: PreparedEvent): void {
    this.got.push(ev.ev.id);
  }
  sendReplay(evs: readonly BusEvent[]): void {
    for (const e of evs) this.got.push(e.id);
  }
  sendControl(): void {}
  buffered(): number {
    return 0;
  }
  closeSlow(): void {}
  revoke(): void {}
}

/** Issue 11 item 6: room membership is O(1) per join and leave, however many rooms a connection holds. */
describe('hub membership', () => {
  const t = useTestApp();

  it('100,000 joins and leaves on one connection stay fast (a scan per join would take seconds)', async () => {
    const hub = new Hub(t.app.events.log, 1 << 20, new RealtimeMetrics(), t.app.log);
    const conn = new RecordingConn(1, { userId: 1, role: 'admin', cityIds: [], cityId: null, tokenVersion: 0 }, Infinity);
    hub.add(conn, ['admin-orders']);
    const start = performance.now();
    for (let i = 1; i <= 100_000; i++) hub.join(conn, `user-${i}`);
    for (let i = 1; i <= 100_000; i += 2) hub.leave(conn, `user-${i}`);
    const ms = performance.now() - start;
    expect(conn.rooms.size).toBe(50_001);
    expect(hub.rooms.size).toBe(50_001);
    expect(ms).toBeLessThan(2000);
    // Delivery still goes by room.
    hub.onBusEvent({ id: hub.lastId + 1, type: 'sync-success', rooms: ['user-2'], json: '{}' });
    hub.onBusEvent({ id: hub.lastId + 1, type: 'sync-success', rooms: ['user-3'], json: '{}' });
    expect(conn.got).toHaveLength(1);
    hub.remove(conn);
    expect(hub.rooms.size).toBe(0);
    expect(hub.connectionsOf(1).size).toBe(0);
  });
});
