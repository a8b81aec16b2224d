/**
 * @module Server secrets (the session cookie's signing key, a license signing key …): made
 * once, kept in the `secrets` table so every edge node sharing the database uses the same
 * one, or given by the operator in an environment variable, which always wins.
 */
import type { Store } from '../db/index.ts';

/** Secrets already read, per store, so a request never queries for one twice. */
const cache = new WeakMap<Store, Map<string, Promise<string>>>();

/**
 * The environment variable that overrides the secret `name`: upper-cased, non-alphanumerics
 * as `_`, then `_SECRET` (`session` → `SESSION_SECRET`).
 */
export function secretEnvName(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_SECRET`;
}

/** Where {@link getOrCreateSecret} looks for an override. */
export interface SecretOverride {
  /** The variable's name. @default secretEnvName(name) */
  envName?: string;
  /** The environment. @default process.env */
  env?: Record<string, string | undefined>;
}

/**
 * The secret called `name`: the environment override when set (never written to the
 * database), else the stored value, else `make()`'s, stored first. When several nodes
 * start at once, the first insert wins and all of them read it.
 * @example
 * const key = await getOrCreateSecret(store, 'session', () => randomBytes(32).toString('base64url'));
 * const signing = await getOrCreateSecret(store, 'license-signing-key', makeKey, { envName: 'LICENSE_SIGNING_KEY' });
 */
export async function getOrCreateSecret(
  store: Store,
  name: string,
  make: () => string | Promise<string>,
  override: SecretOverride = {},
): Promise<string> {
  const fromEnv = (override.env ?? process.env)[override.envName ?? secretEnvName(name)];
  if (fromEnv) return fromEnv;
  let perStore = cache.get(store);
  if (!perStore) cache.set(store, (perStore = new Map()));
  let value = perStore.get(name);
  if (!value) {
    value = readOrInsert(store, name, make);
    perStore.set(name, value);
    // A failure (database down) is not remembered: the next caller tries again.
    value.catch(() => perStore.get(name) === value && perStore.delete(name));
  }
  return value;
}

async function readOrInsert(store: Store, name: string, make: () => string | Promise<string>): Promise<string> {
  const read = () => store.db.selectFrom('secrets').select('value').where('name', '=', name).executeTakeFirst();
  const found = await read();
  if (found) return found.value;
  const made = await make();
  await store.db
    .insertInto('secrets')
    .values({ name, value: made })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const stored = await read();
  if (!stored) throw new Error(`secret ${name} was not stored`);
  return stored.value;
}
