import { getCurrentInstance, onBeforeUnmount, shallowRef, watch, watchEffect } from 'vue';
import { native, tg } from '../telegram';

/**
 * One main action per screen. Inside Telegram it drives WebApp.MainButton; in a plain
 * browser (launch hash, no Telegram around us) the page draws the same button (MainButtonBar).
 */
export interface MainButtonState {
  text: string;
  active?: boolean;
  progress?: boolean;
  onClick: () => void;
}

export const mainButton = shallowRef<MainButtonState | null>(null);

let owners = 0;

export function useMainButton(get: () => MainButtonState | null): void {
  const me = ++owners;
  let current = 0;
  const stop = watchEffect(() => {
    mainButton.value = get();
    current = me;
  });
  if (getCurrentInstance()) {
    onBeforeUnmount(() => {
      stop();
      if (current === me) mainButton.value = null;
    });
  }
}

export function pressMainButton(): void {
  const s = mainButton.value;
  if (s && s.active !== false && !s.progress) s.onClick();
}

/** Mirrors the state onto Telegram's MainButton; call once at start. */
export function wireTelegramMainButton(): void {
  try {
    tg.MainButton.onClick(pressMainButton);
  } catch {
    /* no MainButton: the page bar is the button */
  }
  watch(
    mainButton,
    (s) => {
      try {
        const mb = tg.MainButton;
        if (!s) {
          mb.hideProgress();
          mb.hide();
          return;
        }
        mb.setParams({ text: s.text, is_active: s.active !== false, is_visible: true });
        if (s.progress) mb.showProgress(false);
        else mb.hideProgress();
      } catch (e) {
        if (native) console.warn('[tg] MainButton', e);
      }
    },
    { immediate: true },
  );
}
