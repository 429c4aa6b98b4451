import { ref } from 'vue';
import { formatMoney, type CancelReason, type OrderStatus, type SyncStatus } from '@ordercast/shared';

export type Locale = 'ru' | 'en';

const en = {
  openFromTelegram: 'Open this from Telegram',
  openFromTelegramText: 'This is the ordering app of our restaurants. It works inside Telegram: open our bot and tap the “Menu” button.',
  loading: 'Loading…',
  retry: 'Try again',
  back: 'Back',
  chooseCity: 'Choose your city',
  chooseCityHint: 'We will show the menu and prices of restaurants in this city.',
  changeCity: 'Change city',
  add: 'Add',
  chooseOptions: 'Choose',
  optionRequired: 'required',
  optionUpTo: 'up to {n}',
  chooseGroup: 'Choose: {group}',
  grams: '{n} g',
  kcal: '{n} kcal',
  search: 'Search the menu',
  searchEmpty: 'Nothing found for “{q}”',
  repeat: 'Repeat order',
  repeatMissing: 'No longer available, not added: {names}',
  unavailable: 'Not available',
  unavailableLong: 'Not available right now',
  viewOrder: 'View order · {sum}',
  checkout: 'Checkout · {sum}',
  placeOrder: 'Place order · {sum}',
  yourOrder: 'Your order',
  edit: 'Edit',
  cartEmpty: 'Your cart is empty',
  toMenu: 'Back to menu',
  subtotal: 'Subtotal',
  bonusesPaid: 'Paid with bonuses',
  toPay: 'To pay',
  total: 'Total',
  remove: 'Remove',
  howToGet: 'How to get it',
  delivery: 'Delivery',
  pickup: 'Pickup',
  address: 'Address',
  addressPlaceholder: 'Street, house, flat',
  phone: 'Phone',
  comment: 'Comment',
  commentPlaceholder: 'Door code, allergies, cutlery…',
  commentPlaceholderPickup: 'Allergies, cutlery, when you will come…',
  payWithBonuses: 'Pay with bonuses',
  bonusBalanceCap: 'You have {balance} · up to {cap} for this order ({share}% at most)',
  bonusAmount: 'Bonuses to spend',
  bonusNone: 'None',
  bonusAll: 'All {cap}',
  unavailableInCart: 'Not available right now: {names}. Remove it to place the order.',
  removeUnavailable: 'Remove unavailable',
  noBonusesYet: 'No bonuses yet: you earn {rate}% of each completed order.',
  addressRequired: 'Please enter the delivery address',
  phoneInvalid: 'Please check the phone number',
  // Promised time, pausing, opening hours, pickup points (issue 14)
  'eta.readyBy': 'Ready by {time}',
  'eta.deliveredBy': 'Delivered by {time}',
  'eta.readyByAbout': 'Ready by about {time}',
  'eta.deliveredByAbout': 'Delivered by about {time}',
  'eta.moved': 'The time has changed: {time}',
  'eta.when': 'When',
  'eta.asap': 'As soon as possible',
  'eta.later': 'Later today',
  'eta.pickTime': 'Time',
  'eta.noSlots': 'No more times today',
  'status.paused': 'Ordering is paused',
  'status.pausedReason': 'Ordering is paused: {reason}',
  'status.reopensAt': 'We take orders again at {time}.',
  'status.reopensOn': 'We take orders again {day} at {time}.',
  'status.reopensUnknown': 'We will take orders again soon.',
  'status.restaurantsPaused': 'Our kitchens are paused right now.',
  'status.closed': 'Closed now · opens at {time}',
  'status.closedOn': 'Closed now · opens {day} at {time}',
  'status.closedLater': 'You can still order for later today.',
  'status.busy': 'Busy right now: orders take about {n} min longer.',
  'status.checkoutPaused': 'Checkout is unavailable while ordering is paused.',
  'status.chooseLater': 'We are closed now: choose a time later today.',
  'pickup.choose': 'Where to collect',
  'pickup.nearest': 'Nearest',
  'pickup.km': '{km} km',
  'pickup.useLocation': 'Show the nearest first',
  'pickup.locating': 'Finding you…',
  'pickup.noLocation': 'Location unavailable: pick from the list.',
  'pickup.closedNow': 'Closed now',
  'pickup.pausedNow': 'Paused',
  'pickup.openUntil': 'Open until {time}',
  'pickup.allDay': 'Open 24 hours',
  'pickup.required': 'Please choose where to collect the order',
  'zone.saved': 'Saved addresses',
  'zone.new': 'New address',
  'zone.locate': '📍 Use my location',
  'zone.locating': 'Finding you…',
  'zone.noLocation': 'Your location is not available: allow it, or pick a saved address',
  'zone.needLocation': 'Show us where the address is: tap “Use my location” or pick a saved address',
  'zone.outside': 'We do not deliver to this address yet: it is outside our delivery zones',
  'zone.terms': '{zone}: delivery {fee}, about {minutes} min',
  'zone.free': '{zone}: free delivery, about {minutes} min',
  'zone.freeFrom': 'Free delivery from {sum}',
  'zone.minimum': 'Minimum order {sum}',
  'zone.belowMinimum': 'The minimum order for this address is {min}: add {missing} more',
  'zone.fee': 'Delivery',
  'zone.label': 'Name (Home, Work)',
  'zone.save': 'Save',
  'zone.delete': 'Delete',
  'zone.edit': 'Rename',
  'phone.fromTelegram': 'Share my Telegram number',
  'phone.verified': 'From Telegram ✓',
  'pickup.collectAt': 'Collect at {name}',
  'pickup.collectUntil': 'Open until {time}: please come before then.',
  'err.cityPaused': 'Ordering is paused right now. Please try again later.',
  'err.closed': 'The restaurant is closed at that time. Please choose another time.',
  // Order chat (issue 18)
  'chat.title': 'Chat with the restaurant',
  'chat.staffOnline': 'Manager {name} is online',
  'chat.staffOnlineMany': 'Managers {names} are online',
  'chat.staffAway': 'We will answer here as soon as we can',
  'chat.typing': '{name} is typing…',
  'chat.someone': 'Someone',
  'chat.restaurant': 'Restaurant',
  'chat.empty': 'Questions about the order? Write to us here.',
  'chat.placeholder': 'Message',
  'chat.send': 'Send',
  'chat.sending': 'Sending…',
  'chat.queued': 'Will be sent when you are back online',
  'chat.seen': 'Read',
  'chat.delivered': 'Delivered',
  'chat.older': 'Earlier messages',
  'chat.left': '{n} characters left',
  'chat.unread': 'New messages: {n}',
  orderNo: 'Order #{n}',
  orderPlaced: 'Thank you! Your order is placed.',
  cancelOrder: 'Cancel order',
  keepOrder: 'Keep it',
  cancelConfirm: 'Cancel order #{n}? This cannot be undone.',
  cancelledBecause: 'Reason: {reason}',
  bonusesReturned: '{n} returned to your balance',
  callRestaurant: 'Call the restaurant',
  tooLateToCancel: 'The kitchen has started on your order. To change or cancel it, call the restaurant.',
  reason_customer_asked: 'you asked to cancel it',
  reason_out_of_stock: 'a dish ran out',
  reason_courier_unreachable: 'the courier could not reach you',
  reason_duplicate: 'it was a duplicate order',
  reason_other: 'the restaurant cancelled it',
  reason_not_paid: 'it was not paid in time',
  'pay.title': 'Payment',
  'pay.online': 'Pay online now',
  'pay.onlineHint': 'In Telegram, by card. The kitchen starts once it is paid.',
  'pay.card': 'Card on receipt',
  'pay.cardHint': 'Pay the courier (or at the counter) by card.',
  'pay.cash': 'Cash',
  'pay.cashHint': 'Pay the courier (or at the counter) in cash.',
  'pay.changeFrom': 'Change from (optional)',
  'pay.changeTooSmall': 'Enter at least {sum}, or leave it empty',
  'pay.payNow': 'Pay {sum}',
  'pay.status.unpaid': 'Not paid yet',
  'pay.status.paid': 'Paid',
  'pay.status.refund_due': 'Refund on its way',
  'pay.status.refunded': 'Refunded',
  'pay.waiting': 'Waiting for the payment…',
  'pay.failed': 'The payment did not go through. You can try again.',
  'pay.cancelled': 'Payment cancelled. You can pay until {time}.',
  'pay.until': 'Pay by {time}, or the order is cancelled.',
  'pay.done': 'Paid — the kitchen has your order.',
  'pay.methodLabel': 'Payment',
  'pay.method.online': 'online',
  'pay.method.card': 'card on receipt',
  'pay.method.cash': 'cash',
  'pay.changeNote': 'change from {sum}',
  cancelled: 'The order is cancelled',
  myOrders: 'My orders',
  noOrders: 'No orders yet',
  bonuses: 'Bonuses',
  bonusBalance: 'Bonus balance',
  bonusRules: 'You get {rate}% of each completed order back as bonuses and can pay up to {share}% of an order with them. 1 bonus = 1 ₽.',
  noHistory: 'No operations yet',
  items: 'Items',
  created: 'Placed',
  kitchen: 'Kitchen',
  liveReconnecting: 'Reconnecting… updates are paused',
  liveFallback: 'Updates are slower than usual',
  liveOffline: 'Offline — updates are not live',
  details: 'Details',
  stepDone: 'done',
  'bonus.earned': 'Earned for order #{n}',
  'bonus.used': 'Paid for order #{n}',
  'bonus.refunded': 'Returned for order #{n}',
  'bonus.adjusted': 'Bonus adjustment',
  'bonus.welcome': 'Bonus credit',
  'status.pending': 'Order received',
  'status.confirmed': 'Confirmed',
  'status.preparing': 'Being prepared',
  'status.ready': 'Ready',
  'status.delivering': 'On the way',
  'status.completed': 'Completed',
  'status.cancelled': 'Cancelled',
  'statusReady.pickup': 'Ready for pickup',
  'sync.pending': 'Sending to the kitchen…',
  'sync.retrying': 'We’re having trouble reaching the kitchen, retrying…',
  'sync.synced': 'The kitchen has received your order',
  'sync.failed': 'We couldn’t reach the kitchen. Our staff will handle your order by hand.',
  'err.network': 'No connection. Check the internet and try again.',
  'err.auth': 'Your session has expired. Close the app and open it again from Telegram.',
  'err.server': 'Something went wrong on our side. Please try again in a moment.',
  'err.rateLimited': 'Too many requests. Please wait a few seconds.',
  'err.unavailable': 'Some dishes are no longer available: they are marked in your order.',
  'err.bonusLimit': 'Too many bonuses for this order: the limit has changed, please choose again.',
  'err.bonusBalance': 'Not enough bonuses on your balance.',
  'err.address': 'Please enter the delivery address.',
  'err.tooLateToCancel': 'The kitchen has already accepted the order, so it can no longer be cancelled.',
  'err.notFound': 'We couldn’t find this.',
  'err.alreadyPlaced': 'This order seems to be placed already: please check “My orders”.',
  'err.generic': 'Something went wrong: {detail}',
} as const;

