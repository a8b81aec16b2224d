/**
 * @module Signs license payloads with Ed25519 through Web Crypto, the same code in Node 20
 * and browsers. Only the issuer signs; applications verify (verify.ts).
 */
import { base64urlToBytes } from './base64url.ts';
import { ED25519_PUBLIC_KEY_BYTES, LicensePayloadSchema, formatLicenseKey, kidOf, payloadBytes, type LicensePayload } from './format.ts';

/** The Web Crypto algorithm of every key and signature here. */
export const ED25519 = { name: 'Ed25519' } as const;

/** A signing key pair as the issuer holds it. */
export interface LicenseSigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** Raw 32-byte public key. */
  publicKey: Uint8Array<ArrayBuffer>;
}

/**
 * Signs a payload into key text. The payload is validated first: a key that would read as
 * malformed is never issued.
 * @example
 * const key = await signLicense({ v: 1, kid, lic: 'lic_1', … }, signingKey.privateKey);
 */
export async function signLicense(payload: LicensePayload, privateKey: CryptoKey): Promise<string> {
  const checked = LicensePayloadSchema.parse(payload);
  const bytes = payloadBytes(checked);
  const signature = new Uint8Array(await crypto.subtle.sign(ED25519, privateKey, bytes));
  return formatLicenseKey(bytes, signature);
}

/** Makes a fresh extractable key pair (its pkcs8 can be stored or printed). */
export async function generateLicenseSigningKey(): Promise<LicenseSigningKey> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { kid: await kidOf(publicKey), privateKey: pair.privateKey, publicKey };
}

/**
 * Imports a PKCS #8 Ed25519 private key and recovers its public key (the JWK `x`), so a
 * configured private key alone is enough to sign and to publish the public key.
 */
export async function importLicenseSigningKey(pkcs8: Uint8Array): Promise<LicenseSigningKey> {
  const privateKey = await crypto.subtle.importKey('pkcs8', new Uint8Array(pkcs8), ED25519, true, ['sign']);
  const jwk = await crypto.subtle.exportKey('jwk', privateKey);
  const publicKey = jwk.x ? base64urlToBytes(jwk.x) : undefined;
  if (!publicKey || publicKey.length !== ED25519_PUBLIC_KEY_BYTES) throw new TypeError('the private key has no Ed25519 public part');
  return { kid: await kidOf(publicKey), privateKey, publicKey };
}

/** Exports a key pair's private key as PKCS #8 bytes. */
export async function exportPkcs8(key: LicenseSigningKey): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.exportKey('pkcs8', key.privateKey));
}

