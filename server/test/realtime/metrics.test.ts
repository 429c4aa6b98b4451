import { describe, expect, it } from 'vitest';
import { useServedApp, signInCustomer, signInStaff } from '../helpers/app';
import { TestClient, createOrder } from './helpers';

/** Issue 12 §3: /metrics through prom-client: process metrics, the realtime counters, latency histograms. */
describe('/metrics (prom-client)', () => {
  const t = useServedApp();

  const scrape = async () => {
    const res = await t.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };
  const sample = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

  it('has default process metrics and the realtime counters', async () => {
    const text = await scrape();
    expect(text).toMatch(/^ordercast_process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^ordercast_process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^ordercast_nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^# TYPE ordercast_realtime_events_delivered_total counter$/m);
    expect(text).toMatch(/^ordercast_realtime_bus_up 1$/m);
  });

  it('observes request → publish and delivery latency for each live event', async () => {
    const manager = (await signInStaff(t.app, 'manager1')).token;
    const c = await TestClient.ready(`${t.url.ws}/ws?token=${manager}`);
    try {
      const before = await scrape();
      const published0 = sample(before, 'ordercast_event_publish_latency_seconds_count');
      const delivered0 = sample(before, 'ordercast_realtime_events_delivered_total');
      const cust = await signInCustomer(t.app);
      const o = await createOrder(t.app, cust.token, 1);
      await c.waitFor((m) => m.type === 'new-order' && m.data.id === o.id);
      const after = await scrape();
      expect(sample(after, 'ordercast_event_publish_latency_seconds_count')).toBeGreaterThanOrEqual(published0 + 2);
      expect(sample(after, 'ordercast_event_delivery_latency_seconds_count')).toBeGreaterThanOrEqual(2);
      expect(after).toMatch(/^ordercast_event_delivery_latency_seconds_bucket\{le="\+Inf"\} \d+$/m);
      expect(sample(after, 'ordercast_realtime_events_delivered_total')).toBeGreaterThan(delivered0);
    } finally {
      c.close();
    }
  });
});
