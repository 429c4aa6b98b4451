import { describe, expect, it } from 'vitest';
import { sign } from '../../src/pos/signature';
import { useServedApp } from '../helpers/app';
import { SECRET, sendWebhook, sleep, waitFor } from './helpers';

/**
 * Issue 11 item 7: whatever the POS does, the server's webhook route sheds load (503 with
 * Retry-After; the POS re-sends) before the process falls over, and only that route: customers
 * and staff are still served.
 */
describe('POST /api/pos/webhook under pressure', () => {
  const t = useServedApp({ POS_WEBHOOK_SECRET: SECRET, POS_WEBHOOK_MAX_EVENT_LOOP_DELAY_MS: '100' });

  const step = { eventId: 'x:cooking', posOrderId: 'P-1', externalId: 999_999, status: 'cooking' as const, timestamp: new Date().toISOString() };
  const block = (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      /* a blocked event loop, as a flood of work would cause */
    }
  };

  it('answers 503 with Retry-After while the event loop lags, and only on the webhook', async () => {
    await waitFor(async () => (await sendWebhook(t.url.http, step)).status === 200, 'a calm server answers the webhook');
    // Lag the loop across a whole sampling interval (one second) so the sample sees it.
    for (let i = 0; i < 12; i++) {
      block(250);
      await sleep(1);
    }
    const raw = JSON.stringify(step);
    const res = await fetch(`${t.url.http}/api/pos/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-pos-signature': sign(raw, SECRET) }, body: raw });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ error: 'overloaded' });
    // Other routes are not shed.
    expect((await fetch(`${t.url.http}/api/cities`)).status).toBe(200);
    // Calm again: served again.
    await waitFor(async () => (await sendWebhook(t.url.http, step)).status === 200, 'the webhook served again', 8_000, 200);
  }, 20_000);
});
