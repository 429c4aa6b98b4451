import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { HealthBody } from '@ordercast/shared';
import { get } from '../lib/api';

export type PosState = HealthBody['pos'];

/** GET /health, polled: the POS state in the header. */
export const useHealth = defineStore('health', () => {
  const pos = ref<PosState>('unknown');
  const server = ref<'ok' | 'degraded' | 'down'>('ok');
  let timer: ReturnType<typeof setInterval> | undefined;

  async function poll(): Promise<void> {
    try {
      // A 200 says ok or degraded; the 503 states reach the catch.
      const h = await get<HealthBody>('/health');
      pos.value = h.pos;
      server.value = h.status === 'degraded' ? 'degraded' : 'ok';
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
