/*
 * Where the Mini App opens when a link asked for a place: `startapp=city-2` / `order-123` / `orders`.
 * Telegram hands a direct link's parameter over as initData's `start_param` (and as
 * `tgWebAppStartParam` in the query); the bot's web_app buttons carry it as `?startapp=` in their
 * URL. The same strings as the bot's (server/src/bot/deep-link.ts).
 */
export type StartTarget = { kind: 'city'; cityId: number } | { kind: 'order'; orderId: number } | { kind: 'orders' };

const VALID = /^[A-Za-z0-9_-]{1,512}$/;

/** The start parameter this launch carries, if any: initData's first, then the page URL's. */
export function findStartParam(initDataStartParam: string | undefined, search: string): string | undefined {
  const query = new URLSearchParams(search);
  for (const candidate of [initDataStartParam, query.get('tgWebAppStartParam'), query.get('startapp')]) {
    if (candidate && VALID.test(candidate)) return candidate;
  }
  return undefined;
}

export function parseStartParam(param: string | undefined): StartTarget | null {
  if (!param) return null;
  let m = /^city-(\d{1,9})$/.exec(param);
  if (m) return { kind: 'city', cityId: Number(m[1]) };
  m = /^order-(\d{1,15})$/.exec(param);
  if (m) return { kind: 'order', orderId: Number(m[1]) };
  if (param === 'orders') return { kind: 'orders' };
  return null;
}

export interface StartActions {
  switchCity(cityId: number): Promise<void>;
  /** Resolves when the signed-in customer may see the order (the server answers 404 for anyone else's). */
  loadOrder(orderId: number): Promise<unknown>;
  go(route: { name: string; params?: Record<string, string> }): Promise<unknown>;
}

/** Opens the target: a city's menu; an order only if the server shows it to this customer, else their orders list. */
export async function openStartTarget(target: StartTarget, act: StartActions): Promise<void> {
  switch (target.kind) {
    case 'city':
      try {
        await act.switchCity(target.cityId);
        await act.go({ name: 'menu' });
      } catch {
        // An unknown city: the customer stays where sign-in put them.
      }
      return;
    case 'order':
      try {
        await act.loadOrder(target.orderId);
        await act.go({ name: 'order', params: { id: String(target.orderId) } });
      } catch {
        await act.go({ name: 'orders' });
      }
      return;
    case 'orders':
      await act.go({ name: 'orders' });
  }
}
