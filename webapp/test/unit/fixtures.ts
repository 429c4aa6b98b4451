import type { City, Product } from '@ordercast/shared';
import type { CityStatus, Restaurant } from '@ordercast/shared';

/** A menu product with only what the cart logic reads set meaningfully. */
export const product = (id: number, price: number, available = true): Product => ({
  id,
  category_id: 1,
  name: `p${id}`,
  name_en: `p${id}`,
  description: '',
  description_en: '',
  image: '',
  price,
  available,
  weight: null,
  kcal: null,
  option_groups: [],
});

/** A city's live status: open, not paused, not busy, unless told otherwise. */
export const cityStatus = (over: Partial<CityStatus> = {}): CityStatus => ({
  city_id: 1,
  pause: null,
  busy_minutes: 0,
  delivery_minutes: 30,
  open_now: true,
  next_open_at: null,
  accepting_orders: true,
  refusal: null,
  reopens_at: null,
  ...over,
});

const ALL_WEEK: Restaurant['hours'] = Array.from({ length: 7 }, () => ({ open: '10:00', close: '23:00' }));

/** A restaurant (pickup point) open 10:00–23:00 every day. */
export const restaurant = (id: number, over: Partial<Restaurant> = {}): Restaurant => ({
  id,
  city_id: 1,
  code: `r${id}`,
  name: `Ресторан ${id}`,
  name_en: `Restaurant ${id}`,
  address: `Улица ${id}`,
  address_en: `Street ${id}`,
  phone: '+7 495 000-00-00',
  lat: 55.75,
  lng: 37.62,
  prep_minutes: 20,
  hours: ALL_WEEK,
  active: true,
  pause: null,
  open_now: true,
  next_open_at: null,
  closes_at: null,
  ...over,
});

export const city = (over: Partial<City> = {}): City => ({
  id: 1,
  name: 'Москва',
  name_en: 'Moscow',
  timezone: 'Europe/Moscow',
  code: 'M',
  phone: '+7 495 000-13-13',
  status: cityStatus(),
  restaurants: [restaurant(1)],
  ...over,
});
