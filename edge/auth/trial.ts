/**
 * @module Trial credit for a new customer account: the operator's gift (TRIAL_CREDIT_MINOR,
 * a setting), granted to the first TRIAL_GRANTS_PER_ORIGIN_PER_DAY_MAX accounts of a network
 * origin each day. Free money is the root of every free-points scheme (issue 15): with this
 * bound, what one origin can turn into paid work per day is at most grants × credit.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { admitIdentity } from './identity-limiter.ts';

/**
 * The trial credit (minor units) a customer created now from `origin` gets, counting the
 * grant in the caller's transaction: `trialMinor`, or 0 when the origin had its day's grants.
 * The grant's bound has one window, so a refusal writes nothing (no rollback needed).
 * @example
 * const trial = await trialForNewCustomer(trx, origin, at, deps.trialCreditMinor);
 */
export async function trialForNewCustomer(trx: Transaction<Database>, origin: string | undefined, at: number, trialMinor: number): Promise<number> {
  if (trialMinor <= 0) return 0;
  const admitted = await admitIdentity(trx, 'trial_credit', origin, at);
  return admitted.status === 'admitted' ? trialMinor : 0;
}
