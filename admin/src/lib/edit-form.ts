import { reactive, ref, watch } from 'vue';
import { usePrefs } from '../stores/prefs';
import { useToasts } from '../stores/toasts';

export interface EditFormOptions<F extends { id: number | null }, Item> {
  /** An empty form (for a new item). */
  blank(): F;
  /** The form for editing an existing item. */
  of(item: Item): F;
  /** Loads the page's lists for the city picked at the top (all of the user's when none). */
  load(cityId: number | undefined): Promise<void>;
  /** The toast's title when saving or removing fails. */
  failed(): string;
}

/**
 * The list-and-form pages of the admin (zones, restaurants): the lists reloaded when the city at
 * the top changes (a failure shown on the page), one form for adding or editing, and saving that
 * toasts what happened, empties the form and reloads on success, and keeps the form on failure.
 */
export function useEditForm<F extends { id: number | null }, Item>(opts: EditFormOptions<F, Item>) {
  const prefs = usePrefs();
  const toasts = useToasts();
  const error = ref<string | null>(null);
  const saving = ref(false);
  // The form holds plain values only, so the reactive proxy has the form's own type.
  const form = reactive(opts.blank()) as F;

  const reset = (): void => void Object.assign(form, opts.blank());
  const edit = (item: Item): void => void Object.assign(form, opts.of(item));

  async function load(): Promise<void> {
    try {
      await opts.load(prefs.cityId ?? undefined);
      error.value = null;
    } catch (e) {
      error.value = (e as Error).message;
    }
  }
  watch(() => prefs.cityId, () => void load(), { immediate: true });

  /** Runs `write` (which answers the success toast's title), then `done` and a reload; on failure a toast says why. */
  async function run(write: () => Promise<string>, done: () => void): Promise<void> {
    try {
      toasts.push({ kind: 'success', title: await write() });
      done();
      await load();
    } catch (e) {
      toasts.push({ kind: 'error', title: opts.failed(), text: (e as Error).message });
    }
  }

  /** Saves the form (the save button waits meanwhile); on success the form is emptied. */
  async function save(write: () => Promise<string>): Promise<void> {
    saving.value = true;
    try {
      await run(write, reset);
    } finally {
      saving.value = false;
    }
  }

  /** Removes item `id`; the form is emptied if it was editing that item. */
  const remove = (id: number, write: () => Promise<string>): Promise<void> => run(write, () => form.id === id && reset());

  return { form, error, saving, reset, edit, save, remove };
}
