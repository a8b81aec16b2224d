/**
 * @module Base64url without padding (RFC 4648 §5), strict on decoding: a text decodes only
 * when it is the one canonical encoding of its bytes, so two different texts never carry the
 * same bytes (a license key changed in its unused low bits would otherwise still verify).
 */
import { base64ToBytes, bytesToBase64 } from '../base64.ts';

const BASE64URL_RE = /^[A-Za-z0-9_-]*$/;

/** Encodes bytes as base64url without `=` padding. */
export function bytesToBase64url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Decodes unpadded base64url; `undefined` for any character outside the alphabet, a length
 * no encoding has, or a non-canonical last character.
 * @example
 * base64urlToBytes('AQI') // Uint8Array [1, 2]
 * base64urlToBytes('AQJ') // undefined: same bytes, non-zero unused bits
 */
export function base64urlToBytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64URL_RE.test(text) || text.length % 4 === 1) return undefined;
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(padded);
  } catch {
    return undefined;
  }
  if (bytesToBase64url(bytes) !== text) return undefined;
  return new Uint8Array(bytes);
}
