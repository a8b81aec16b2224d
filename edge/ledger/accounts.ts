/**
 * @module The system's accounts by name, so no module spells an account id by hand.
 * Points are issued to volunteers from POINTS_ISSUER_SHARDS issuer accounts
 * `points:issued:<k>` (a volunteer always from the same one) and return to `points:issued`
 * when redeemed: together they are the operator's points liability
 * (ledger.ts `pointsIssuedPosted`). Shards, so concurrent credits to different volunteers
 * seldom wait on one account row (issue 18, "no hot rows"). Money accounts are in minor
 * units of CURRENCY.
 */
import type { AccountSpec } from './types.ts';

/** Issuer accounts points are credited from (migration 0018 created them). */
export const POINTS_ISSUER_SHARDS = 16;
/** What every issuer account's id starts with. */
export const POINTS_ISSUER_PREFIX = 'points:issued';

/** The issuer shard of a volunteer: FNV-1a of its id (stable, so its credits and reversals meet one account). */
function issuerShard(volunteerId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < volunteerId.length; i++) h = Math.imul(h ^ volunteerId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % POINTS_ISSUER_SHARDS;
}

const issuerAccount = (k: number): AccountSpec => ({ id: `${POINTS_ISSUER_PREFIX}:${k}`, ledger: 'points', floor: null });

export const ACCOUNTS = {
  /** The operator's points liability where redeemed points return (and refunds draw from). */
  pointsIssued: { id: POINTS_ISSUER_PREFIX, ledger: 'points', floor: null },
  /** The issuer account `volunteerId`'s credits are debited from (and reversals return to). */
  pointsIssuerFor: (volunteerId: string): AccountSpec => issuerAccount(issuerShard(volunteerId)),
  /** A volunteer's spendable (vested) points; can't go below zero. */
  volunteerPoints: (volunteerId: string): AccountSpec => ({ id: `points:volunteer:${volunteerId}`, ledger: 'points', floor: 0 }),
  /**
   * A volunteer's points still vesting: credited for validated results, moved to its
   * spendable account once the results are beyond doubt (edge/coordinator/vesting.ts).
   */
  volunteerVesting: (volunteerId: string): AccountSpec => ({ id: `points:vesting:${volunteerId}`, ledger: 'points', floor: 0 }),
  /** A customer's prepaid balance; can't go below zero. */
  customerBalance: (customerId: string): AccountSpec => ({ id: `money:customer:${customerId}`, ledger: 'money', floor: 0 }),
  /** The operator's compute revenue. */
  operatorRevenue: { id: 'money:operator:revenue', ledger: 'money', floor: null },
  /** What the operator owes shops for discounts granted against points (an expense). */
  operatorDiscounts: { id: 'money:operator:discounts', ledger: 'money', floor: null },
  /** A shop's receivable from the operator (settlement of point discounts). */
  shopReceivable: (shopId: string): AccountSpec => ({ id: `money:shop:${shopId}:receivable`, ledger: 'money', floor: null }),
  /** A shop's sales paid by buyers through the payment provider. */
  shopSales: (shopId: string): AccountSpec => ({ id: `money:shop:${shopId}:sales`, ledger: 'money', floor: null }),
  /** Money from outside (the payment provider's side of buyer payments and top-ups). */
  external: { id: 'money:external', ledger: 'money', floor: null },
} as const satisfies Record<string, AccountSpec | ((id: string) => AccountSpec)>;

/** Every account points are issued from or returned to: the operator's points liability is their sum. */
export const ISSUER_ACCOUNT_IDS: readonly string[] = [ACCOUNTS.pointsIssued.id, ...Array.from({ length: POINTS_ISSUER_SHARDS }, (_, k) => issuerAccount(k).id)];

/** Accounts that exist from the first start. */
export const SYSTEM_ACCOUNTS: AccountSpec[] = [
  ACCOUNTS.pointsIssued,
  ...Array.from({ length: POINTS_ISSUER_SHARDS }, (_, k) => issuerAccount(k)),
  ACCOUNTS.operatorRevenue,
  ACCOUNTS.operatorDiscounts,
  ACCOUNTS.external,
];
