/**
 * @module Activating, deactivating and revoking license keys. `activations_used` counts the
 * devices a key is active on now: an activation takes a slot while one is free, and a
 * deactivation gives it back, so the owner can move the license to a new device. Only the
 * license's owner may deactivate (the key alone does not): a key holder cannot free slots to
 * activate more devices than the limit, nor push the owner's devices off. Every outcome is a
 * status, never a thrown error; the routes map them to problems.
 */
import type { Kysely, Transaction } from 'kysely';
import { verifyLicenseKey, type LicenseVerification } from '../../shared/license/verify.ts';
import type { Store } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import { inTransaction } from '../db/tx.ts';
import { publicKeyMap } from './signing-keys.ts';

/** Why a key was refused before its license row was looked at (see verify.ts). */
export type KeyRefusal = Exclude<LicenseVerification, { status: 'valid' | 'expired' }>;

/** Counts reported with every answer about a known license. */
export interface ActivationCounts {
  licenseId: string;
  activationsUsed: number;
  activationLimit: number;
}

export type ActivateResult =
  | ({ status: 'activated' | 'already_active' } & ActivationCounts)
  | KeyRefusal
  | { status: 'expired'; expiredAtMs: number }
  | { status: 'unknown_license' }
  | { status: 'revoked'; revokedAt: number; reason: string }
  | ({ status: 'limit_reached' } & ActivationCounts);

export type DeactivateResult =
  | ({ status: 'deactivated' | 'not_active' } & ActivationCounts)
  | KeyRefusal
  | { status: 'unknown_license' }
  /** The caller is not the license's licensee (a user or a volunteer id). */
  | { status: 'not_owner'; licenseId: string };

export type RevokeResult =
  | { status: 'revoked' | 'already_revoked'; licenseId: string; revokedAt: number; reason: string }
  | { status: 'unknown_license' };

type LicenseRow = { id: string; key: string; expires_at: number | null; activation_limit: number; activations_used: number; revoked_at: number | null; revoke_reason: string | null };

/** The license a key names, when the key is ours: its id and its exact stored text. */
async function licenseOf(db: Kysely<Database>, key: string, now: number) {
  const v = await verifyLicenseKey(key, await publicKeyMap(db), now);
  if (v.status !== 'valid' && v.status !== 'expired') return { refusal: v } as const;
  const row = await db
    .selectFrom('licenses')
    .select(['id', 'key', 'expires_at', 'activation_limit', 'activations_used', 'revoked_at', 'revoke_reason'])
    .where('id', '=', v.payload.lic)
    .executeTakeFirst();
  // A correctly signed key whose row is missing or holds another text (a store restored
  // from an older backup) is not a license this edge knows.
  if (!row || row.key !== key.replace(/\s+/g, '')) return { verification: v, row: undefined } as const;
  return { verification: v, row: normalize(row) } as const;
}

function normalize(r: LicenseRow): LicenseRow {
  return { ...r, expires_at: r.expires_at === null ? null : Number(r.expires_at), activation_limit: Number(r.activation_limit), activations_used: Number(r.activations_used), revoked_at: r.revoked_at === null ? null : Number(r.revoked_at) };
}

const counts = (r: LicenseRow, used = r.activations_used): ActivationCounts => ({ licenseId: r.id, activationsUsed: used, activationLimit: r.activation_limit });

/**
 * Activates a key on a device: takes one more slot unless the device already holds an open
 * activation. The open activation and the count change in one transaction; the count is a
 * conditional UPDATE, so racing requests can't pass the limit.
 * @param now epoch milliseconds
 */
