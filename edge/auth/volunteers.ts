/**
 * @module Creating a volunteer: its row and its points accounts (spendable and vesting), in the caller's transaction,
 * whether it comes from an anonymous first visit or from a sign-up.
 */
import type { Transaction } from 'kysely';
import type { Store } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerIn } from '../ledger/ledger.ts';
import { issueToken, newId } from './tokens.ts';

/**
 * What a claimed volunteer's `token_hash` holds instead of its token's hash: no secret hashes
 * to it (hashes are 64 hex digits), so the anonymous token stops working once an account owns
 * the identity (edge/auth/require.ts says why when it is presented).
 */
export const CLAIMED_TOKEN_HASH = 'claimed';

/** Inserts a volunteer and opens its points account; returns its id and bearer token. */
export async function insertVolunteer(store: Store, trx: Transaction<Database>, at: number): Promise<{ id: string; token: string }> {
  const id = newId('v');
  const { token, hash } = issueToken(id);
  await trx.insertInto('volunteers').values({ id, token_hash: hash, created_at: at }).execute();
  await ledgerIn(store, trx).ensureAccounts([ACCOUNTS.volunteerPoints(id), ACCOUNTS.volunteerVesting(id)], at);
  return { id, token };
}
