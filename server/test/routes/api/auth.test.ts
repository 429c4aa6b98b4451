import { describe, expect, it } from 'vitest';
import { demoInitData, signInitData, verifyInitData } from '../../../src/auth/telegram';
import { hashPassword, verifyPassword } from '../../../src/auth/password';
import Database from 'better-sqlite3';
import pg from 'pg';
import { redactUrl } from '../../../src/lib/redact';
import { TEST_BOT_TOKEN, bearer, useTestApp, signInCustomer, signInStaff } from '../../helpers/app';

const tgUser = { id: 4242, first_name: 'Ivan', last_name: 'Petrov', username: 'ivanp', language_code: 'ru' };

describe('Telegram initData check (unit)', () => {
  it('accepts what Telegram signs and refuses any change to it', async () => {
    const data = demoInitData(tgUser, TEST_BOT_TOKEN);
    expect(verifyInitData(data, TEST_BOT_TOKEN, 60)).toMatchObject({ ok: true, user: { id: 4242 } });
    const tampered = data.replace('Ivan', 'Ivam');
    expect(verifyInitData(tampered, TEST_BOT_TOKEN, 60)).toMatchObject({ ok: false, reason: expect.stringMatching(/signature/) });
    expect(verifyInitData(data, '999:other-bot-token-xxxx', 60).ok).toBe(false);
  });

  it('refuses expired, future-dated, unsigned and malformed data', async () => {
    const old = demoInitData(tgUser, TEST_BOT_TOKEN, Math.floor(Date.now() / 1000) - 3600);
    expect(verifyInitData(old, TEST_BOT_TOKEN, 60)).toMatchObject({ ok: false, reason: expect.stringMatching(/expired/) });
    const future = demoInitData(tgUser, TEST_BOT_TOKEN, Math.floor(Date.now() / 1000) + 3600);
    expect(verifyInitData(future, TEST_BOT_TOKEN, 60).ok).toBe(false);
    expect(verifyInitData('user=%7B%7D&auth_date=1', TEST_BOT_TOKEN, 60)).toMatchObject({ ok: false, reason: expect.stringMatching(/hash/) });
    const noUser = signInitData({ auth_date: String(Math.floor(Date.now() / 1000)) }, TEST_BOT_TOKEN);
    expect(verifyInitData(noUser, TEST_BOT_TOKEN, 60)).toMatchObject({ ok: false, reason: expect.stringMatching(/user/) });
    const badUser = signInitData({ auth_date: String(Math.floor(Date.now() / 1000)), user: '{"id":"x"}' }, TEST_BOT_TOKEN);
    expect(verifyInitData(badUser, TEST_BOT_TOKEN, 60).ok).toBe(false);
  });

  it('checks a known vector computed independently of the signer', async () => {
    // data_check_string and key derivation spelled out, so signer and verifier cannot share a bug.
    const { createHmac } = await import('node:crypto');
    const authDate = Math.floor(Date.now() / 1000);
    const dcs = `auth_date=${authDate}\nquery_id=Q1\nuser={"id":7,"first_name":"A"}`;
    const secret = createHmac('sha256', 'WebAppData').update(TEST_BOT_TOKEN).digest();
    const hash = createHmac('sha256', secret).update(dcs).digest('hex');
    const initData = new URLSearchParams({ query_id: 'Q1', user: '{"id":7,"first_name":"A"}', auth_date: String(authDate), hash }).toString();
    expect(verifyInitData(initData, TEST_BOT_TOKEN, 60)).toMatchObject({ ok: true, user: { id: 7 } });
  });
});

describe('passwords', () => {
  it('scrypt hashes verify and are salted', async () => {
    const a = await hashPassword('secret-1');
    const b = await hashPassword('secret-1');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('secret-1', a)).toBe(true);
    expect(await verifyPassword('secret-2', a)).toBe(false);
    expect(await verifyPassword('secret-1', null)).toBe(false);
    expect(await verifyPassword('secret-1', 'garbage')).toBe(false);
  });
});

