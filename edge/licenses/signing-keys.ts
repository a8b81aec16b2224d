/**
 * @module The edge's license signing key: `LICENSE_SIGNING_KEY` (PKCS #8, base64) when set,
 * else the oldest key in `license_signing_keys`, generated and stored on first use. Keys are
 * never deleted, so keys issued under an earlier one keep verifying; all are published.
 */
import type { Kysely, Transaction } from 'kysely';
import { base64ToBytes } from '../../shared/base64.ts';
import { bytesToBase64url } from '../../shared/license/base64url.ts';
import { generateLicenseSigningKey, exportPkcs8, importLicenseSigningKey, type LicenseSigningKey } from '../../shared/license/sign.ts';
import type { PublicKeysResponse } from '../../shared/license/api.ts';
import type { Database } from '../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Imported keys kept per process, by kid (importing costs a little; keys are few). */
const IMPORTED_KEYS_MAX = 64;
const imported = new Map<string, Promise<LicenseSigningKey>>();
let fromEnv: { text: string; key: Promise<LicenseSigningKey> } | undefined;

/** The configured signing key, if `LICENSE_SIGNING_KEY` is set; throws when it does not import. */
export function configuredSigningKey(env: NodeJS.ProcessEnv = process.env): Promise<LicenseSigningKey> | undefined {
  const text = env.LICENSE_SIGNING_KEY?.trim();
  if (!text) return undefined;
  if (fromEnv?.text !== text) {
    const key = importLicenseSigningKey(decodeBase64Lenient(text)).catch((err: unknown) => {
      throw new Error(`LICENSE_SIGNING_KEY is not a PKCS #8 Ed25519 key in base64 (${(err as Error).message})`);
    });
    fromEnv = { text, key };
  }
  return fromEnv.key;
}

/**
 * The key new licenses are signed with. On the database path it is read through `db`, so a
 * key generated inside a caller's transaction is used only by licenses of that transaction
 * (if it rolls back, both vanish together). Concurrent first uses may each store a key; all
 * then sign with the oldest one, and every stored key is published.
 */
export async function activeSigningKey(db: Db, now: number, env: NodeJS.ProcessEnv = process.env): Promise<LicenseSigningKey> {
  const configured = configuredSigningKey(env);
  if (configured) return configured;
  let row = await oldestKey(db);
  if (!row) {
    const fresh = await generateLicenseSigningKey();
    await db
      .insertInto('license_signing_keys')
      .values({ kid: fresh.kid, public_key_raw: fresh.publicKey, private_key_pkcs8: await exportPkcs8(fresh), created_at: now })
      .onConflict((oc) => oc.column('kid').doNothing())
      .execute();
    row = await oldestKey(db);
    if (!row) throw new Error('the signing key just stored is not visible');
  }
  let key = imported.get(row.kid);
  if (!key) {
    if (imported.size >= IMPORTED_KEYS_MAX) imported.clear();
    key = importLicenseSigningKey(row.private_key_pkcs8);
    imported.set(row.kid, key);
  }
  return key;
}

async function oldestKey(db: Db) {
  return db.selectFrom('license_signing_keys').select(['kid', 'private_key_pkcs8']).orderBy('created_at').orderBy('kid').limit(1).executeTakeFirst();
}

/**
 * Every key licenses may have been signed with: the configured key first, then every stored
 * one, oldest first. Reading never creates a key (nothing can be signed by a key that does
 * not exist yet); publishing does, so the first published list already holds the signer.
 */
export async function publicKeys(db: Db, env: NodeJS.ProcessEnv = process.env): Promise<{ kid: string; publicKey: Uint8Array }[]> {
  const configured = await configuredSigningKey(env);
  const stored = await db.selectFrom('license_signing_keys').select(['kid', 'public_key_raw']).orderBy('created_at').orderBy('kid').execute();
  const keys: { kid: string; publicKey: Uint8Array }[] = configured ? [{ kid: configured.kid, publicKey: configured.publicKey }] : [];
  for (const r of stored) if (r.kid !== configured?.kid) keys.push({ kid: r.kid, publicKey: new Uint8Array(r.public_key_raw) });
  return keys;
}

/** The public keys as the API publishes them (raw keys in base64url). */
export async function publishedPublicKeys(db: Db, now: number, env: NodeJS.ProcessEnv = process.env): Promise<PublicKeysResponse> {
  await activeSigningKey(db, now, env);
  return { keys: (await publicKeys(db, env)).map((k) => ({ kid: k.kid, publicKey: bytesToBase64url(k.publicKey) })) };
}

/** The public keys by kid, as {@link verifyLicenseKey} takes them. */
export async function publicKeyMap(db: Db, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, Uint8Array>> {
  return Object.fromEntries((await publicKeys(db, env)).map((k) => [k.kid, k.publicKey]));
}

/** Standard or URL-safe base64, padded or not (people paste either). */
function decodeBase64Lenient(text: string): Uint8Array {
  const std = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  return base64ToBytes(std + '='.repeat((4 - (std.length % 4)) % 4));
}
