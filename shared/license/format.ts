/**
 * @module The license key format, version 1. A key is one line of text:
 *
 *     SC1-<payload>.<signature>
 *
 * - `SC1-` names the format (SpareCycles, version 1) and is matched exactly.
 * - `<payload>` is base64url without padding (RFC 4648 §5) of the payload's canonical JSON
 *   (RFC 8785 JCS: keys sorted, no whitespace), encoded as UTF-8.
 * - `<signature>` is base64url without padding of the 64-byte Ed25519 signature (RFC 8032)
 *   over exactly those payload bytes.
 *
 * Why this survives copy and paste: the alphabet is `A–Z a–z 0–9 - _ .`, with no `+ / =`
 * that mail clients, URLs or Markdown rewrite, and readers drop every whitespace character,
 * so a key wrapped over several lines by a mail client still reads as the same key.
 * Everything else is strict: only the canonical base64url of the bytes and only the
 * canonical JSON of the payload are accepted, so no two texts are the same key.
 */
import { z } from 'zod';
import { LICENSE_ACTIVATIONS_MAX, LICENSE_ID_CHARS_MAX, LICENSE_KEY_CHARS_MAX, LICENSE_NAME_CHARS_MAX } from '../limits.ts';
import { base64urlToBytes, bytesToBase64url } from './base64url.ts';

/** What every version-1 key starts with. */
export const LICENSE_KEY_PREFIX = 'SC1-';
/** Bytes of an Ed25519 signature. */
export const ED25519_SIGNATURE_BYTES = 64;
/** Bytes of a raw Ed25519 public key. */
export const ED25519_PUBLIC_KEY_BYTES = 32;
/** Characters of a signing key id (base64url of the first 12 bytes of the key's SHA-256). */
const KID_CHARS = 16;

const Id = z.string().min(1).max(LICENSE_ID_CHARS_MAX);
const Name = z.string().max(LICENSE_NAME_CHARS_MAX);
const EpochSeconds = z.int().nonnegative();

/** The signed content of a key. Names are short because every byte is in the key text. */
export const LicensePayloadSchema = z.strictObject({
  /** Format version. */
  v: z.literal(1),
  /** Id of the signing key (see {@link kidOf}), so issuers can rotate keys. */
  kid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  /** License id (the issuer's `licenses.id`). */
  lic: Id,
  /** Product id. */
  product: Id,
  /** Product name, for display. */
  pn: Name,
  /** Licensee id (a user or volunteer id). */
  licensee: Id,
  /** Licensee name, for display. */
  ln: Name,
  /** Issued at, epoch seconds. */
  iat: EpochSeconds,
  /** Expires at (first second no longer valid), epoch seconds; `null` never expires. */
  exp: EpochSeconds.nullable(),
  /** Activations this key may use over its whole lifetime. */
  act: z.int().min(1).max(LICENSE_ACTIVATIONS_MAX),
  /** Id of the ledger transfer that paid for the license, or of the grant that gave it. */
  tx: Id,
});
export type LicensePayload = z.output<typeof LicensePayloadSchema>;

/**
 * Canonical JSON (RFC 8785) for the values a payload holds: strings, safe integers, null and
 * plain objects. Keys are sorted by UTF-16 code units, as JCS asks.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON here holds safe integers only, got ${value}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON here holds no ${Array.isArray(value) ? 'array' : typeof value}`);
}

/** The bytes a key signs: the UTF-8 of the payload's canonical JSON. */
export function payloadBytes(payload: LicensePayload): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(canonicalJson(payload));
}

/** Joins payload bytes and signature into key text. */
export function formatLicenseKey(bytes: Uint8Array, signature: Uint8Array): string {
  return `${LICENSE_KEY_PREFIX}${bytesToBase64url(bytes)}.${bytesToBase64url(signature)}`;
}

/** A key split into its parts, signature not yet checked. */
export type ParsedLicenseKey =
  | { status: 'ok'; payload: LicensePayload; bytes: Uint8Array<ArrayBuffer>; signature: Uint8Array<ArrayBuffer> }
  | { status: 'malformed'; reason: string };

/**
 * Reads key text (whitespace anywhere is ignored) into its payload, the signed bytes and
 * the signature. Checks form only; {@link verifyLicenseKey} checks the signature and dates.
 */
export function parseLicenseKey(text: string): ParsedLicenseKey {
  const malformed = (reason: string): ParsedLicenseKey => ({ status: 'malformed', reason });
  if (typeof text !== 'string') return malformed('a key is text');
  if (text.length > LICENSE_KEY_CHARS_MAX) return malformed(`a key has at most ${LICENSE_KEY_CHARS_MAX} characters`);
  const key = text.replace(/\s+/g, '');
  if (!key.startsWith(LICENSE_KEY_PREFIX)) return malformed(`a key starts with ${LICENSE_KEY_PREFIX}`);
  const parts = key.slice(LICENSE_KEY_PREFIX.length).split('.');
  if (parts.length !== 2) return malformed('a key has two parts separated by one dot');
  const bytes = base64urlToBytes(parts[0]!);
  const signature = base64urlToBytes(parts[1]!);
  if (!bytes || bytes.length === 0) return malformed('the payload is not base64url');
  if (!signature || signature.length !== ED25519_SIGNATURE_BYTES) return malformed(`the signature is not ${ED25519_SIGNATURE_BYTES} bytes of base64url`);
  let json: string;
  let value: unknown;
  try {
    json = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    value = JSON.parse(json);
  } catch {
    return malformed('the payload is not JSON');
  }
  const parsed = LicensePayloadSchema.safeParse(value);
  if (!parsed.success) return malformed(`the payload is not a version-1 license: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
  if (canonicalJson(parsed.data) !== json) return malformed('the payload is not in canonical form');
  return { status: 'ok', payload: parsed.data, bytes, signature };
}

/**
 * The id of a signing key: base64url of the first 12 bytes of SHA-256 of its raw public key.
 * Derived from the key itself, so a public key alone (`--public-key`) names its kid.
 */
export async function kidOf(rawPublicKey: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(rawPublicKey)));
  return bytesToBase64url(digest.subarray(0, 12)).slice(0, KID_CHARS);
}
