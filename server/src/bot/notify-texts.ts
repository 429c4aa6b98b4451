import type { BotMessageParams, BotStep } from './outbox';
import type { BotLanguage } from './texts';

const REASONS: Record<BotLanguage, Record<string, string>> = {
  ru: {
    customer_asked: 'по вашей просьбе',
    out_of_stock: 'некоторых блюд не оказалось в наличии',
    courier_unreachable: 'курьер не смог с вами связаться',
    duplicate: 'это повтор другого заказа',
    other: 'по решению ресторана',
    not_paid: 'заказ не был оплачен вовремя',
  },
  en: {
    customer_asked: 'at your request',
    out_of_stock: 'some dishes were out of stock',
    courier_unreachable: 'the courier could not reach you',
    duplicate: 'it duplicated another order',
    other: 'by the restaurant',
    not_paid: 'it was not paid in time',
  },
};

/** The chat message for an order step, in the customer's language. */
export function stepText(lang: BotLanguage, step: BotStep, p: BotMessageParams): string {
  const n = p.orderNumber;
  if (lang === 'ru') {
    switch (step) {
      case 'confirmed':
        return `Заказ №${n} принят кухней.${promised(lang, p)}`;
      case 'ready':
        return `Заказ №${n} готов — можно забирать.`;
      case 'delivering':
        return `Заказ №${n} уже в пути.`;
      case 'completed':
        return p.deliveryType === 'pickup' ? `Заказ №${n} выдан. Приятного аппетита!` : `Заказ №${n} доставлен. Приятного аппетита!`;
      case 'cancelled':
        return withRefund(p, `Заказ №${n} отменён: ${reason(lang, p)}.`, (b) => `На бонусный счёт возвращено ${b} ₽.`);
      case 'chat':
        return `Сообщение от ресторана по заказу №${n}${from(p)}:\n${p.text ?? ''}`;
    }
  }
  switch (step) {
    case 'confirmed':
      return `Order #${n} was accepted by the kitchen.${promised(lang, p)}`;
    case 'ready':
      return `Order #${n} is ready for pickup.`;
    case 'delivering':
      return `Order #${n} is on its way.`;
    case 'completed':
      return p.deliveryType === 'pickup' ? `Order #${n} was picked up. Enjoy your meal!` : `Order #${n} was delivered. Enjoy your meal!`;
    case 'cancelled':
      return withRefund(p, `Order #${n} was cancelled: ${reason(lang, p)}.`, (b) => `${b} ₽ in bonuses were returned to your balance.`);
    case 'chat':
      return `Message from the restaurant about order #${n}${from(p)}:\n${p.text ?? ''}`;
  }
}

/** " (Anna)": the staff member who wrote a chat message. Sent as plain text (no parse_mode), so nothing in it is markup. */
function from(p: BotMessageParams): string {
  return p.staffName ? ` (${p.staffName})` : '';
}

/** " Ready by 14:35." / " Expected at 14:35." in the city's clock; nothing when the time is not known. */
function promised(lang: BotLanguage, p: BotMessageParams): string {
  if (!p.promisedAt) return '';
  const at = new Date(p.promisedAt);
  if (Number.isNaN(at.getTime())) return '';
  let hhmm: string;
  try {
    hhmm = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: p.timeZone }).format(at);
  } catch {
    // An unknown zone name in old data: UTC rather than no time at all.
    hhmm = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'UTC' }).format(at);
  }
  if (lang === 'ru') return p.deliveryType === 'pickup' ? ` Будет готов к ${hhmm}.` : ` Привезём к ${hhmm}.`;
  return p.deliveryType === 'pickup' ? ` Ready by ${hhmm}.` : ` Expected at ${hhmm}.`;
}

function reason(lang: BotLanguage, p: BotMessageParams): string {
  const words = REASONS[lang][p.cancelReason ?? 'other'] ?? REASONS[lang].other;
  return p.cancelNote ? `${words} (${p.cancelNote})` : words;
}

function withRefund(p: BotMessageParams, head: string, refund: (b: string) => string): string {
  return p.bonusesRefunded ? `${head}\n${refund(String(p.bonusesRefunded))}` : head;
}
