/**
 * The chain's demo data: the cities, dishes and staff the README's demo logins and the
 * tests rely on. The POS simulator builds its own
 * nomenclature from the same list, as a real POS would hold the same dishes under its codes.
 * Prices are in roubles; images are shipped in server/static/menu/.
 */
export const DEMO_CITIES = [
  { id: 1, name: 'Москва', nameEn: 'Moscow', timezone: 'Europe/Moscow', code: 'M', phone: '+7 495 000-13-13' },
  { id: 2, name: 'Санкт-Петербург', nameEn: 'Saint Petersburg', timezone: 'Europe/Moscow', code: 'S', phone: '+7 812 000-13-13' },
  { id: 3, name: 'Новосибирск', nameEn: 'Novosibirsk', timezone: 'Asia/Novosibirsk', code: 'N', phone: '+7 383 000-13-13' },
] as const;

const every = (open: string, close: string) => Array.from({ length: 7 }, () => ({ open, close }));
/** Open around the clock: demos and tests place orders at any hour. */
const ROUND_THE_CLOCK = every('00:00', '24:00');

/**
 * Kitchens and pickup points. Each city's first one works around the clock (so the demo and the
 * tests can order at any hour); Moscow's second has ordinary hours, so the demo shows a closed
 * pickup point and the choice between two.
 */
export const DEMO_RESTAURANTS = [
  { id: 1, cityId: 1, code: 'MSK-TVER', name: 'Гуляш на Тверской', nameEn: 'Goulash Tverskaya', address: 'Тверская ул., 12', addressEn: '12 Tverskaya St', phone: '+7 495 100-00-01', lat: 55.7643, lng: 37.6056, prepMinutes: 20, hours: ROUND_THE_CLOCK },
  { id: 2, cityId: 1, code: 'MSK-ARBAT', name: 'Гуляш на Арбате', nameEn: 'Goulash Arbat', address: 'ул. Арбат, 24', addressEn: '24 Arbat St', phone: '+7 495 100-00-02', lat: 55.7496, lng: 37.5906, prepMinutes: 25, hours: every('10:00', '22:00') },
  { id: 3, cityId: 2, code: 'SPB-NEVSKY', name: 'Гуляш на Невском', nameEn: 'Goulash Nevsky', address: 'Невский пр., 48', addressEn: '48 Nevsky Ave', phone: '+7 812 200-00-01', lat: 59.9343, lng: 30.3351, prepMinutes: 20, hours: ROUND_THE_CLOCK },
  { id: 4, cityId: 3, code: 'NSK-KRASNY', name: 'Гуляш на Красном', nameEn: 'Goulash Krasny', address: 'Красный пр., 25', addressEn: '25 Krasny Ave', phone: '+7 383 300-00-01', lat: 55.0302, lng: 82.9204, prepMinutes: 20, hours: ROUND_THE_CLOCK },
];

export const DEMO_CATEGORIES = [
  { id: 1, name: 'Супы', nameEn: 'Soups', sort: 1 },
  { id: 2, name: 'Горячее', nameEn: 'Mains', sort: 2 },
  { id: 3, name: 'Салаты', nameEn: 'Salads', sort: 3 },
  { id: 4, name: 'Десерты', nameEn: 'Desserts', sort: 4 },
  { id: 5, name: 'Напитки', nameEn: 'Drinks', sort: 5 },
] as const;

export interface DemoProduct {
  id: number;
  slug: string;
  categoryId: number;
  name: string;
  nameEn: string;
  description: string;
  descriptionEn: string;
  price: number;
  /** Grams (millilitres for drinks) and kcal of a portion. */
  weight: number;
  kcal: number;
  /** Cities where the dish is on the stop-list at start. */
  unavailableIn?: number[];
}

