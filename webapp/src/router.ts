import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import MenuScreen from './screens/MenuScreen.vue';

/**
 * Every other screen is its own chunk. The menu, the first screen, is in the main bundle: on a slow
 * network a separate chunk would be one more request before it shows.
 */
const routes: RouteRecordRaw[] = [
  { path: '/', name: 'menu', component: MenuScreen },
  { path: '/city', name: 'city', component: () => import('./screens/CityScreen.vue') },
  { path: '/product/:id(\\d+)', name: 'product', component: () => import('./screens/ProductScreen.vue'), props: true },
  { path: '/cart', name: 'cart', component: () => import('./screens/CartScreen.vue') },
  { path: '/checkout', name: 'checkout', component: () => import('./screens/CheckoutScreen.vue') },
  { path: '/orders', name: 'orders', component: () => import('./screens/OrdersScreen.vue') },
  { path: '/orders/:id(\\d+)', name: 'order', component: () => import('./screens/OrderScreen.vue'), props: true },
  { path: '/bonuses', name: 'bonuses', component: () => import('./screens/BonusesScreen.vue') },
  { path: '/:rest(.*)*', redirect: { name: 'menu' } },
];

/** Where Back goes when there is no history entry to return to (e.g. a link opened the order page). */
export const parentOf: Record<string, string> = {
  city: 'menu',
  product: 'menu',
  cart: 'menu',
  checkout: 'cart',
  orders: 'menu',
  order: 'orders',
  bonuses: 'menu',
};

export function createAppRouter() {
  return createRouter({
    history: createWebHistory(import.meta.env.BASE_URL),
    routes,
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  });
}
