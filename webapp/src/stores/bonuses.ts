import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { BonusesResponse, BonusLedgerEntry, BonusUpdated } from '@ordercast/shared';
import { api } from '../api';

export const useBonuses = defineStore('bonuses', () => {
  const balance = ref(0);
  const earnRate = ref(0.05);
  const maxShare = ref(0.3);
  const ledger = shallowRef<BonusLedgerEntry[]>([]);
  const loaded = ref(false);
  const error = shallowRef<unknown>(null);

  async function load(): Promise<void> {
    try {
      const r = await api<BonusesResponse>('/api/bonuses');
      balance.value = r.balance;
      earnRate.value = r.earn_rate;
      maxShare.value = r.max_share;
      ledger.value = r.ledger;
      loaded.value = true;
      error.value = null;
    } catch (e) {
      error.value = e;
      throw e;
    }
  }

  /** `bonus-updated`: the balance moves at once; the history is refetched behind it. */
  function applyUpdate(ev: BonusUpdated): void {
    balance.value = ev.balance;
    load().catch(() => undefined);
  }

  function setBalance(b: number): void {
    balance.value = b;
  }

  return { balance, earnRate, maxShare, ledger, loaded, error, load, applyUpdate, setBalance };
});
