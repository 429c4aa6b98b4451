import { defineStore } from 'pinia';
import { ref } from 'vue';
import { get } from '../lib/api';

export type PosState = 'up' | 'down' | 'unknown';

/** GET /health, polled: the POS state in the header. */
export const useHealth = defineStore('health', () => {
  const pos = ref<PosState>('unknown');
  const server = ref<'ok' | 'degraded' | 'down'>('ok');
  let timer: ReturnType<typeof setInterval> | undefined;

  async function poll(): Promise<void> {
    try {
      const h = await get<{ status: 'ok' | 'degraded'; pos: PosState }>('/health');
      pos.value = h.pos;
      server.value = h.status;
    } catch {
      server.value = 'down';
      pos.value = 'unknown';
    }
  }
  function start(everyMs = 10_000): void {
    void poll();
    clearInterval(timer);
    timer = setInterval(() => void poll(), everyMs);
  }
  function stop(): void {
    clearInterval(timer);
  }
  return { pos, server, poll, start, stop };
});
