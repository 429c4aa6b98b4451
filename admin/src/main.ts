import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { i18n } from './i18n';
import { configureApi } from './lib/api';
import { router } from './router';
import { useSession } from './stores/session';
import './styles.css';

const app = createApp(App);
app.use(createPinia());
app.use(i18n);
document.documentElement.lang = i18n.global.locale.value;
const session = useSession();
configureApi({ getToken: () => session.token, onUnauthorized: () => session.expire() });
// Any end of the session (expiry, 401, sign-out) leads to sign-in, remembering the page.
session.onEnd(() => {
  const current = router.currentRoute.value;
  if (!current.meta.public) {
    void router.replace({ name: 'login', query: session.expired ? { redirect: current.fullPath } : {} });
  }
});
app.use(router);
app.mount('#app');
