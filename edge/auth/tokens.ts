/**
 * @module Bearer credentials: `<id>.<secret>` where the secret is 32 random bytes. Only the
 * SHA-256 of the secret is stored; a slow password hash is not needed for 256-bit secrets.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of randomness in a secret. */
const SECRET_BYTES = 32;
/** Longest token accepted, so a huge header is refused before hashing. */
const TOKEN_CHARS_MAX = 200;

/** Random identifier with a readable prefix, e.g. `v_3kq…`. */
export function newId(prefix: string, bytes = 12): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Issues a credential for `id`: the token to hand out once, and the hash to store. */
export function issueToken(id: string): { token: string; hash: string } {
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { token: `${id}.${secret}`, hash: hashSecret(secret) };
}

/** Splits a presented token; `undefined` when it is not of our shape. */
export function parseToken(token: string): { id: string; secret: string } | undefined {
  if (token.length > TOKEN_CHARS_MAX) return undefined;
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || dot === token.length - 1) return undefined;
  return { id: token.slice(0, dot), secret: token.slice(dot + 1) };
}

/** Compares a presented secret with the stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
