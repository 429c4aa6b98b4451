/**
 * Start parameters shared by the bot's `/start <payload>` and the Mini App's `startapp`
 * (https://core.telegram.org/bots/webapps#direct-link-mini-apps: A-Z a-z 0-9 _ -, up to 512).
 * The Mini App maps the same strings to its screens (webapp/src/start-param.ts).
 */
export type StartTarget = { kind: 'city'; cityId: number } | { kind: 'order'; orderId: number } | { kind: 'orders' } | { kind: 'menu' };

export function parseStartPayload(payload: string | undefined): StartTarget {
  const p = (payload ?? '').trim();
  let m = /^city-(\d{1,9})$/.exec(p);
  if (m) return { kind: 'city', cityId: Number(m[1]) };
  m = /^order-(\d{1,15})$/.exec(p);
  if (m) return { kind: 'order', orderId: Number(m[1]) };
  if (p === 'orders') return { kind: 'orders' };
  return { kind: 'menu' };
}

export function startParamOf(target: StartTarget): string | undefined {
  switch (target.kind) {
    case 'city':
      return `city-${target.cityId}`;
    case 'order':
      return `order-${target.orderId}`;
    case 'orders':
      return 'orders';
    case 'menu':
      return undefined;
  }
}

/** The Mini App's address for a target: `PUBLIC_URL/app/`, with `?startapp=` as a direct link carries it. */
export function miniAppUrl(publicUrl: string, target: StartTarget = { kind: 'menu' }): string {
  const param = startParamOf(target);
  return `${publicUrl}/app/${param ? `?startapp=${param}` : ''}`;
}
