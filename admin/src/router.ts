import { createRouter, createWebHistory, type RouteLocationRaw } from 'vue-router';
import { useSession } from './stores/session';

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
    { path: '/', name: 'board', component: () => import('./views/BoardView.vue') },
    { path: '/orders', name: 'orders', component: () => import('./views/OrdersView.vue') },
    { path: '/dashboard', name: 'dashboard', component: () => import('./views/DashboardView.vue') },
    { path: '/stop-list', name: 'stop-list', component: () => import('./views/StopListView.vue') },
    { path: '/restaurants', name: 'restaurants', component: () => import('./views/RestaurantsView.vue'), meta: { staffAdmin: true } },
    { path: '/zones', name: 'zones', component: () => import('./views/ZonesView.vue') },
    { path: '/staff', name: 'staff', component: () => import('./views/StaffView.vue'), meta: { staffAdmin: true } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

/** Where sign-in sends the user: the page they were on (only paths inside this app). */
export function loginTarget(redirect: unknown): RouteLocationRaw {
  return typeof redirect === 'string' && redirect.startsWith('/') && !redirect.startsWith('//') && !redirect.startsWith('/login')
    ? redirect
    : '/';
}

router.beforeEach((to) => {
  const session = useSession();
  if (to.meta.public) return session.signedIn && to.name === 'login' ? loginTarget(to.query.redirect) : true;
  if (!session.signedIn) return { name: 'login', query: { redirect: to.fullPath } };
  if (to.meta.staffAdmin && !session.canManageStaff) return '/';
  return true;
});
