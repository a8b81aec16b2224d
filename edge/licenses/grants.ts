/**
 * @module Single-use license grants: an operator creates a code, the first volunteer to
 * redeem it gets the license. Redemption is one conditional UPDATE (`… where redeemed_at is
 * null`) judged by its affected rows, in the transaction that issues the license: racing
 * redemptions can't both win, and a failed issue leaves the grant unredeemed.
 */
import { randomBytes } from 'node:crypto';
import type { CreateGrantRequest } from '../../shared/license/api.ts';
import type { Store } from '../db/index.ts';
import { inTransaction } from '../db/tx.ts';
import { VOLUNTEER_LICENSEE_NAME, issueLicense, type IssuedLicense } from './issue.ts';

/** Random bytes in a grant code: codes are bearer secrets, so they must not be guessable. */
const GRANT_CODE_BYTES = 18;

export type RedeemGrantResult = ({ status: 'redeemed' } & IssuedLicense) | { status: 'already_redeemed' } | { status: 'unknown_grant' };

/** Creates a grant and returns its code (`g_` + 24 base64url characters). */
export async function createGrant(store: Store, terms: CreateGrantRequest, now: number): Promise<{ code: string }> {
  const code = `g_${randomBytes(GRANT_CODE_BYTES).toString('base64url')}`;
  await store.db
    .insertInto('license_grants')
    .values({
      code,
      product_id: terms.productId,
      product_name: terms.productName,
      valid_days: terms.validDays,
      activation_limit: terms.activationLimit,
      created_at: now,
      redeemed_by: null,
      redeemed_at: null,
      license_id: null,
    })
    .execute();
  return { code };
}

/** The transfer id a grant's license carries (`tx` in the key): one license per grant. */
export function grantTransferId(code: string): string {
  return `grant:${code}`;
}

/**
 * Redeems a grant for a volunteer, exactly once over all callers.
 * @param now epoch milliseconds
 */
export async function redeemGrant(store: Store, code: string, volunteerId: string, now: number): Promise<RedeemGrantResult> {
  return inTransaction(store, async (trx): Promise<RedeemGrantResult> => {
    const won = await trx
      .updateTable('license_grants')
      .set({ redeemed_by: volunteerId, redeemed_at: now })
      .where('code', '=', code)
      .where('redeemed_at', 'is', null)
      .executeTakeFirst();
    if (Number(won.numUpdatedRows) !== 1) {
      const exists = await trx.selectFrom('license_grants').select('code').where('code', '=', code).executeTakeFirst();
      return { status: exists ? 'already_redeemed' : 'unknown_grant' };
    }
    const grant = await trx.selectFrom('license_grants').selectAll().where('code', '=', code).executeTakeFirstOrThrow();
    const issued = await issueLicense(
      trx,
      {
        productId: grant.product_id,
        productName: grant.product_name,
        licenseeId: volunteerId,
        licenseeName: VOLUNTEER_LICENSEE_NAME,
        validDays: grant.valid_days === null ? null : Number(grant.valid_days),
        activationLimit: Number(grant.activation_limit),
        transferId: grantTransferId(code),
      },
      now,
    );
    await trx.updateTable('license_grants').set({ license_id: issued.licenseId }).where('code', '=', code).execute();
    return { status: 'redeemed', ...issued };
  });
}
