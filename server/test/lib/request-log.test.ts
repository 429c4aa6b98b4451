import { describe, expect, it } from 'vitest';
import { useLoggedApp } from '../helpers/app';

describe('logs', () => {
  const logged = useLoggedApp();

  it('never contain tokens or tickets from URLs, even on failed requests', async () => {
    const jwt = logged.app.jwt.sign({ sub: '1', role: 'admin' });
    await logged.app.inject({ url: `/health?token=${jwt}` });
    // A tampered token is refused at once (and is what an error log would be tempted to print).
    const tampered = `${jwt.slice(0, -4)}AAAA`;
    await logged.app.inject({ url: `/sse?token=${tampered}&lastEventId=3` });
    await logged.app.inject({ url: `/ws/stats?token=${jwt}` });
    await logged.app.inject({ url: '/sse?ticket=SECRETTICKET123' });
    await logged.app.inject({ url: `/nope?access_token=${jwt}` });
    const all = logged.lines.join('');
    expect(all).toContain('[redacted]');
    expect(all).not.toContain(jwt);
    expect(all).not.toContain(jwt.split('.')[2]!);
    expect(all).not.toContain('SECRETTICKET123');
    expect(all).not.toContain(tampered.split('.')[1]!);
  });
});
