/**
 * @module Signatures of payment callbacks: HMAC-SHA256 (RFC 2104) of the callback's raw body
 * under a secret the payment provider and the edge share, sent in the
 * {@link PAYMENT_SIGNATURE_HEADER} as `sha256=<hex>` (the shape of GitHub's
 * `X-Hub-Signature-256`; Stripe's webhooks sign the same way). The edge checks it before it
 * reads anything of the body, in constant time, so an unsigned or forged callback learns
 * nothing, not even whether the payment it names exists.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { PAYMENT_SIGNATURE_HEADER } from '../../shared/shop/schemas.ts';

export { PAYMENT_SIGNATURE_HEADER };

/** Bytes of a generated callback secret: 256 bits, HMAC-SHA256's own key strength. */
export const CALLBACK_SECRET_BYTES = 32;
/** Shortest secret accepted: a shorter key would be the weak point of the HMAC (RFC 2104 §3: at least the output length, 32 bytes). */
export const CALLBACK_SECRET_BYTES_MIN = 32;

const PREFIX = 'sha256=';

/** A new random callback secret. */
export function newCallbackSecret(): Uint8Array {
  return randomBytes(CALLBACK_SECRET_BYTES);
}

/** The header value that signs `body` under `secret`. */
export function signCallback(secret: Uint8Array, body: string): string {
  if (secret.byteLength < CALLBACK_SECRET_BYTES_MIN) throw new RangeError(`a callback secret needs at least ${CALLBACK_SECRET_BYTES_MIN} bytes`);
  return PREFIX + createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/** Whether `signature` (the header's value, or undefined when absent) signs `body` under `secret`. */
export function verifyCallback(secret: Uint8Array, body: string, signature: string | undefined): boolean {
  if (signature === undefined || !signature.startsWith(PREFIX)) return false;
  const expected = Buffer.from(signCallback(secret, body).slice(PREFIX.length), 'hex');
  const given = signature.slice(PREFIX.length);
  // Only lower-case hex of the right length is a signature; anything else is refused before comparing.
  if (!/^[0-9a-f]*$/.test(given) || given.length !== expected.length * 2) return false;
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}
