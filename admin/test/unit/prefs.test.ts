import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { usePrefs } from '../../src/stores/prefs';

describe('late-order thresholds', () => {
  beforeEach(() => {
    localStorage.clear();
    setActivePinia(createPinia());
  });

  it("follow the server's settings until this device sets its own", () => {
    const prefs = usePrefs();
    expect(prefs.thresholds).toEqual({ warnMinutes: 15, lateMinutes: 30 });
    prefs.useServerThresholds({ warnMinutes: 5, lateMinutes: 10 });
    expect(prefs.thresholds).toEqual({ warnMinutes: 5, lateMinutes: 10 });
    prefs.setThresholds({ warnMinutes: 20, lateMinutes: 40 });
    prefs.useServerThresholds({ warnMinutes: 5, lateMinutes: 10 });
    expect(prefs.thresholds).toEqual({ warnMinutes: 20, lateMinutes: 40 });
  });

  it('ignores nonsense from the server and remembers a custom choice across reloads', async () => {
    const prefs = usePrefs();
    prefs.useServerThresholds({ warnMinutes: 30, lateMinutes: 10 });
    expect(prefs.thresholds).toEqual({ warnMinutes: 15, lateMinutes: 30 });
    prefs.setThresholds({ warnMinutes: 9, lateMinutes: 19 });
    await Promise.resolve();
    setActivePinia(createPinia());
    const again = usePrefs();
    again.useServerThresholds({ warnMinutes: 5, lateMinutes: 10 });
    expect(again.thresholds).toEqual({ warnMinutes: 9, lateMinutes: 19 });
  });
});