export const DEMO_PRODUCTS: DemoProduct[] = [
  { id: 1, slug: 'goulash-soup', categoryId: 1, name: 'Гуляш-суп', nameEn: 'Goulash soup', description: 'Густой венгерский суп с говядиной, паприкой и картофелем', descriptionEn: 'Thick Hungarian soup with beef, paprika and potatoes', price: 390, weight: 350, kcal: 310 },
  { id: 2, slug: 'borscht', categoryId: 1, name: 'Борщ', nameEn: 'Borscht', description: 'Свекольный борщ со сметаной и чесночными пампушками', descriptionEn: 'Beetroot soup with sour cream and garlic buns', price: 350, weight: 300, kcal: 230 },
  { id: 3, slug: 'solyanka', categoryId: 1, name: 'Солянка', nameEn: 'Solyanka', description: 'Сборная мясная солянка с лимоном и оливками', descriptionEn: 'Mixed meat soup with lemon and olives', price: 420, weight: 300, kcal: 290 },
  { id: 4, slug: 'chicken-noodle', categoryId: 1, name: 'Куриная лапша', nameEn: 'Chicken noodle soup', description: 'Прозрачный бульон, домашняя лапша, зелень', descriptionEn: 'Clear broth, homemade noodles, herbs', price: 290, weight: 300, kcal: 180 },
  { id: 5, slug: 'beef-goulash', categoryId: 2, name: 'Гуляш из говядины', nameEn: 'Beef goulash', description: 'Томлёная говядина в соусе из паприки, с нокедли', descriptionEn: 'Slow-cooked beef in paprika sauce with nokedli', price: 590, weight: 350, kcal: 640 },
  { id: 6, slug: 'chicken-paprikash', categoryId: 2, name: 'Паприкаш из курицы', nameEn: 'Chicken paprikash', description: 'Курица в сливочно-перечном соусе', descriptionEn: 'Chicken in a creamy pepper sauce', price: 520, weight: 320, kcal: 520 },
  { id: 7, slug: 'pelmeni', categoryId: 2, name: 'Пельмени', nameEn: 'Pelmeni', description: 'Ручная лепка, говядина и свинина, сметана', descriptionEn: 'Hand-made beef and pork dumplings, sour cream', price: 450, weight: 250, kcal: 560 },
  { id: 8, slug: 'stuffed-peppers', categoryId: 2, name: 'Фаршированный перец', nameEn: 'Stuffed peppers', description: 'Перец с мясом и рисом в томатном соусе', descriptionEn: 'Peppers with meat and rice in tomato sauce', price: 480, weight: 330, kcal: 430 },
  { id: 9, slug: 'schnitzel', categoryId: 2, name: 'Шницель', nameEn: 'Pork schnitzel', description: 'Свиной шницель с картофельным салатом', descriptionEn: 'Pork schnitzel with potato salad', price: 560, weight: 380, kcal: 690, unavailableIn: [3] },
  { id: 10, slug: 'lecso', categoryId: 2, name: 'Лечо с колбасками', nameEn: 'Lecsó with sausages', description: 'Рагу из перца и томатов с копчёными колбасками', descriptionEn: 'Pepper and tomato stew with smoked sausages', price: 470, weight: 350, kcal: 480 },
  { id: 11, slug: 'olivier', categoryId: 3, name: 'Оливье', nameEn: 'Olivier salad', description: 'Классический, с говяжьим языком', descriptionEn: 'Classic, with beef tongue', price: 320, weight: 200, kcal: 380 },
  { id: 12, slug: 'vinegret', categoryId: 3, name: 'Винегрет', nameEn: 'Vinaigrette salad', description: 'Свёкла, квашеная капуста, огурцы', descriptionEn: 'Beetroot, sauerkraut, pickles', price: 260, weight: 200, kcal: 170 },
  { id: 13, slug: 'caesar', categoryId: 3, name: 'Цезарь с курицей', nameEn: 'Chicken Caesar', description: 'Романо, курица гриль, пармезан, гренки', descriptionEn: 'Romaine, grilled chicken, parmesan, croutons', price: 430, weight: 230, kcal: 410 },
  { id: 14, slug: 'greek', categoryId: 3, name: 'Греческий', nameEn: 'Greek salad', description: 'Овощи, фета, оливки', descriptionEn: 'Vegetables, feta, olives', price: 380, weight: 220, kcal: 260 },
  { id: 15, slug: 'syrniki', categoryId: 4, name: 'Сырники', nameEn: 'Syrniki', description: 'Творожные сырники со сметаной и вареньем', descriptionEn: 'Cottage cheese pancakes with sour cream and jam', price: 310, weight: 200, kcal: 450 },
  { id: 16, slug: 'napoleon', categoryId: 4, name: 'Наполеон', nameEn: 'Napoleon cake', description: 'Слоёный торт с заварным кремом', descriptionEn: 'Layered puff pastry cake with custard', price: 290, weight: 150, kcal: 480 },
  { id: 17, slug: 'dobos', categoryId: 4, name: 'Торт Добош', nameEn: 'Dobos torte', description: 'Бисквит, шоколадный крем, карамель', descriptionEn: 'Sponge, chocolate cream, caramel top', price: 340, weight: 140, kcal: 520, unavailableIn: [2] },
  { id: 18, slug: 'mors', categoryId: 5, name: 'Морс клюквенный', nameEn: 'Cranberry mors', description: '0,4 л', descriptionEn: '0.4 l', price: 150, weight: 400, kcal: 160 },
  { id: 19, slug: 'kvass', categoryId: 5, name: 'Квас', nameEn: 'Kvass', description: 'Домашний, 0,5 л', descriptionEn: 'Home-brewed, 0.5 l', price: 140, weight: 500, kcal: 140 },
  { id: 20, slug: 'thyme-tea', categoryId: 5, name: 'Чай с чабрецом', nameEn: 'Thyme tea', description: 'Чайник 0,6 л', descriptionEn: 'Pot, 0.6 l', price: 120, weight: 600, kcal: 5 },
  { id: 21, slug: 'tarragon', categoryId: 5, name: 'Лимонад «Тархун»', nameEn: 'Tarragon lemonade', description: '0,4 л', descriptionEn: '0.4 l', price: 180, weight: 400, kcal: 190 },
];

