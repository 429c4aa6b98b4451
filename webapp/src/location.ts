/*
 * Where the customer is, to put the nearest pickup point first. Telegram's LocationManager
 * (Bot API 8.0) inside Telegram; otherwise the browser's geolocation if the customer allows it;
 * otherwise nothing (the list stays in the restaurant's own order). Never throws, never hangs.
 */
import { atLeast, tg } from './telegram';
import type { Point } from './logic/nearest';

/** What Telegram's LocationManager offers (not in @twa-dev/sdk's types yet). */
interface TgLocationManager {
  isInited: boolean;
  isLocationAvailable: boolean;
  init(cb?: () => void): void;
  getLocation(cb: (data: { latitude: number; longitude: number } | null) => void): void;
}

const WAIT_MS = 8000;

function withTimeout(p: Promise<Point | null>): Promise<Point | null> {
  return Promise.race([p, new Promise<null>((r) => setTimeout(() => r(null), WAIT_MS))]);
}

function fromTelegram(): Promise<Point | null> | null {
  const lm = (tg as unknown as { LocationManager?: TgLocationManager }).LocationManager;
  if (!lm || !atLeast('8.0')) return null;
  return new Promise((resolve) => {
    const ask = () => {
      if (!lm.isLocationAvailable) return resolve(null);
      lm.getLocation((d) => resolve(d ? { lat: d.latitude, lng: d.longitude } : null));
    };
    try {
      if (lm.isInited) ask();
      else lm.init(ask);
    } catch {
      resolve(null);
    }
  });
}

function fromBrowser(): Promise<Point | null> | null {
  const geo = typeof navigator !== 'undefined' ? navigator.geolocation : undefined;
  if (!geo) return null;
  return new Promise((resolve) => {
    try {
      geo.getCurrentPosition(
        (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude }),
        () => resolve(null),
        { maximumAge: 300_000, timeout: WAIT_MS, enableHighAccuracy: false },
      );
    } catch {
      resolve(null);
    }
  });
}

/** The customer's position, or null when no source gives one. */
export async function locate(): Promise<Point | null> {
  const viaTelegram = fromTelegram();
  if (viaTelegram) {
    const p = await withTimeout(viaTelegram);
    if (p) return p;
  }
  const viaBrowser = fromBrowser();
  return viaBrowser ? withTimeout(viaBrowser) : null;
}
