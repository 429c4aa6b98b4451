import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../lib/board';
import { DEFAULT_DUE_WINDOW, type DueWindow } from '../lib/eta';
import { beep, enableSound, disableSound } from '../lib/sound';

const KEY = 'ordercast.admin.prefs';

interface Stored {
  cityId: number | null;
  thresholds: Thresholds;
  /** True once someone set thresholds on this device; until then the server's settings apply. */
  customThresholds: boolean;
  soundWanted: boolean;
  /** Minutes before the promised time when a card turns amber; null: the server's setting. */
  etaWarnMinutes?: number | null;
}

function load(): Stored {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Stored>;
    const valid = !!s.thresholds && s.thresholds.warnMinutes < s.thresholds.lateMinutes;
    return {
      cityId: typeof s.cityId === 'number' ? s.cityId : null,
      thresholds: valid ? s.thresholds! : { ...DEFAULT_THRESHOLDS },
      customThresholds: valid && s.customThresholds === true,
      soundWanted: s.soundWanted ?? true,
      etaWarnMinutes: typeof s.etaWarnMinutes === 'number' && s.etaWarnMinutes >= 1 ? s.etaWarnMinutes : null,
    };
  } catch {
    return { cityId: null, thresholds: { ...DEFAULT_THRESHOLDS }, customThresholds: false, soundWanted: true, etaWarnMinutes: null };
  }
}

/** Per-device settings: the city filter, late-order thresholds, the sound switch. */
export const usePrefs = defineStore('prefs', () => {
  const s = load();
  /** null: all cities the user sees. */
  const cityId = ref<number | null>(s.cityId);
  const thresholds = ref<Thresholds>(s.thresholds);
  const customThresholds = ref(s.customThresholds);
  const soundWanted = ref(s.soundWanted);
  /** This device's own warning window (kept over the server's), or null. */
  const customEtaWarn = ref<number | null>(s.etaWarnMinutes ?? null);
  const serverEtaWarn = ref(DEFAULT_DUE_WINDOW.warnMinutes);
  /** The board's countdown colours: amber within this many minutes of the promised time, red past it. */
  const dueWindow = computed<DueWindow>(() => ({ warnMinutes: customEtaWarn.value ?? serverEtaWarn.value }));
  /** Audio is unlocked (it needs one click per page load). */
  const soundOn = ref(false);
  /** The sync-problems panel is shown while there are problems, unless folded away. */
  const syncPanelOpen = ref(true);

  watch([cityId, thresholds, customThresholds, soundWanted, customEtaWarn], () => {
    localStorage.setItem(
      KEY,
      JSON.stringify({
        cityId: cityId.value,
        thresholds: thresholds.value,
        customThresholds: customThresholds.value,
        soundWanted: soundWanted.value,
        etaWarnMinutes: customEtaWarn.value,
      }),
    );
  }, { deep: true });

  /** This device's own thresholds, kept over the server's from now on. */
  function setThresholds(t: Thresholds): void {
    thresholds.value = t;
    customThresholds.value = true;
  }
  /** The server's thresholds (ORDER_WARN_MINUTES / ORDER_LATE_MINUTES), unless this device set its own. */
  function useServerThresholds(t: Thresholds): void {
    if (!customThresholds.value && t.warnMinutes < t.lateMinutes) thresholds.value = t;
  }

  /** This device's warning window from now on (null: back to the server's). */
  function setEtaWarn(minutes: number | null): void {
    customEtaWarn.value = minutes !== null && minutes >= 1 ? minutes : null;
  }
  /** ORDER_ETA_WARN_MINUTES from `/api/admin/settings`. */
  function useServerEtaWarn(minutes: number): void {
    if (minutes >= 1) serverEtaWarn.value = minutes;
  }

  async function turnSoundOn(): Promise<void> {
    soundWanted.value = true;
    soundOn.value = await enableSound();
    if (soundOn.value) beep();
  }
  function turnSoundOff(): void {
    soundWanted.value = false;
    soundOn.value = false;
    disableSound();
  }
  /** Called on the first click anywhere: a wanted sound is unlocked without a special button press. */
  async function unlockIfWanted(): Promise<void> {
    if (soundWanted.value && !soundOn.value) soundOn.value = await enableSound();
  }
  /** Chimes played since load (shown as a data attribute, so a test can tell one was played). */
  const chimes = ref(0);
  function chime(): void {
    if (soundOn.value && beep()) chimes.value++;
  }

  return {
    cityId,
    thresholds,
    customThresholds,
    soundWanted,
    soundOn,
    syncPanelOpen,
    chimes,
    setThresholds,
    useServerThresholds,
    customEtaWarn,
    dueWindow,
    setEtaWarn,
    useServerEtaWarn,
    turnSoundOn,
    turnSoundOff,
    unlockIfWanted,
    chime,
  };
});