export interface DemoOption {
  id: number;
  name: string;
  nameEn: string;
  /** Roubles in Moscow (other cities follow the city factor, like dishes); 0 = no extra cost. */
  price: number;
  /** Cities where the option is on the stop-list at start. */
  unavailableIn?: number[];
}

export interface DemoOptionGroup {
  id: number;
  productId: number;
  kind: 'single' | 'multiple' | 'removal';
  name: string;
  nameEn: string;
  minChoices: number;
  maxChoices: number;
  options: DemoOption[];
}

/**
 * Options (the POS's modifier groups): sizes of some dishes (one required choice), extras of a few
 * (up to 3), a removal or two (no cost). Option ids: the group's id × 10 + its place.
 */
export const DEMO_OPTION_GROUPS: DemoOptionGroup[] = [
  { id: 1, productId: 7, kind: 'single', name: 'Порция', nameEn: 'Portion', minChoices: 1, maxChoices: 1, options: [
    { id: 11, name: '12 штук', nameEn: '12 pieces', price: 0 },
    { id: 12, name: '20 штук', nameEn: '20 pieces', price: 250 },
  ] },
  { id: 2, productId: 7, kind: 'multiple', name: 'Добавки', nameEn: 'Extras', minChoices: 0, maxChoices: 3, options: [
    { id: 21, name: 'Сметана', nameEn: 'Sour cream', price: 40 },
    { id: 22, name: 'Бульон', nameEn: 'Broth', price: 50 },
    { id: 23, name: 'Горчица', nameEn: 'Mustard', price: 20 },
    { id: 24, name: 'Сливочное масло', nameEn: 'Butter', price: 30 },
  ] },
  { id: 3, productId: 2, kind: 'multiple', name: 'Добавки', nameEn: 'Extras', minChoices: 0, maxChoices: 3, options: [
    { id: 31, name: 'Сметана', nameEn: 'Sour cream', price: 40 },
    { id: 32, name: 'Пампушки', nameEn: 'Garlic buns', price: 60 },
    { id: 33, name: 'Сало', nameEn: 'Salo', price: 90, unavailableIn: [3] },
    { id: 34, name: 'Зелень', nameEn: 'Herbs', price: 0 },
  ] },
  { id: 4, productId: 2, kind: 'removal', name: 'Убрать', nameEn: 'Remove', minChoices: 0, maxChoices: 1, options: [
    { id: 41, name: 'Без чеснока', nameEn: 'No garlic', price: 0 },
  ] },
  { id: 5, productId: 21, kind: 'single', name: 'Объём', nameEn: 'Size', minChoices: 1, maxChoices: 1, options: [
    { id: 51, name: '0,4 л', nameEn: '0.4 l', price: 0 },
    { id: 52, name: '1 л', nameEn: '1 l', price: 190 },
  ] },
  { id: 6, productId: 13, kind: 'multiple', name: 'Добавки', nameEn: 'Extras', minChoices: 0, maxChoices: 3, options: [
    { id: 61, name: 'Двойная курица', nameEn: 'Double chicken', price: 150 },
    { id: 62, name: 'Бекон', nameEn: 'Bacon', price: 120 },
    { id: 63, name: 'Пармезан', nameEn: 'Parmesan', price: 70 },
  ] },
  { id: 7, productId: 13, kind: 'removal', name: 'Убрать', nameEn: 'Remove', minChoices: 0, maxChoices: 2, options: [
    { id: 71, name: 'Без гренок', nameEn: 'No croutons', price: 0 },
    { id: 72, name: 'Без соуса', nameEn: 'No dressing', price: 0 },
  ] },
  { id: 8, productId: 14, kind: 'single', name: 'Порция', nameEn: 'Portion', minChoices: 1, maxChoices: 1, options: [
    { id: 81, name: 'Обычная', nameEn: 'Regular', price: 0 },
    { id: 82, name: 'Большая', nameEn: 'Large', price: 150 },
  ] },
  { id: 9, productId: 5, kind: 'removal', name: 'Убрать', nameEn: 'Remove', minChoices: 0, maxChoices: 1, options: [
    { id: 91, name: 'Без лука', nameEn: 'No onion', price: 0 },
  ] },
];

