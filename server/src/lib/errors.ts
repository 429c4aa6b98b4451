/** An error a client caused or must know about: becomes `{error: code, message}` with `statusCode`. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** Extra fields of the body the client acts on (e.g. `reopens_at` of a refused order); each is in ErrorBody's schema. */
    readonly extra?: { reopens_at?: string | null },
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, code = 'bad_request') => new HttpError(400, code, message);
export const unauthorized = (message = 'Authentication required', code = 'unauthorized') => new HttpError(401, code, message);
export const forbidden = (message = 'You may not do this', code = 'forbidden') => new HttpError(403, code, message);
export const notFound = (message = 'Not found', code = 'not_found') => new HttpError(404, code, message);
export const conflict = (message: string, code = 'conflict', extra?: HttpError['extra']) => new HttpError(409, code, message, extra);
export const unprocessable = (message: string, code = 'unprocessable') => new HttpError(422, code, message);
export const tooManyRequests = (message: string, code = 'rate_limited') => new HttpError(429, code, message);
