/**
 * The new-order chime: two short Web Audio tones, no file to load. Browsers allow audio only
 * after a user gesture, so `enable()` must run inside a click handler; until then `beep()` is silent.
 */
let ctx: AudioContext | null = null;

export function soundEnabled(): boolean {
  return ctx !== null && ctx.state === 'running';
}

export async function enableSound(): Promise<boolean> {
  try {
    const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctor) return false;
    ctx ??= new Ctor();
    // resume() can stay pending where there is no audio device: don't wait for ever.
    if (ctx.state === 'suspended') await Promise.race([ctx.resume(), new Promise((r) => setTimeout(r, 1000))]);
    return ctx.state === 'running';
  } catch {
    return false;
  }
}

export function disableSound(): void {
  void ctx?.close();
  ctx = null;
}

/** Plays the chime; false when audio is not enabled. */
export function beep(): boolean {
  if (!ctx || ctx.state !== 'running') return false;
  const t0 = ctx.currentTime;
  for (const [i, freq] of [880, 1320].entries()) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    const start = t0 + i * 0.16;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.14);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + 0.15);
  }
  return true;
}
