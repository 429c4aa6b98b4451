import { computed } from 'vue';
import { createI18n } from 'vue-i18n';
import { en } from './en';
import { ru } from './ru';

export type Lang = 'ru' | 'en';
export const LANGS: readonly Lang[] = ['ru', 'en'];

const KEY = 'ordercast.admin.lang';
const keyFor = (userId: number | null | undefined) => (userId ? `${KEY}.${userId}` : KEY);

/** The first of the browser's languages we speak; Russian for a Russian browser, English otherwise. */
export function browserLang(langs: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]): Lang {
  for (const l of langs) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'ru' || base === 'en') return base;
  }
  return 'en';
}

/** The language this user chose on this device (per user id), or null when they never chose. */
export function storedLang(userId?: number | null): Lang | null {
  try {
    const v = localStorage.getItem(keyFor(userId));
    return v === 'ru' || v === 'en' ? v : null;
  } catch {
    return null;
  }
}

/** Russian plural forms: 0 → the "none" text, then one / few / many. */
function ruPlural(choice: number, choicesLength: number): number {
  if (choicesLength < 4) return choice === 1 ? 0 : 1;
  if (choice === 0) return 0;
  const form = new Intl.PluralRules('ru').select(choice);
  return form === 'one' ? 1 : form === 'few' ? 2 : 3;
}

export const i18n = createI18n({
  legacy: false,
  locale: storedLang() ?? browserLang(),
  fallbackLocale: 'en',
  messages: { en, ru },
  pluralRules: { ru: ruPlural },
  missingWarn: false,
  fallbackWarn: false,
});

export const t = i18n.global.t;
export const lang = computed<Lang>(() => i18n.global.locale.value as Lang);

/** Switches the interface and remembers the choice for this user (and as the sign-in page's language). */
export function setLang(l: Lang, userId?: number | null): void {
  i18n.global.locale.value = l;
  try {
    localStorage.setItem(KEY, l);
    if (userId) localStorage.setItem(keyFor(userId), l);
  } catch {
    /* private mode: the choice lasts this page load */
  }
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

/**
 * After sign-in: the language this user chose here before, else the one the sign-in page showed
 * (which follows the browser). Only an explicit choice (the switch) is stored for the user.
 */
export function langForUser(userId: number): Lang {
  const l = storedLang(userId) ?? lang.value;
  setLang(l);
  return l;
}

/** A catalogue entity's (city, restaurant, dish, option group) name in the interface language. */
export function localName(x: { name: string; name_en: string }): string {
  return lang.value === 'ru' ? x.name : x.name_en;
}

/** A restaurant's address in the interface language; the Russian one where it has no English one. */
export function localAddress(r: { address: string; address_en: string }): string {
  return lang.value === 'ru' ? r.address : r.address_en || r.address;
}
