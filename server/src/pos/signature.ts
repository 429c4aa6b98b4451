import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header the POS signs its callbacks with: hex(HMAC-SHA256(raw body, POS_WEBHOOK_SECRET)). */
export const SIGNATURE_HEADER = 'x-pos-signature';

export function sign(body: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** Constant-time check of a hex signature over the exact bytes received. Missing or malformed → false. */
export function verifySignature(body: Buffer, secret: string, provided: string | string[] | undefined): boolean {
  if (typeof provided !== 'string' || !HEX_SHA256.test(provided)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(provided, 'hex'));
}
