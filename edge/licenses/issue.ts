/**
 * @module Issuing license keys, idempotent by the id of the transfer (or grant) that paid for
 * them: the same transfer always yields the same license, whoever asks and however often.
 */
import type { Kysely, Transaction } from 'kysely';
import { DAY_MS, LICENSE_ACTIVATIONS_MAX, LICENSE_ID_CHARS_MAX, LICENSE_NAME_CHARS_MAX, LICENSE_VALID_DAYS_MAX } from '../../shared/limits.ts';
import { signLicense } from '../../shared/license/sign.ts';
import { newId } from '../auth/tokens.ts';
import type { Database } from '../db/schema.ts';
import { activeSigningKey } from './signing-keys.ts';

/** The licensee name in keys issued to volunteers, whose identities are anonymous until claimed. */
export const VOLUNTEER_LICENSEE_NAME = 'SpareCycles volunteer';

/** What the shop (or a grant) knows when it issues a license. */
export interface IssueLicenseInput {
  productId: string;
  productName: string;
  /** A user id or a volunteer id. */
  licenseeId: string;
  licenseeName: string;
  /** Days from `now` until the key expires; `null` never expires. */
  validDays: number | null;
  activationLimit: number;
  /** The ledger transfer that paid for the license, or the grant's id; one license each. */
  transferId: string;
}

/** The issued license: its id and the key text to hand to the licensee. */
export interface IssuedLicense {
  licenseId: string;
  key: string;
}

/**
 * Issues (or finds) the license paid for by `input.transferId`. Call it inside the
 * transaction that records the payment, so the license exists exactly when the payment does.
 * Throws only on a caller's bug: terms out of range, or a transfer id already used for a
 * different product or licensee.
 * @param now epoch milliseconds
 * @example
 * const { licenseId, key } = await issueLicense(trx, { productId, productName, licenseeId, licenseeName, validDays: 365, activationLimit: 3, transferId }, now);
 */
export async function issueLicense(trx: Transaction<Database> | Kysely<Database>, input: IssueLicenseInput, now: number): Promise<IssuedLicense> {
  const { validDays } = input;
  if (validDays !== null && !(Number.isInteger(validDays) && validDays >= 1 && validDays <= LICENSE_VALID_DAYS_MAX)) {
    throw new RangeError(`validDays must be null or an integer in 1..${LICENSE_VALID_DAYS_MAX}, got ${validDays}`);
  }
  return issueLicenseUntil(trx, { ...input, expiresAt: validDays === null ? null : now + validDays * DAY_MS }, now);
}

/** Like {@link issueLicense}, with the expiry as an instant (epoch ms, rounded down to a second). */
export async function issueLicenseUntil(
  db: Transaction<Database> | Kysely<Database>,
  input: Omit<IssueLicenseInput, 'validDays'> & { expiresAt: number | null },
  now: number,
): Promise<IssuedLicense> {
  checkTerms(input, now);
  const existing = await byTransfer(db, input.transferId);
  if (existing) return sameTerms(existing, input);
  const signer = await activeSigningKey(db, now);
  const id = newId('lic');
  const iat = Math.floor(now / 1000);
  const exp = input.expiresAt === null ? null : Math.floor(input.expiresAt / 1000);
  const key = await signLicense(
    {
      v: 1,
      kid: signer.kid,
      lic: id,
      product: input.productId,
      pn: input.productName,
      licensee: input.licenseeId,
      ln: input.licenseeName,
      iat,
      exp,
      act: input.activationLimit,
      tx: input.transferId,
    },
    signer.privateKey,
  );
  // A racing issue for the same transfer (another transaction) wins or loses here; either
  // way the row read back below is the one license of this transfer.
  await db
    .insertInto('licenses')
    .values({
      id,
      product_id: input.productId,
      licensee_id: input.licenseeId,
      key,
      issued_at: iat * 1000,
      expires_at: exp === null ? null : exp * 1000,
      activation_limit: input.activationLimit,
      revoked_at: null,
      revoke_reason: null,
      transfer_id: input.transferId,
    })
    .onConflict((oc) => oc.column('transfer_id').doNothing())
    .execute();
  const row = await byTransfer(db, input.transferId);
  if (!row) throw new Error(`license of transfer ${input.transferId} vanished`);
  return sameTerms(row, input);
}

function byTransfer(db: Kysely<Database>, transferId: string) {
  return db.selectFrom('licenses').select(['id', 'key', 'product_id', 'licensee_id']).where('transfer_id', '=', transferId).executeTakeFirst();
}

function sameTerms(row: { id: string; key: string; product_id: string; licensee_id: string }, input: { productId: string; licenseeId: string; transferId: string }): IssuedLicense {
  if (row.product_id !== input.productId || row.licensee_id !== input.licenseeId) {
    throw new Error(`transfer ${input.transferId} already paid for license ${row.id} of ${row.product_id} to ${row.licensee_id}`);
  }
  return { licenseId: row.id, key: row.key };
}

function checkTerms(input: Omit<IssueLicenseInput, 'validDays'> & { expiresAt: number | null }, now: number): void {
  for (const [name, v] of [['productId', input.productId], ['licenseeId', input.licenseeId], ['transferId', input.transferId]] as const) {
    if (typeof v !== 'string' || v.length === 0 || v.length > LICENSE_ID_CHARS_MAX) throw new RangeError(`${name} must have 1..${LICENSE_ID_CHARS_MAX} characters`);
  }
  for (const [name, v] of [['productName', input.productName], ['licenseeName', input.licenseeName]] as const) {
    if (typeof v !== 'string' || v.length > LICENSE_NAME_CHARS_MAX) throw new RangeError(`${name} must have at most ${LICENSE_NAME_CHARS_MAX} characters`);
  }
  const { activationLimit, expiresAt } = input;
  if (!Number.isInteger(activationLimit) || activationLimit < 1 || activationLimit > LICENSE_ACTIVATIONS_MAX) {
    throw new RangeError(`activationLimit must be an integer in 1..${LICENSE_ACTIVATIONS_MAX}, got ${activationLimit}`);
  }
  if (expiresAt !== null && !(Number.isSafeInteger(expiresAt) && expiresAt > now && expiresAt <= now + LICENSE_VALID_DAYS_MAX * DAY_MS)) {
    throw new RangeError(`expiresAt must be after now and within ${LICENSE_VALID_DAYS_MAX} days`);
  }
}
