import { beforeEach, describe, expect, it } from 'vitest';
import { defineComponent, h, nextTick } from 'vue';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { Menu } from '@ordercast/shared';
import { city, cityStatus, product, restaurant } from './fixtures';
import { setLocale } from '../../src/i18n';
import { useMenu } from '../../src/stores/menu';
import { useCart } from '../../src/stores/cart';
import { useBonuses } from '../../src/stores/bonuses';
import MainButtonBar from '../../src/components/MainButtonBar.vue';
import ProductScreen from '../../src/screens/ProductScreen.vue';
import CartScreen from '../../src/screens/CartScreen.vue';
import CheckoutScreen from '../../src/screens/CheckoutScreen.vue';

const MENU: Menu = {
  city: city(),
  categories: [{ id: 1, name: 'Супы', name_en: 'Soups', sort: 1 }],
  products: [
    { ...product(1, 390), name: 'Борщ', name_en: 'Borscht' },
    { ...product(2, 350), name: 'Солянка', name_en: 'Solyanka' },
  ],
};

const Empty = { render: () => h('div') };

/** The screen and the page-drawn MainButton, with real stores and a real (in-memory) router. */
async function render(screen: ReturnType<typeof defineComponent>, props: Record<string, unknown> = {}, before?: () => void) {
  const pinia = createPinia();
  setActivePinia(pinia);
  before?.();
  const router = createRouter({
    history: createMemoryHistory(),
    routes: ['menu', 'cart', 'checkout', 'order'].map((name) => ({ path: `/${name}${name === 'order' ? '/:id' : ''}`, name, component: Empty })),
  });
  const Page = { render: () => h('div', [h(screen, props), h(MainButtonBar)]) };
  const wrapper = mount(Page, { global: { plugins: [pinia, router] } });
  await router.isReady();
  await nextTick();
  return wrapper;
}

function fillCart(ids: number[]) {
  useMenu().adopt(MENU);
  const cart = useCart();
  cart.useCity(1);
  for (const id of ids) cart.add(id);
  return cart;
}

beforeEach(() => {
  localStorage.clear();
  setLocale('en');
});

