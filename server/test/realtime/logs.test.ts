import { describe, expect, it } from 'vitest';
import { signInCustomer, useLoggedApp } from '../helpers/app';
import { TestClient, listen, sleep } from './helpers';

describe('realtime logs', () => {
  const t = useLoggedApp('debug');

  it('never print WebSocket tokens or tickets, accepted, refused or misrouted', async () => {
    const url = await listen(t.app);
    const { token } = await signInCustomer(t.app);
    const tampered = `${token.slice(0, -4)}AAAA`;
    const ticketRes = await t.app.inject({ method: 'POST', url: '/api/realtime/ticket', headers: { authorization: `Bearer ${token}` } });
    const { ticket } = ticketRes.json();
    const ok = await TestClient.ready(`${url.ws}/ws?token=${token}`);
    const byTicket = await TestClient.ready(`${url.ws}/?ticket=${ticket}`);
    const refused = TestClient.connect(`${url.ws}/ws?token=${tampered}`);
    await refused.waitClose();
    const reused = TestClient.connect(`${url.ws}/ws?ticket=${ticket}`);
    await reused.waitClose();
    // An upgrade to a route that is not a WebSocket endpoint is refused without logging its URL.
    const misrouted = TestClient.connect(`${url.ws}/health?token=${token}`);
    await misrouted.waitClose();
    expect(misrouted.opened).toBe(false);
    ok.send({ type: 'ping', pad: 'x'.repeat(20_000) }); // 1009, logged at debug
    await ok.waitClose();
    byTicket.close();
    await sleep(100);
    const all = t.lines.join('');
    expect(all).toContain('[redacted]');
    for (const secret of [token, token.split('.')[2]!, tampered.split('.')[2]!, ticket, ticket.split('.')[0]]) {
      expect(all).not.toContain(secret);
    }
  });
});
