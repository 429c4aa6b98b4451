import type { Product } from '@ordercast/shared';

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
});