describe('Mini App screens', () => {
  it('the product screen has one "Add" (the main button), then a counter on the page', async () => {
    const w = await render(ProductScreen, { id: '1' });
    useMenu().adopt(MENU);
    await nextTick();
    expect(w.find('[data-testid="add"]').exists()).toBe(false);
    const main = w.get('[data-testid="main-button"]');
    expect(main.text()).toMatch(/^Add · /);
    await main.trigger('click');
    await nextTick();
    expect(w.get('[data-testid="qty"]').text()).toBe('1');
    expect(w.get('[data-testid="main-button"]').text()).toMatch(/^View order/);
  });

  it('a stopped dish in the cart is named, not counted, and can be removed', async () => {
    const w = await render(CartScreen, {}, () => fillCart([1, 2, 2]));
    const cart = useCart();
    useMenu().applyUpdate({ cityId: 1, productId: 2, available: false, price: 350, timestamp: 't' });
    await nextTick();
    expect(w.get('[data-testid="cart-blocked"]').text()).toContain('Not available right now: Solyanka');
    expect(w.get('[data-testid="subtotal"]').text()).toContain('390');
    expect(w.get('[data-testid="main-button"]').attributes('disabled')).toBeDefined();
    expect(w.findAll('[data-product-id="2"] [data-testid="qty-plus"]')).toHaveLength(0);
    await w.get('[data-testid="remove-unavailable"]').trigger('click');
    await nextTick();
    expect(cart.count).toBe(1);
    expect(w.find('[data-testid="cart-blocked"]').exists()).toBe(false);
    expect(w.get('[data-testid="main-button"]').attributes('disabled')).toBeUndefined();
  });

  it('checkout: bonuses start at none and move with the slider up to the cap; pickup needs no door code', async () => {
    const w = await render(CheckoutScreen, {}, () => fillCart([1, 1]));
    const bonuses = useBonuses();
    bonuses.balance = 500;
    bonuses.maxShare = 0.3;
    await nextTick();
    // 780 × 0.3 = 234
    expect(w.get('[data-testid="bonus-balance"]').text()).toBe('You have 500 bonuses · up to 234 bonuses for this order (30% at most)');
    const slider = w.get<HTMLInputElement>('[data-testid="bonus-slider"]');
    expect(slider.element.value).toBe('0');
    expect(slider.attributes('max')).toBe('234');
    expect(w.find('[data-testid="bonuses-used"]').exists()).toBe(false);
    await slider.setValue('100');
    expect(w.get('[data-testid="bonuses-used"]').text()).toContain('100');
    expect(w.get('[data-testid="to-pay"]').text()).toContain('680');
    await w.get('[data-testid="bonus-amount"]').setValue('9999');
    expect(w.get('[data-testid="bonuses-used"]').text()).toContain('234');
    await w.get('[data-testid="bonus-none"]').trigger('click');
    expect(w.find('[data-testid="bonuses-used"]').exists()).toBe(false);

    expect(w.get('textarea[name="comment"]').attributes('placeholder')).toMatch(/door code/i);
    await w.get('[data-testid="delivery-pickup"]').trigger('click');
    expect(w.get('textarea[name="comment"]').attributes('placeholder')).not.toMatch(/door|code/i);
  });

  it('checkout in a paused city: the notice with the reason, and the order button disabled with the explanation', async () => {
    const w = await render(CheckoutScreen, {}, () => fillCart([1]));
    // Pickup: a delivery would first need its address located in a zone (issue 16).
    await w.get('[data-testid="delivery-pickup"]').trigger('click');
    await nextTick();
    expect(w.get('[data-testid="main-button"]').attributes('disabled')).toBeUndefined();
    useMenu().applyCityStatus({
      cityId: 1,
      status: cityStatus({ pause: { reason: 'Kitchen repair', until: null, since: 't' }, accepting_orders: false, refusal: 'city_paused' }),
      restaurants: [restaurant(1)],
      timestamp: 't',
    });
    await nextTick();
    expect(w.get('[data-testid="city-notice"]').text()).toContain('Ordering is paused: Kitchen repair');
    expect(w.get('[data-testid="checkout-why"]').text()).toBe('Checkout is unavailable while ordering is paused.');
    expect(w.get('[data-testid="main-button"]').attributes('disabled')).toBeDefined();
    // Resumed live: the button is back.
    useMenu().applyCityStatus({ cityId: 1, status: cityStatus(), restaurants: [restaurant(1)], timestamp: 't2' });
    await nextTick();
    expect(w.find('[data-testid="city-notice"]').exists()).toBe(false);
    expect(w.get('[data-testid="main-button"]').attributes('disabled')).toBeUndefined();
  });

  it('pickup with two restaurants asks where to collect; the choice goes with the order', async () => {
    const w = await render(CheckoutScreen, {}, () => {
      useMenu().adopt({ ...MENU, city: city({ restaurants: [restaurant(1), restaurant(2, { name_en: 'Arbat' })] }) });
      const cart = useCart();
      cart.useCity(1);
      cart.add(1);
    });
    await w.get('[data-testid="delivery-pickup"]').trigger('click');
    expect(w.findAll('[data-testid="pickup-option"]')).toHaveLength(2);
    expect(w.get('[data-testid="checkout-why"]').text()).toBe('Please choose where to collect the order');
    expect(w.get('[data-testid="main-button"]').attributes('disabled')).toBeDefined();
    await w.get('[data-restaurant-id="2"]').trigger('click');
    expect(useCart().restaurantId).toBe(2);
    expect(w.find('[data-testid="checkout-why"]').exists()).toBe(false);
    expect(w.get('[data-testid="promised-preview"]').text()).toMatch(/^Ready by about \d\d:\d\d$/);
  });
});
