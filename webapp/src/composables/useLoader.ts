import { onMounted, ref } from 'vue';
import { humanError } from '../api';

/** Runs `fn` on mount and on retry, with the busy flag and the plain-words error an ErrorBox shows. */
export function useLoader(fn: () => Promise<unknown>) {
  const loading = ref(false);
  const error = ref('');
  async function load(): Promise<void> {
    loading.value = true;
    error.value = '';
    try {
      await fn();
    } catch (e) {
      error.value = humanError(e);
    } finally {
      loading.value = false;
    }
  }
  onMounted(load);
  return { loading, error, load };
}
