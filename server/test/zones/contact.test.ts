import { describe, expect, it } from 'vitest';
import { bearer, signInCustomer, TEST_BOT_TOKEN, useTestApp } from '../helpers/app';
import { signContact, verifyContact } from '../../src/zones/contact';

const t = useTestApp({ POS_SYNC_WORKER: 'false' });

describe('the phone from Telegram requestContact', () => {
  const send = (token: string, contact: string) => t.app.inject({ method: 'POST', url: '/api/me/contact', headers: bearer(token), payload: { contact } });

  it('a signed contact of the customer themself is stored as their verified phone', async () => {
    const { token, user } = await signInCustomer(t.app);
    const res = await send(token, signContact({ user_id: user.telegram_id!, phone_number: '79001234567', first_name: 'Test' }, TEST_BOT_TOKEN));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ phone: '+79001234567', phone_verified: true });
    // Typing another number is the customer's word: no longer verified. The same number keeps it.
    const same = await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(token), payload: { phone: '+7 900 123-45-67' } });
    expect(same.json().phone_verified).toBe(true);
    const typed = await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(token), payload: { phone: '+7 900 000-00-00' } });
    expect(typed.json()).toMatchObject({ phone: '+7 900 000-00-00', phone_verified: false });
  });

  it('refuses a forged, tampered, stale or someone else\'s contact, and changes nothing', async () => {
    const { token, user } = await signInCustomer(t.app);
    const own = { user_id: user.telegram_id!, phone_number: '79005550000' };
    const forged = signContact(own, 'another-bot-token');
    const tampered = signContact(own, TEST_BOT_TOKEN).replace('79005550000', '79990000000');
    const stale = signContact(own, TEST_BOT_TOKEN, Math.floor(Date.now() / 1000) - 3 * 86400);
    for (const c of [forged, tampered, stale, 'contact=%7B%7D', 'nonsense']) {
      const res = await send(token, c);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_contact');
    }
    const someoneElse = await send(token, signContact({ user_id: user.telegram_id! + 1, phone_number: '79005550001' }, TEST_BOT_TOKEN));
    expect(someoneElse.statusCode).toBe(403);
    expect(someoneElse.json().error).toBe('not_own_contact');
    expect((await t.app.inject({ url: '/api/me', headers: bearer(token) })).json()).toMatchObject({ phone: null, phone_verified: false });
  });

  it('verifies exactly like initData: the hash covers every field', async () => {
    const raw = signContact({ user_id: 5, phone_number: '+1 (555) 010-0000' }, 'tok');
    expect(verifyContact(raw, 'tok', 60)).toMatchObject({ ok: true, userId: 5, phone: '+15550100000' });
    expect(verifyContact(`${raw}&extra=1`, 'tok', 60).ok).toBe(false);
  });
});
