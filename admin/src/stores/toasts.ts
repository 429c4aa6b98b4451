import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface Toast {
  id: number;
  kind: 'order' | 'error' | 'success' | 'info';
  title: string;
  text?: string;
  /** Clicking the toast runs this (e.g. opens the order). */
  action?: () => void;
}

export const useToasts = defineStore('toasts', () => {
  const items = ref<Toast[]>([]);
  let seq = 0;

  function dismiss(id: number): void {
    items.value = items.value.filter((t) => t.id !== id);
  }

  function push(t: Omit<Toast, 'id'>, ms = t.kind === 'success' || t.kind === 'info' ? 4_000 : 10_000): number {
    const id = ++seq;
    items.value = [...items.value.slice(-4), { ...t, id }];
    setTimeout(() => dismiss(id), ms);
    return id;
  }

  return { items, push, dismiss };
});
