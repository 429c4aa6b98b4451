const SECRET_PARAMS = /([?&](?:token|ticket|access_token)=)[^&#]*/gi;

/** URLs carry realtime credentials (`?token=`, `?ticket=`); logs and error messages must not. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}
