/**
 * @module Password hashing with scrypt (RFC 7914) from node:crypto. A hash is stored as
 * `scrypt$N$r$p$salt$key` (salt and key base64url), so the cost can be raised later
 * without invalidating older hashes: each is verified with the parameters it was made with.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Cost of new hashes: OWASP's Password Storage Cheat Sheet minimum for scrypt (N=2^17, r=8,
 * p=1, 128 MiB), about 0.3 s on this machine.
 */
const SCRYPT_COST = { N: 2 ** 17, r: 8, p: 1 } as const;
/** Random salt per password. */
const SALT_BYTES = 16;
/** Derived key length. */
const KEY_BYTES = 32;
/**
 * Largest parameters a stored hash may name, so a corrupt or hostile row cannot make one
 * verification allocate gigabytes (memory is about 128 × N × r bytes).
 */
const SCRYPT_N_MAX = 2 ** 20;
const SCRYPT_R_MAX = 16;
const SCRYPT_P_MAX = 16;

function derive(password: string, salt: Buffer, keyBytes: number, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  // Node refuses more than 32 MiB unless told; allow what these parameters need, twice over.
  const options: ScryptOptions = { ...cost, maxmem: 2 * 128 * cost.N * cost.r * cost.p + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password, salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * Hashes a new password with a fresh random salt.
 * @example
 * const stored = await hashPassword('correct horse battery');
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, SCRYPT_COST);
  const { N, r, p } = SCRYPT_COST;
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash {
  cost: { N: number; r: number; p: number };
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const powerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > SCRYPT_N_MAX) return undefined;
  if (!Number.isInteger(r) || r < 1 || r > SCRYPT_R_MAX || !Number.isInteger(p) || p < 1 || p > SCRYPT_P_MAX) return undefined;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length === 0 || key.length === 0) return undefined;
  return { cost: { N, r, p }, salt, key };
}

/**
 * True when `password` matches `stored`; compares in constant time. A malformed stored
 * hash never matches.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.key.length, parsed.cost);
  return timingSafeEqual(key, parsed.key);
}

/**
 * Spends the time of one verification and answers false: used for unknown e-mail
 * addresses, so response time does not tell which addresses have accounts.
 */
export async function verifyNothing(password: string): Promise<false> {
  await derive(password, Buffer.alloc(SALT_BYTES), KEY_BYTES, SCRYPT_COST);
  return false;
}
