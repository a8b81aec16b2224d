/**
 * @module The offline license verifier: key text and the issuer's public keys in, a status
 * out. No I/O, the same code in Node 20 and browsers (Web Crypto Ed25519; browsers expose
 * `crypto.subtle` in secure contexts only).
 */
import { LICENSE_CLOCK_SKEW_MS } from '../limits.ts';
import { ED25519_PUBLIC_KEY_BYTES, parseLicenseKey, type LicensePayload } from './format.ts';
import { ED25519 } from './sign.ts';

/** Public keys by kid: imported keys, or raw 32-byte Ed25519 public keys. */
export type LicensePublicKeys = Record<string, CryptoKey | Uint8Array>;

/**
 * What a key is, checked in this order. `payload` is present once the signature is good;
 * `claimed` is what an unverified key says about itself, for messages only, never to trust.
 */
export type LicenseVerification =
  | { status: 'valid'; payload: LicensePayload }
  | { status: 'malformed'; reason: string }
  | { status: 'unknown_key'; kid: string; claimed: LicensePayload }
  | { status: 'bad_signature'; claimed: LicensePayload }
  /** `expiredAtMs`: when it stopped being valid. */
  | { status: 'expired'; payload: LicensePayload; expiredAtMs: number }
  /** Issued later than `now` allows, even with {@link LICENSE_CLOCK_SKEW_MS} of slack. */
  | { status: 'not_yet_valid'; payload: LicensePayload; validFromMs: number };

export type LicenseVerificationStatus = LicenseVerification['status'];

/**
 * Verifies a license key offline.
 * @param now epoch milliseconds
 * @example
 * const r = await verifyLicenseKey(key, { [kid]: rawPublicKey }, Date.now());
 * if (r.status === 'valid') unlock(r.payload.product);
 */
export async function verifyLicenseKey(key: string, publicKeys: LicensePublicKeys, now: number): Promise<LicenseVerification> {
  const parsed = parseLicenseKey(key);
  if (parsed.status === 'malformed') return parsed;
  const { payload, bytes, signature } = parsed;
  const publicKey = Object.hasOwn(publicKeys, payload.kid) ? publicKeys[payload.kid] : undefined;
  if (!publicKey) return { status: 'unknown_key', kid: payload.kid, claimed: payload };
  const cryptoKey = publicKey instanceof Uint8Array ? await importPublicKey(publicKey) : publicKey;
  if (!(await crypto.subtle.verify(ED25519, cryptoKey, signature, bytes))) return { status: 'bad_signature', claimed: payload };
  const validFromMs = payload.iat * 1000;
  if (now + LICENSE_CLOCK_SKEW_MS < validFromMs) return { status: 'not_yet_valid', payload, validFromMs };
  if (payload.exp !== null && now >= payload.exp * 1000) return { status: 'expired', payload, expiredAtMs: payload.exp * 1000 };
  return { status: 'valid', payload };
}

/** Imports a raw Ed25519 public key for verifying; throws on a key of the wrong size. */
export async function importPublicKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== ED25519_PUBLIC_KEY_BYTES) throw new TypeError(`an Ed25519 public key has ${ED25519_PUBLIC_KEY_BYTES} bytes, got ${raw.length}`);
  return crypto.subtle.importKey('raw', new Uint8Array(raw), ED25519, true, ['verify']);
}

/** A one-line reason for a refusal, for people (CLI output, problem details). */
export function describeVerification(r: LicenseVerification): string {
  switch (r.status) {
    case 'valid':
      return `valid license ${r.payload.lic} for ${r.payload.product}`;
    case 'malformed':
      return `malformed key: ${r.reason}`;
    case 'unknown_key':
      return `signed by unknown key ${r.kid}`;
    case 'bad_signature':
      return 'the signature does not match the key text (changed or forged)';
    case 'expired':
      return `expired at ${new Date(r.expiredAtMs).toISOString()}`;
    case 'not_yet_valid':
      return `not valid before ${new Date(r.validFromMs).toISOString()}`;
  }
}