export async function activateLicense(store: Store, key: string, deviceId: string, now: number): Promise<ActivateResult> {
  return inTransaction(store, async (trx, rollback): Promise<ActivateResult> => {
    const found = await licenseOf(trx, key, now);
    if (found.refusal) return found.refusal;
    const { verification, row } = found;
    if (!row) return { status: 'unknown_license' };
    if (row.revoked_at !== null) return { status: 'revoked', revokedAt: row.revoked_at, reason: row.revoke_reason ?? '' };
    if (verification.status === 'expired') return { status: 'expired', expiredAtMs: verification.expiredAtMs };
    if (row.expires_at !== null && now >= row.expires_at) return { status: 'expired', expiredAtMs: row.expires_at };
    const opened = await trx
      .insertInto('license_activations')
      .values({ license_id: row.id, device_id: deviceId, activated_at: now, deactivated_at: null })
      .onConflict((oc) => oc.columns(['license_id', 'device_id']).where('deactivated_at', 'is', null).doNothing())
      .executeTakeFirst();
    if (Number(opened.numInsertedOrUpdatedRows ?? 0n) === 0) return { status: 'already_active', ...counts(row) };
    const used = await trx
      .updateTable('licenses')
      .set((eb) => ({ activations_used: eb('activations_used', '+', 1) }))
      .where('id', '=', row.id)
      .where('revoked_at', 'is', null)
      .whereRef('activations_used', '<', 'activation_limit')
      .returning('activations_used')
      .executeTakeFirst();
    if (!used) {
      const current = await trx.selectFrom('licenses').select(['activations_used', 'revoked_at', 'revoke_reason']).where('id', '=', row.id).executeTakeFirstOrThrow();
      // The open activation just inserted goes back with the refusal.
      return rollback(
        current.revoked_at !== null
          ? { status: 'revoked', revokedAt: Number(current.revoked_at), reason: current.revoke_reason ?? '' }
          : { status: 'limit_reached', ...counts(row, Number(current.activations_used)) },
      );
    }
    return { status: 'activated', ...counts(row, Number(used.activations_used)) };
  });
}

/**
 * Closes the device's open activation of a key and frees its slot, for the license's owner
 * only: `ownerIds` are the caller's ids (its user id and the volunteer identity it owns), one
 * of which must be the licensee. The activation and the count change in one transaction.
 * Revoked and expired keys may still be deactivated.
 */
export async function deactivateLicense(store: Store, key: string, deviceId: string, ownerIds: readonly string[], now: number): Promise<DeactivateResult> {
  return inTransaction(store, async (trx): Promise<DeactivateResult> => {
    const found = await licenseOf(trx, key, now);
    if (found.refusal) return found.refusal;
    const { row } = found;
    if (!row) return { status: 'unknown_license' };
    if (!(await licenseeOf(trx, row.id, ownerIds))) return { status: 'not_owner', licenseId: row.id };
    const closed = await trx
      .updateTable('license_activations')
      .set({ deactivated_at: now })
      .where('license_id', '=', row.id)
      .where('device_id', '=', deviceId)
      .where('deactivated_at', 'is', null)
      .executeTakeFirst();
    if (Number(closed.numUpdatedRows) !== 1) return { status: 'not_active', ...counts(row) };
    const freed = await trx
      .updateTable('licenses')
      .set((eb) => ({ activations_used: eb('activations_used', '-', 1) }))
      .where('id', '=', row.id)
      .where('activations_used', '>', 0)
      .returning('activations_used')
      .executeTakeFirstOrThrow();
    return { status: 'deactivated', ...counts(row, Number(freed.activations_used)) };
  });
}

/** Whether one of `ids` is the license's licensee (a user id for keys bought in the shop, a volunteer id for grants). */
async function licenseeOf(trx: Transaction<Database>, licenseId: string, ids: readonly string[]): Promise<boolean> {
  if (ids.length === 0) return false;
  const row = await trx.selectFrom('licenses').select('licensee_id').where('id', '=', licenseId).where('licensee_id', 'in', [...ids]).executeTakeFirst();
  return row !== undefined;
}

/** Revokes a license for good; revoking again keeps the first time and reason. */
export async function revokeLicense(db: Kysely<Database> | Transaction<Database>, licenseId: string, reason: string, now: number): Promise<RevokeResult> {
  const done = await db
    .updateTable('licenses')
    .set({ revoked_at: now, revoke_reason: reason })
    .where('id', '=', licenseId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  const row = await db.selectFrom('licenses').select(['revoked_at', 'revoke_reason']).where('id', '=', licenseId).executeTakeFirst();
  if (!row || row.revoked_at === null) return { status: 'unknown_license' };
  const status = Number(done.numUpdatedRows) === 1 ? 'revoked' : 'already_revoked';
  return { status, licenseId, revokedAt: Number(row.revoked_at), reason: row.revoke_reason ?? '' };
}
