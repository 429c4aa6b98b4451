/*
 * The live channel (WebSocket, SSE fallback) from the shared realtime client. One per app;
 * the stores subscribe to the events they care about.
 */
import { shallowRef } from 'vue';
import { createRealtimeClient, type RealtimeClient } from '@ordercast/shared/client';
import type { ConnectionStatus } from '@ordercast/shared';
import { getToken } from './api';

export type Realtime = RealtimeClient;

export const connectionStatus = shallowRef<ConnectionStatus>('connecting');
let client: Realtime | null = null;

/** `refresh`: gets a fresh token before the current one expires (on `token-expiring`; seed 002). */
export function startRealtime(onAuthError?: () => Promise<unknown>, refresh?: () => Promise<unknown>): Realtime {
  if (client) return client;
  client = createRealtimeClient({
    baseUrl: location.origin,
    getToken: () => getToken(),
    refreshToken: async () => {
      await refresh?.();
      return getToken();
    },
    onAuthError: async () => {
      await onAuthError?.();
    },
  });
  connectionStatus.value = client.status;
  client.onStatus((s: ConnectionStatus) => {
    connectionStatus.value = s;
  });
  client.connect();
  return client;
}

export function realtime(): Realtime | null {
  return client;
}

export function stopRealtime(): void {
  client?.close();
  client = null;
}