export type MessageKey = keyof typeof en;

const ru: Record<MessageKey, string> = {
  openFromTelegram: 'Откройте это в Telegram',
  openFromTelegramText: 'Это приложение для заказов в наших ресторанах. Оно работает внутри Telegram: откройте нашего бота и нажмите кнопку «Меню».',
  loading: 'Загрузка…',
  retry: 'Повторить',
  back: 'Назад',
  chooseCity: 'Выберите город',
  chooseCityHint: 'Покажем меню и цены ресторанов этого города.',
  changeCity: 'Сменить город',
  add: 'Добавить',
  chooseOptions: 'Выбрать',
  optionRequired: 'обязательно',
  optionUpTo: 'до {n}',
  chooseGroup: 'Выберите: {group}',
  grams: '{n} г',
  kcal: '{n} ккал',
  search: 'Поиск по меню',
  searchEmpty: 'Ничего не нашлось по запросу «{q}»',
  repeat: 'Повторить заказ',
  repeatMissing: 'Больше недоступно, не добавлено: {names}',
  unavailable: 'Нет в наличии',
  unavailableLong: 'Сейчас недоступно',
  viewOrder: 'Посмотреть заказ · {sum}',
  checkout: 'Оформить · {sum}',
  placeOrder: 'Заказать · {sum}',
  yourOrder: 'Ваш заказ',
  edit: 'Изменить',
  cartEmpty: 'Корзина пуста',
  toMenu: 'В меню',
  subtotal: 'Сумма',
  bonusesPaid: 'Оплачено бонусами',
  toPay: 'К оплате',
  total: 'Итого',
  remove: 'Убрать',
  howToGet: 'Как получить',
  delivery: 'Доставка',
  pickup: 'Самовывоз',
  address: 'Адрес',
  addressPlaceholder: 'Улица, дом, квартира',
  phone: 'Телефон',
  comment: 'Комментарий',
  commentPlaceholder: 'Код домофона, аллергии, приборы…',
  commentPlaceholderPickup: 'Аллергии, приборы, когда придёте…',
  payWithBonuses: 'Оплатить бонусами',
  bonusBalanceCap: 'У вас {balance} · на этот заказ до {cap} (не больше {share}%)',
  bonusAmount: 'Сколько бонусов списать',
  bonusNone: 'Не списывать',
  bonusAll: 'Все {cap}',
  unavailableInCart: 'Сейчас нет в наличии: {names}. Уберите, чтобы оформить заказ.',
  removeUnavailable: 'Убрать недоступное',
  noBonusesYet: 'Бонусов пока нет: с каждого выполненного заказа вернём {rate}%.',
  addressRequired: 'Укажите адрес доставки',
  phoneInvalid: 'Проверьте номер телефона',
  'eta.readyBy': 'Будет готов к {time}',
  'eta.deliveredBy': 'Доставим к {time}',
  'eta.readyByAbout': 'Будет готов примерно к {time}',
  'eta.deliveredByAbout': 'Доставим примерно к {time}',
  'eta.moved': 'Время изменилось: {time}',
  'eta.when': 'Когда',
  'eta.asap': 'Как можно скорее',
  'eta.later': 'Позже сегодня',
  'eta.pickTime': 'Время',
  'eta.noSlots': 'На сегодня времени больше нет',
  'status.paused': 'Приём заказов приостановлен',
  'status.pausedReason': 'Приём заказов приостановлен: {reason}',
  'status.reopensAt': 'Снова принимаем заказы с {time}.',
  'status.reopensOn': 'Снова принимаем заказы {day} с {time}.',
  'status.reopensUnknown': 'Скоро снова начнём принимать заказы.',
  'status.restaurantsPaused': 'Наши кухни сейчас на паузе.',
  'status.closed': 'Сейчас закрыто · откроемся в {time}',
  'status.closedOn': 'Сейчас закрыто · откроемся {day} в {time}',
  'status.closedLater': 'Можно заказать на более позднее время сегодня.',
  'status.busy': 'Сейчас много заказов: готовим примерно на {n} мин дольше.',
  'status.checkoutPaused': 'Оформить заказ нельзя, пока приём приостановлен.',
  'status.chooseLater': 'Сейчас мы закрыты: выберите время позже сегодня.',
  'pickup.choose': 'Где забрать',
  'pickup.nearest': 'Ближайший',
  'pickup.km': '{km} км',
  'pickup.useLocation': 'Показать ближайшие',
  'pickup.locating': 'Определяем, где вы…',
  'pickup.noLocation': 'Местоположение недоступно: выберите из списка.',
  'pickup.closedNow': 'Сейчас закрыт',
  'pickup.pausedNow': 'На паузе',
  'pickup.openUntil': 'Открыт до {time}',
  'pickup.allDay': 'Круглосуточно',
  'pickup.required': 'Выберите, где забрать заказ',
  'zone.saved': 'Сохранённые адреса',
  'zone.new': 'Новый адрес',
  'zone.locate': '📍 Моё местоположение',
  'zone.locating': 'Определяем…',
  'zone.noLocation': 'Местоположение недоступно: разрешите его или выберите сохранённый адрес',
  'zone.needLocation': 'Покажите, где адрес: нажмите «Моё местоположение» или выберите сохранённый адрес',
  'zone.outside': 'По этому адресу мы пока не доставляем: он вне зон доставки',
  'zone.terms': '{zone}: доставка {fee}, около {minutes} мин',
  'zone.free': '{zone}: доставка бесплатно, около {minutes} мин',
  'zone.freeFrom': 'Бесплатно от {sum}',
  'zone.minimum': 'Минимальный заказ {sum}',
  'zone.belowMinimum': 'Минимальный заказ по этому адресу {min}: добавьте ещё {missing}',
  'zone.fee': 'Доставка',
  'zone.label': 'Название (Дом, Работа)',
  'zone.save': 'Сохранить',
  'zone.delete': 'Удалить',
  'zone.edit': 'Переименовать',
  'phone.fromTelegram': 'Взять номер из Telegram',
  'phone.verified': 'Из Telegram ✓',
  'pickup.collectAt': 'Забрать: {name}',
  'pickup.collectUntil': 'Открыт до {time}: приходите до этого времени.',
  'err.cityPaused': 'Приём заказов сейчас приостановлен. Попробуйте позже.',
  'err.closed': 'В это время ресторан закрыт. Выберите другое время.',
  'chat.title': 'Чат с рестораном',
  'chat.staffOnline': 'Менеджер {name} в сети',
  'chat.staffOnlineMany': 'Менеджеры {names} в сети',
  'chat.staffAway': 'Ответим здесь, как только сможем',
  'chat.typing': '{name} печатает…',
  'chat.someone': 'Кто-то',
  'chat.restaurant': 'Ресторан',
  'chat.empty': 'Вопросы по заказу? Напишите нам здесь.',
  'chat.placeholder': 'Сообщение',
  'chat.send': 'Отправить',
  'chat.sending': 'Отправляется…',
  'chat.queued': 'Отправим, когда появится связь',
  'chat.seen': 'Прочитано',
  'chat.delivered': 'Доставлено',
  'chat.older': 'Ранние сообщения',
  'chat.left': 'Осталось символов: {n}',
  'chat.unread': 'Новых сообщений: {n}',
  orderNo: 'Заказ №{n}',
  orderPlaced: 'Спасибо! Заказ оформлен.',
  cancelOrder: 'Отменить заказ',
  keepOrder: 'Не отменять',
  cancelConfirm: 'Отменить заказ №{n}? Это действие нельзя отменить.',
  cancelledBecause: 'Причина: {reason}',
  bonusesReturned: '{n} возвращено на ваш баланс',
  callRestaurant: 'Позвонить в ресторан',
  tooLateToCancel: 'Кухня уже готовит ваш заказ. Чтобы изменить или отменить его, позвоните в ресторан.',
  reason_customer_asked: 'вы попросили отменить заказ',
  reason_out_of_stock: 'закончилось блюдо',
  reason_courier_unreachable: 'курьер не смог до вас дозвониться',
  reason_duplicate: 'заказ оказался дублем',
  reason_other: 'ресторан отменил заказ',
  reason_not_paid: 'заказ не был оплачен вовремя',
  'pay.title': 'Оплата',
  'pay.online': 'Оплатить онлайн сейчас',
  'pay.onlineHint': 'Картой в Telegram. Кухня начнёт готовить после оплаты.',
  'pay.card': 'Картой при получении',
  'pay.cardHint': 'Курьеру (или на кассе) картой.',
  'pay.cash': 'Наличными',
  'pay.cashHint': 'Курьеру (или на кассе) наличными.',
  'pay.changeFrom': 'Сдача с (необязательно)',
  'pay.changeTooSmall': 'Не меньше {sum} — или оставьте пустым',
  'pay.payNow': 'Оплатить {sum}',
  'pay.status.unpaid': 'Не оплачен',
  'pay.status.paid': 'Оплачен',
  'pay.status.refund_due': 'Деньги вернутся',
  'pay.status.refunded': 'Деньги возвращены',
  'pay.waiting': 'Ждём оплату…',
  'pay.failed': 'Оплата не прошла. Можно попробовать ещё раз.',
  'pay.cancelled': 'Оплата отменена. Оплатить можно до {time}.',
  'pay.until': 'Оплатите до {time}, иначе заказ отменится.',
  'pay.done': 'Оплачено — заказ передан на кухню.',
  'pay.methodLabel': 'Оплата',
  'pay.method.online': 'онлайн',
  'pay.method.card': 'картой при получении',
  'pay.method.cash': 'наличными',
  'pay.changeNote': 'сдача с {sum}',
  cancelled: 'Заказ отменён',
  myOrders: 'Мои заказы',
  noOrders: 'Заказов пока нет',
  bonuses: 'Бонусы',
  bonusBalance: 'Бонусный баланс',
  bonusRules: 'С каждого выполненного заказа возвращаем {rate}% бонусами; ими можно оплатить до {share}% заказа. 1 бонус = 1 ₽.',
  noHistory: 'Операций пока нет',
  items: 'Состав',
  created: 'Оформлен',
  kitchen: 'Кухня',
  liveReconnecting: 'Переподключаемся… обновления на паузе',
  liveFallback: 'Обновления приходят медленнее обычного',
  liveOffline: 'Нет связи — обновления не приходят',
  details: 'Подробнее',
  stepDone: 'готово',
  'bonus.earned': 'Начислено за заказ №{n}',
  'bonus.used': 'Оплата заказа №{n}',
  'bonus.refunded': 'Возврат за заказ №{n}',
  'bonus.adjusted': 'Начисление бонусов',
  'bonus.welcome': 'Начисление бонусов',
  'status.pending': 'Заказ получен',
  'status.confirmed': 'Подтверждён',
  'status.preparing': 'Готовится',
  'status.ready': 'Готов',
  'status.delivering': 'В пути',
  'status.completed': 'Выполнен',
  'status.cancelled': 'Отменён',
  'statusReady.pickup': 'Можно забирать',
  'sync.pending': 'Передаём заказ на кухню…',
  'sync.retrying': 'Не получается связаться с кухней, пробуем ещё раз…',
  'sync.synced': 'Кухня получила ваш заказ',
  'sync.failed': 'Не удалось связаться с кухней. Сотрудники оформят заказ вручную.',
  'err.network': 'Нет соединения. Проверьте интернет и попробуйте снова.',
  'err.auth': 'Сессия истекла. Закройте приложение и откройте его заново из Telegram.',
  'err.server': 'У нас что-то сломалось. Попробуйте ещё раз чуть позже.',
  'err.rateLimited': 'Слишком много запросов. Подождите несколько секунд.',
  'err.unavailable': 'Некоторых блюд уже нет в наличии: они отмечены в заказе.',
  'err.bonusLimit': 'Слишком много бонусов для этого заказа: лимит изменился, выберите ещё раз.',
  'err.bonusBalance': 'На балансе недостаточно бонусов.',
  'err.address': 'Укажите адрес доставки.',
  'err.tooLateToCancel': 'Кухня уже приняла заказ, отменить его нельзя.',
  'err.notFound': 'Не нашли такого.',
  'err.alreadyPlaced': 'Похоже, этот заказ уже оформлен: загляните в «Мои заказы».',
  'err.generic': 'Что-то пошло не так: {detail}',
};