/** An option's price in roubles in a city (whole tens, like dishes; 0 stays 0). */
export function demoOptionPrice(option: DemoOption, cityId: number): number {
  return Math.round((option.price * (CITY_FACTOR[cityId] ?? 1)) / 10) * 10;
}

/** The option's code in the POS nomenclature: its dish's code and the option's number (GL-0002-M21). */
export const optionPosCode = (group: DemoOptionGroup, option: DemoOption): string => `GL-${String(group.productId).padStart(4, '0')}-M${option.id}`;
/** A rectangle as a GeoJSON Polygon ring (lng/lat, closed): the demo's zones are simple boxes around the centre. */
const box = (south: number, west: number, north: number, east: number) => ({
  type: 'Polygon' as const,
  coordinates: [[[west, south], [east, south], [east, north], [west, north], [west, south]] as [number, number][]],
});

/**
 * Delivery zones (issue 16), roubles and minutes. Each city's centre is free and has no minimum
 * (the around-the-clock kitchen's own area; tests order there at any size); the wider areas cost
 * a fee below a free-delivery threshold and have a minimum. In Moscow the Arbat kitchen's western
 * zone overlaps the centre, so a paused Tverskaya hands the centre's deliveries to Arbat.
 */
export const DEMO_ZONES = [
  { restaurantId: 1, cityId: 1, name: 'Центр', sort: 0, deliveryFee: 0, freeFrom: null, minOrder: 0, deliveryMinutes: 30, geometry: box(55.745, 37.58, 55.785, 37.65) },
  { restaurantId: 2, cityId: 1, name: 'Запад', sort: 1, deliveryFee: 149, freeFrom: 1500, minOrder: 700, deliveryMinutes: 50, geometry: box(55.7, 37.45, 55.8, 37.62) },
  { restaurantId: 1, cityId: 1, name: 'В пределах МКАД', sort: 2, deliveryFee: 249, freeFrom: 2500, minOrder: 1000, deliveryMinutes: 70, geometry: box(55.57, 37.37, 55.91, 37.85) },
  { restaurantId: 3, cityId: 2, name: 'Центр', sort: 0, deliveryFee: 0, freeFrom: null, minOrder: 0, deliveryMinutes: 30, geometry: box(59.91, 30.28, 59.96, 30.39) },
  { restaurantId: 3, cityId: 2, name: 'Весь город', sort: 1, deliveryFee: 199, freeFrom: 2000, minOrder: 800, deliveryMinutes: 70, geometry: box(59.8, 30.1, 60.1, 30.55) },
  { restaurantId: 4, cityId: 3, name: 'Центр', sort: 0, deliveryFee: 0, freeFrom: null, minOrder: 0, deliveryMinutes: 30, geometry: box(55.0, 82.87, 55.06, 82.97) },
  { restaurantId: 4, cityId: 3, name: 'Город', sort: 1, deliveryFee: 149, freeFrom: 1500, minOrder: 600, deliveryMinutes: 60, geometry: box(54.9, 82.75, 55.12, 83.15) },
];

