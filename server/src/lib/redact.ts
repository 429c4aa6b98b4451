/** Query parameters that carry realtime credentials (`?token=`, `?ticket=`). */
const SECRET_NAMES = new Set(['token', 'ticket', 'access_token']);

/**
 * URLs carry realtime credentials; logs and error messages must not. A parameter is judged by
 * its name as the query parser decodes it (`%74oken` is `token` to the server, so it is redacted
 * too), case-insensitively; a name that does not decode is redacted to be safe. The fragment is
 * dropped (a client never sends one; whatever is there is not ours to log).
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash === -1 ? url.length : hash);
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    if (eq === -1) return part;
    const name = decodeName(part.slice(0, eq));
    return name === null || SECRET_NAMES.has(name.toLowerCase()) ? `${part.slice(0, eq)}=[redacted]` : part;
  });
  return `${url.slice(0, q + 1)}${parts.join('&')}`;
}

function decodeName(raw: string): string | null {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}
