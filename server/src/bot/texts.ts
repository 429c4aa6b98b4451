import type { StartTarget } from './deep-link';

export type BotLanguage = 'ru' | 'en';

/** Telegram's `language_code` (IETF tag) → the two languages the chain speaks. */
export function botLanguage(languageCode: string | undefined): BotLanguage {
  return languageCode?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

const TEXTS = {
  ru: {
    menuButton: 'Меню',
    welcome: (name: string) => `Здравствуйте, ${name}! Это бот Ordercast: закажите еду в приложении, а о заказе мы напишем сюда.`,
    city: (city: string) => `Меню города ${city} — в приложении.`,
    order: (id: number) => `Заказ №${id} — в приложении.`,
    orders: 'Ваши заказы — в приложении.',
    hint: 'Чтобы заказать, откройте приложение.',
    phoneSaved: 'Спасибо! Номер сохранён, в приложении он подставится сам.',
    notOwnContact: 'Это чужой контакт. Чтобы указать свой номер, поделитесь своим контактом.',
    open: { menu: 'Открыть меню', city: 'Открыть меню', order: 'Открыть заказ', orders: 'Мои заказы' },
    paid: (n: string) => `Оплата получена: заказ №${n} передан на кухню.`,
    paidRefund: (n: string) => `Оплата за заказ №${n} пришла, когда он уже был отменён: мы вернём деньги.`,
  },
  en: {
    menuButton: 'Menu',
    welcome: (name: string) => `Hello, ${name}! This is the Ordercast bot: order in the app, and we will tell you here how your order is doing.`,
    city: (city: string) => `The ${city} menu is in the app.`,
    order: (id: number) => `Order #${id} is in the app.`,
    orders: 'Your orders are in the app.',
    hint: 'To order, open the app.',
    phoneSaved: 'Thank you! Your number is saved; the app fills it in for you.',
    notOwnContact: 'That is someone else\'s contact. To give your number, share your own contact.',
    open: { menu: 'Open the menu', city: 'Open the menu', order: 'Open the order', orders: 'My orders' },
    paid: (n: string) => `Payment received: order #${n} is on its way to the kitchen.`,
    paidRefund: (n: string) => `The payment for order #${n} arrived after it was cancelled: we will refund it.`,
  },
} as const;

export function texts(lang: BotLanguage) {
  return TEXTS[lang];
}

/** The `/start` answer for where the link points (already checked: an order only its owner's). */
export function startText(lang: BotLanguage, name: string, target: StartTarget, cityName?: string): { text: string; button: string } {
  const t = TEXTS[lang];
  const first = t.welcome(name);
  switch (target.kind) {
    case 'city':
      return { text: `${first}\n\n${t.city(cityName ?? String(target.cityId))}`, button: t.open.city };
    case 'order':
      return { text: `${first}\n\n${t.order(target.orderId)}`, button: t.open.order };
    case 'orders':
      return { text: `${first}\n\n${t.orders}`, button: t.open.orders };
    case 'menu':
      return { text: first, button: t.open.menu };
  }
}
