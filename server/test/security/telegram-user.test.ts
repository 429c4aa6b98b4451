import { describe, expect, it } from 'vitest';
import { signInitData } from '../../src/auth/telegram';
import { useTestApp, TEST_BOT_TOKEN } from '../helpers/app';
import { testSql } from '../helpers/db';

/** Launch data correctly signed with the bot token, carrying whatever user object the sender chose. */
const signed = (user: unknown) =>
  signInitData({ user: JSON.stringify(user), auth_date: String(Math.floor(Date.now() / 1000)) }, TEST_BOT_TOKEN);

describe('the Telegram user object in signed initData', () => {
  const t = useTestApp();

  const signIn = (user: unknown) => t.app.inject({ method: 'POST', url: '/api/auth/telegram', payload: { initData: signed(user) } });

  it.each([
    ['a number as language_code', { id: 7001, first_name: 'A', language_code: 5 }, 'language_code'],
    ['an object as username', { id: 7002, first_name: 'A', username: { x: 1 } }, 'username'],
    ['an array as last_name', { id: 7003, first_name: 'A', last_name: ['x'] }, 'last_name'],
    ['a string id', { id: '7004', first_name: 'A' }, 'id'],
    ['no first_name', { id: 7005 }, 'first_name'],
    ['a 300-character first_name', { id: 7006, first_name: 'x'.repeat(300) }, 'first_name'],
    ['null', null, 'user'],
    ['an array', [1, 2], 'user'],
  ])('%s → 401 naming the field, nothing stored', async (_what, user, field) => {
    const res = await signIn(user);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_init_data', message: expect.stringContaining(field) });
    expect(await testSql(t.app).get('SELECT count(*) AS n FROM users WHERE telegram_id BETWEEN 7001 AND 7006')).toEqual({ n: 0 });
  });

  it('a full, well-formed user object with fields Telegram may add later still signs in', async () => {
    const res = await signIn({
      id: 7010,
      first_name: 'Anna',
      last_name: 'K',
      username: 'anna_k',
      language_code: 'ru',
      is_premium: true,
      allows_write_to_pm: true,
      photo_url: 'https://t.me/i/userpic/320/x.svg',
      added_to_attachment_menu: false,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ name: 'Anna K', username: 'anna_k', language: 'ru' });
  });
});