describe('sign-in endpoints', () => {
  const t = useTestApp({ LOGIN_RATE_LIMIT: '3', INITDATA_MAX_AGE_S: '600' });

  it('creates the customer on first Telegram sign-in and updates it later, returning a working JWT', async () => {
    const first = await signInCustomer(t.app, { id: 777001, first_name: 'Olga', language_code: 'ru', username: 'olga' });
    expect(first.user).toMatchObject({ role: 'customer', telegram_id: 777001, name: 'Olga', language: 'ru', username: 'olga', bonus_balance: 0 });
    const again = await signInCustomer(t.app, { id: 777001, first_name: 'Olga', last_name: 'K', language_code: 'ru' });
    expect(again.user.id).toBe(first.user.id);
    expect(again.user.name).toBe('Olga K');
    const me = await t.app.inject({ url: '/api/me', headers: bearer(again.token) });
    expect(me.statusCode).toBe(200);
    expect(me.json().id).toBe(first.user.id);
  });

  it.each([
    ['tampered', () => demoInitData(tgUser, TEST_BOT_TOKEN).replace('Petrov', 'Sidorov'), /signature/],
    ['expired', () => demoInitData(tgUser, TEST_BOT_TOKEN, Math.floor(Date.now() / 1000) - 601), /expired/],
    ['signed by another bot', () => demoInitData(tgUser, '42:another-bot-token-zzz'), /signature/],
    ['malformed', () => 'not-init-data', /hash/],
  ])('refuses %s initData with 401 and a clear message', async (_name, make, msg) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/telegram', payload: { initData: make() } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_init_data', message: expect.stringMatching(msg) });
  });

  it('refuses missing initData with 400', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/telegram', payload: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('validation_failed');
  });

  it('signs staff in with role and cities', async () => {
    const { token, user } = await signInStaff(t.app, 'manager1');
    expect(user).toMatchObject({ role: 'manager', username: 'manager1', city_ids: [1] });
    const admin = await signInStaff(t.app, 'admin');
    expect(admin.user.city_ids).toEqual([1, 2, 3]);
    expect((await t.app.inject({ url: '/api/me', headers: bearer(token) })).statusCode).toBe(200);
  });

  it('refuses a wrong password or unknown user with the same 401, then rate-limits', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'manager2', password: 'nope' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual({ error: 'invalid_credentials', message: 'Wrong username or password' });
    const ghost = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'ghost', password: 'nope' } });
    expect(ghost.json()).toEqual(bad.json());
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push((await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'manager2', password: 'nope' } })).statusCode);
    }
    expect(codes.slice(0, 2)).toEqual([401, 401]);
    expect(codes.at(-1)).toBe(429);
    const limited = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'manager2', password: 'demo1234' } });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/try again/) });
    // Another account from the same address is not locked out by it.
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'ceo', password: 'demo1234' } })).statusCode).toBe(200);
  });

  /** A new manager, signed in and seen by /api/me once. */
  const tempManager = async (username: string) => {
    const admin = (await signInStaff(t.app, 'admin')).token;
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/admin/staff',
      headers: bearer(admin),
      payload: { username, password: 'password123', name: 'Temp', role: 'manager', cityIds: [3] },
    });
    expect(created.statusCode).toBe(201);
    const temp = await signInStaff(t.app, username, 'password123');
    expect((await t.app.inject({ url: '/api/me', headers: bearer(temp.token) })).statusCode).toBe(200);
    return { admin, id: created.json().id as number, temp };
  };

  it('refuses missing, invalid and expired tokens, and tokens of disabled accounts', async () => {
    const me = (headers: Record<string, string> = {}) => t.app.inject({ url: '/api/me', headers });
    expect((await me()).json()).toMatchObject({ error: 'unauthorized' });
    expect((await me({ authorization: 'Bearer ' })).json()).toMatchObject({ error: 'unauthorized' });
    expect((await me({ authorization: 'Basic abc' })).json()).toMatchObject({ error: 'unauthorized' });
    const bad = await me(bearer('abc.def.ghi'));
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toMatchObject({ error: 'invalid_token' });
    const [head, body] = t.app.jwt.sign({ sub: '1', role: 'admin' }).split('.');
    expect((await me(bearer(`${head}.${body}.${'A'.repeat(43)}`))).json()).toMatchObject({ error: 'invalid_token' });
    // Accepted while valid, refused once it expires.
    const expired = t.app.jwt.sign({ sub: '1', role: 'admin' }, { expiresIn: 1 });
    expect((await me(bearer(expired))).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const res = await t.app.inject({ url: '/api/me', headers: bearer(expired) });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('token_expired');
    // The path transports without headers use (WebSocket, SSE) says the same.
    await expect(t.app.principalFromToken(expired)).rejects.toThrow(expect.objectContaining({ statusCode: 401, code: 'token_expired' }));
    await expect(t.app.principalFromToken('x.y.z')).rejects.toThrow(expect.objectContaining({ code: 'invalid_token' }));
    const { admin, id, temp } = await tempManager('temp1');
    // Deactivating it takes effect on the very next request.
    await t.app.inject({ method: 'PATCH', url: `/api/admin/staff/${id}`, headers: bearer(admin), payload: { active: false } });
    expect((await t.app.inject({ url: '/api/me', headers: bearer(temp.token) })).statusCode).toBe(401);
  });

  it('sees at once a change another process made to a user', async () => {
    const { id, temp } = await tempManager('temp2');
    // Written through a second connection to the database, as a second server process would.
    if (t.config.DATABASE_URL) {
      const other = new pg.Client({ connectionString: t.config.DATABASE_URL });
      await other.connect();
      try {
        await other.query('UPDATE users SET active = 0 WHERE id = $1', [id]);
      } finally {
        await other.end();
      }
    } else {
      const other = new Database(t.config.DATABASE_PATH);
      try {
        other.prepare('UPDATE users SET active = 0 WHERE id = ?').run(id);
      } finally {
        other.close();
      }
    }
    expect((await t.app.inject({ url: '/api/me', headers: bearer(temp.token) })).statusCode).toBe(401);
  });

  it('never lets credentials in URLs reach logs', async () => {
    expect(redactUrl('/ws?token=eyJabc.def&lastEventId=5')).toBe('/ws?token=[redacted]&lastEventId=5');
    expect(redactUrl('/sse?lastEventId=1&ticket=abc123')).toBe('/sse?lastEventId=1&ticket=[redacted]');
  });
});
