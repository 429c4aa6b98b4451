import { describe, expect, it } from 'vitest';
import { formatBonuses, localAddress, localName, setLocale, startLocale, t } from '../../src/i18n';

describe('language', () => {
  it('starts in Telegram’s language, else the browser’s first Russian or English preference', () => {
    expect(startLocale('ru', ['en-US'])).toBe('ru');
    expect(startLocale('en', ['ru-RU'])).toBe('en');
    // Opened in a plain browser (no Telegram): the browser decides.
    expect(startLocale('', ['ru-RU', 'en-US'])).toBe('ru');
    expect(startLocale(undefined, ['de-DE', 'ru'])).toBe('ru');
    expect(startLocale(null, ['en-GB'])).toBe('en');
    expect(startLocale('', ['de-DE'])).toBe('en');
  });

  it('order labels and dish names follow the language', () => {
    const item = { name: 'Гуляш-суп', name_en: 'Goulash soup' };
    setLocale('en');
    expect(t('orderNo', { n: '0042' })).toBe('Order #0042');
    expect(localName(item)).toBe('Goulash soup');
    setLocale('ru');
    expect(t('orderNo', { n: '0042' })).toBe('Заказ №0042');
    expect(localName(item)).toBe('Гуляш-суп');
  });

  it('a restaurant address follows the language, Russian where there is no English one', () => {
    const r = { address: 'Тверская 1', address_en: 'Tverskaya 1' };
    setLocale('en');
    expect(localAddress(r)).toBe('Tverskaya 1');
    expect(localAddress({ ...r, address_en: '' })).toBe('Тверская 1');
    setLocale('ru');
    expect(localAddress(r)).toBe('Тверская 1');
  });

  it('bonuses read as points with the right plural, not as roubles', () => {
    expect([1, 2, 5, 21, 500].map((n) => formatBonuses(n, 'ru'))).toEqual(['1 бонус', '2 бонуса', '5 бонусов', '21 бонус', '500 бонусов']);
    expect([0, 1, 1500].map((n) => formatBonuses(n, 'en'))).toEqual(['0 bonuses', '1 bonus', '1,500 bonuses']);
  });
});