/** A point in each demo city's free central zone (its first restaurant's door): where scripts and tests deliver by default. */
export const demoDeliveryPoint = (cityId: number): { lat: number; lng: number } | undefined => {
  const r = DEMO_RESTAURANTS.find((x) => x.cityId === cityId);
  return r && { lat: r.lat, lng: r.lng };
};

/** Each demo city's first (around-the-clock) restaurant: where a pickup order goes when a script or test picks none. */
export const demoPickupPoint = (cityId: number): number | undefined => DEMO_RESTAURANTS.find((r) => r.cityId === cityId)?.id;

/** City price factors: the same dish costs a little more in Saint Petersburg, less in Novosibirsk. */
const CITY_FACTOR: Record<number, number> = { 1: 1, 2: 1.05, 3: 0.9 };

/** Price in roubles of a product in a city (whole tens). */
export function demoPrice(product: DemoProduct, cityId: number): number {
  return Math.round((product.price * (CITY_FACTOR[cityId] ?? 1)) / 10) * 10;
}

export const posCode = (p: DemoProduct): string => `GL-${String(p.id).padStart(4, '0')}`;
export const productImage = (p: DemoProduct): string => `/static/menu/${p.slug}.svg`;

export const DEMO_STAFF = [
  { username: 'admin', name: 'Администратор', role: 'admin' as const, cityIds: [] as number[] },
  { username: 'ceo', name: 'Генеральный директор', role: 'ceo' as const, cityIds: [] as number[] },
  { username: 'manager1', name: 'Менеджер Москва', role: 'manager' as const, cityIds: [1] },
  { username: 'manager2', name: 'Менеджер Петербург', role: 'manager' as const, cityIds: [2] },
];

/** The demo customer whose signed launch link `npm start` prints. */
export const DEMO_CUSTOMER = {
  telegramId: 100000001,
  firstName: 'Анна',
  lastName: 'Демо',
  username: 'anna_demo',
  languageCode: 'ru',
  /** Starting bonus balance in roubles, so checkout with bonuses can be tried at once. */
  bonuses: 500,
};
