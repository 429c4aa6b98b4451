/*
 * Everything the app asks of Telegram goes through here. Every call that needs a newer
 * client is guarded with isVersionAtLeast and wrapped so an old client (or a plain browser
 * opened with the launch hash) gets a working fallback, never an exception.
 */
import WebApp from '@twa-dev/sdk';
import { ref, shallowRef } from 'vue';

/*
 * @twa-dev/sdk is CommonJS whose default export is window.Telegram.WebApp; bundlers' interop may hand
 * us the module object instead. The script itself always sets window.Telegram.WebApp, so read that.
 */
type WebAppT = typeof WebApp;
export const tg: WebAppT =
  (window as unknown as { Telegram?: { WebApp?: WebAppT } }).Telegram?.WebApp ??
  ((WebApp as unknown as { default?: WebAppT }).default ?? WebApp);

type Win = Window & { TelegramWebviewProxy?: unknown; external?: unknown };

/** Telegram's own client hosts us (native proxy, Windows Phone bridge, or web.telegram.org's iframe). */
export function insideTelegram(): boolean {
  try {
    const w = window as Win;
    if (w.TelegramWebviewProxy !== undefined) return true;
    if (w.external && typeof w.external === 'object' && 'notify' in (w.external as object)) return true;
    return window.parent != null && window.parent !== window;
  } catch {
    return false;
  }
}

/** The raw, signed launch data (sent as-is to the server; initDataUnsafe is never trusted). */
export function launchInitData(): string {
  try {
    return tg.initData || '';
  } catch {
    return '';
  }
}

export function atLeast(version: string): boolean {
  try {
    return tg.isVersionAtLeast(version);
  } catch {
    return false;
  }
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    console.warn('[tg]', e);
  }
}

export const native = insideTelegram();
export const colorScheme = ref<'light' | 'dark'>('light');

function applyScheme(): void {
  let scheme: 'light' | 'dark' = 'light';
  try {
    scheme = tg.colorScheme === 'dark' ? 'dark' : 'light';
  } catch {
    /* keep light */
  }
  colorScheme.value = scheme;
  document.documentElement.dataset.scheme = scheme;
  const bg = getComputedStyle(document.documentElement).getPropertyValue('--tg-theme-bg-color').trim();
  let meta = document.querySelector<HTMLMetaElement>('meta[name="theme-color"]');
  if (!meta) {
    meta = document.createElement('meta');
    meta.name = 'theme-color';
    document.head.appendChild(meta);
  }
  meta.content = bg || (scheme === 'dark' ? '#17212b' : '#ffffff');
}

/** ready(), expand(), theme and colours; safe to call once at start. */
export function initTelegram(): void {
  applyScheme();
  safe(() => tg.onEvent('themeChanged', applyScheme));
  safe(() => tg.ready());
  safe(() => tg.expand());
  if (atLeast('6.1')) {
    safe(() => tg.setHeaderColor('bg_color'));
    safe(() => tg.setBackgroundColor('bg_color'));
  }
  if (atLeast('7.7')) safe(() => tg.disableVerticalSwipes());
}

export const haptic = {
  add(): void {
    if (atLeast('6.1')) safe(() => tg.HapticFeedback.impactOccurred('light'));
  },
  select(): void {
    if (atLeast('6.1')) safe(() => tg.HapticFeedback.selectionChanged());
  },
  success(): void {
    if (atLeast('6.1')) safe(() => tg.HapticFeedback.notificationOccurred('success'));
  },
  error(): void {
    if (atLeast('6.1')) safe(() => tg.HapticFeedback.notificationOccurred('error'));
  },
};

let closingConfirmation = false;
export function setClosingConfirmation(on: boolean): void {
  if (on === closingConfirmation) return;
  closingConfirmation = on;
  if (!atLeast('6.2')) return;
  safe(() => (on ? tg.enableClosingConfirmation() : tg.disableClosingConfirmation()));
}

/* In-page confirm dialog: used outside Telegram and by clients older than 6.2. */
export interface PendingConfirm {
  message: string;
  okText: string;
  cancelText: string;
  resolve: (ok: boolean) => void;
}
export const pendingConfirm = shallowRef<PendingConfirm | null>(null);

export function confirmDialog(message: string, labels: { ok?: string; cancel?: string } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    if (native && atLeast('6.2')) {
      try {
        tg.showConfirm(message, (ok) => resolve(!!ok));
        return;
      } catch (e) {
        console.warn('[tg] showConfirm failed, using the page dialog', e);
      }
    }
    pendingConfirm.value = {
      message,
      okText: labels.ok ?? 'OK',
      cancelText: labels.cancel ?? '×',
      resolve: (ok) => {
        pendingConfirm.value = null;
        resolve(ok);
      },
    };
  });
}

/* BackButton: Telegram's own from 6.1 inside Telegram; otherwise the page draws one. */
export const pageBackVisible = ref(false);
let backHandler: (() => void) | null = null;
const onBack = () => backHandler?.();
let backWired = false;
export const nativeBack = native && atLeast('6.1');

export function setBackButton(handler: (() => void) | null): void {
  backHandler = handler;
  if (nativeBack) {
    if (!backWired) {
      backWired = true;
      safe(() => tg.BackButton.onClick(onBack));
    }
    safe(() => (handler ? tg.BackButton.show() : tg.BackButton.hide()));
  } else {
    pageBackVisible.value = !!handler;
  }
}
export function pressPageBack(): void {
  onBack();
}

/** The Telegram user's language, if Telegram told us. */
export function telegramLanguage(): string {
  try {
    return tg.initDataUnsafe?.user?.language_code ?? '';
  } catch {
    return '';
  }
}

export type InvoiceOutcome = 'paid' | 'cancelled' | 'failed' | 'pending' | 'opened';

/**
 * Opens a Telegram invoice link (6.1+): Telegram's own payment sheet, its outcome to `done`.
 * Outside Telegram (a plain browser, the local simulator) the link opens in a new tab naming
 * the payer (`?user=`, which the simulator's payment form reads) and the outcome is `opened`:
 * the order's live `order-payment-updated` tells the rest.
 */
export function openInvoice(url: string, done: (outcome: InvoiceOutcome) => void): void {
  if (native && atLeast('6.1')) {
    try {
      tg.openInvoice(url, (status) => done(status));
      return;
    } catch (e) {
      console.warn('[tg] openInvoice failed, opening the link', e);
    }
  }
  let target = url;
  try {
    const u = new URL(url);
    const id = tg.initDataUnsafe?.user?.id;
    if (id) u.searchParams.set('user', String(id));
    target = u.toString();
  } catch {
    /* not a URL we can add to: open it as it is */
  }
  window.open(target, '_blank');
  done('opened');
}

/**
 * Asks the user to let the bot write to them (6.9+); null when it cannot be asked (older client,
 * or outside Telegram), so nothing is remembered.
 */
export function requestWriteAccess(): Promise<boolean | null> {
  if (!native || !atLeast('6.9')) return Promise.resolve(null);
  return new Promise((resolve) => {
    try {
      tg.requestWriteAccess((allowed) => resolve(!!allowed));
    } catch (e) {
      console.warn('[tg] requestWriteAccess failed', e);
      resolve(null);
    }
  });
}