const dictionaries: Record<Locale, Record<MessageKey, string>> = { en, ru };

export const locale = ref<Locale>('en');

export function pickLocale(languageCode: string | undefined | null): Locale {
  return (languageCode ?? '').toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

/**
 * The language to start in: Telegram's language_code when Telegram opened us; otherwise (a plain
 * browser, e.g. the "open it from Telegram" page) the browser's own preference.
 */
export function startLocale(telegramLanguage: string | undefined | null, browserLanguages: readonly string[]): Locale {
  if (telegramLanguage) return pickLocale(telegramLanguage);
  const first = browserLanguages.find((l) => /^(ru|en)\b/i.test(l));
  return pickLocale(first);
}

export function setLocale(l: Locale): void {
  locale.value = l;
  document.documentElement.lang = l;
}

export function t(key: MessageKey, vars?: Record<string, string | number>): string {
  let s = dictionaries[locale.value][key] ?? en[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

/** Roubles for the locale, by the one rule in ./shared: whole roubles without kopecks ("1 250 ₽" / "₽1,250"). */
export function formatPrice(rub: number, l: Locale = locale.value): string {
  return formatMoney(rub, l);
}

const plurals = new Map<Locale, Intl.PluralRules>();
const counts = new Map<Locale, Intl.NumberFormat>();
const BONUS_WORDS: Record<Locale, Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }> = {
  en: { one: 'bonus', other: 'bonuses' },
  ru: { one: 'бонус', few: 'бонуса', many: 'бонусов', other: 'бонуса' },
};
/** A count of bonuses without the word (chips, signed ledger amounts). */
export function formatCount(n: number, l: Locale = locale.value): string {
  formatBonuses(0, l);
  return counts.get(l)!.format(n);
}

/** Bonuses are points, not money: "500 bonuses" / "500 бонусов", "1 bonus" / "21 бонус". */
export function formatBonuses(n: number, l: Locale = locale.value): string {
  let pr = plurals.get(l);
  let nf = counts.get(l);
  if (!pr || !nf) {
    pr = new Intl.PluralRules(l);
    nf = new Intl.NumberFormat(l === 'ru' ? 'ru-RU' : 'en-US', { maximumFractionDigits: 2 });
    plurals.set(l, pr);
    counts.set(l, nf);
  }
  const words = BONUS_WORDS[l];
  return `${nf.format(n)} ${words[pr.select(n)] ?? words.other}`;
}

/** Why an order was cancelled, in the customer's words ("a dish ran out"). */
export function cancelReasonLabel(reason: CancelReason): string {
  return t(`reason_${reason}`);
}

/** @param timeZone the order's city zone, so every time on the order page is on one clock (its promised time's). */
export function formatDateTime(iso: string, l: Locale = locale.value, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const sameDay = new Date().toDateString() === d.toDateString();
  return new Intl.DateTimeFormat(l === 'ru' ? 'ru-RU' : 'en-GB', {
    ...(sameDay ? { hour: '2-digit', minute: '2-digit' } : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }),
    ...(timeZone && { timeZone }),
  }).format(d);
}

export function statusLabel(status: OrderStatus, delivery: 'delivery' | 'pickup' = 'delivery'): string {
  if (status === 'ready' && delivery === 'pickup') return t('statusReady.pickup');
  return t(`status.${status}` as MessageKey);
}

export function syncLabel(s: SyncStatus): string {
  return t(`sync.${s}` as MessageKey);
}

/** A menu entity's name in the customer's language. */
export function localName(x: { name: string; name_en: string }): string {
  return locale.value === 'ru' ? x.name : x.name_en;
}

/** A restaurant's address in the customer's language; the Russian one where it has no English one. */
export function localAddress(r: { address: string; address_en: string }): string {
  return locale.value === 'ru' ? r.address : r.address_en || r.address;
}
