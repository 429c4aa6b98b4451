import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import type { SyncError, SyncSuccess } from '@ordercast/shared';
import { alertKey, clear, fromSnapshot, raise, sorted, type SyncAlert } from '../lib/alerts';
import { ApiError, get, post } from '../lib/api';

/** Open sync problems: loaded from GET /api/admin/sync, then kept current by sync-error / sync-success. */
export const useAlerts = defineStore('alerts', () => {
  const map = shallowRef<Map<string, SyncAlert>>(new Map());
  const list = computed(() => sorted(map.value));
  const count = computed(() => map.value.size);
  const loadError = shallowRef<string | null>(null);

  async function load(): Promise<void> {
    try {
      const snap = fromSnapshot(await get<unknown>('/api/admin/sync'));
      // Keep what arrived live meanwhile and is newer than the snapshot.
      for (const [k, a] of map.value) {
        const s = snap.get(k);
        if (!s || s.lastSeenAt < a.lastSeenAt) snap.set(k, a);
      }
      map.value = snap;
      loadError.value = null;
    } catch (e) {
      loadError.value = e instanceof ApiError && e.status === 404 ? null : (e as Error).message;
    }
  }

  function onError(ev: SyncError, label?: string): SyncAlert {
    const next = raise(map.value, ev);
    const a = next.get(alertKey(ev.entity, ev.entityId, ev.action))!;
    if (label && !a.label) a.label = label;
    map.value = next;
    return a;
  }

  function onSuccess(ev: SyncSuccess): boolean {
    const had = map.value.size;
    map.value = clear(map.value, ev);
    return map.value.size < had;
  }

  function label(key: string, text: string): void {
    const a = map.value.get(key);
    if (a && a.label !== text) {
      const next = new Map(map.value);
      next.set(key, { ...a, label: text });
      map.value = next;
    }
  }

  async function retry(a: SyncAlert): Promise<void> {
    const set = (retrying: boolean) => {
      const cur = map.value.get(a.key);
      if (!cur) return;
      const next = new Map(map.value);
      next.set(a.key, { ...cur, retrying });
      map.value = next;
    };
    set(true);
    try {
      // `:id` is the order id (sync-error's entityId); menu imports retry on their own schedule.
      if (a.entity === 'order') await post(`/api/admin/sync/${a.entityId}/retry`);
    } finally {
      set(false);
    }
  }

  function reset(): void {
    map.value = new Map();
  }

  return { map, list, count, loadError, load, onError, onSuccess, label, retry, reset };
});
