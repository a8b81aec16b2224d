/**
 * @module The system's accounts by name, so no module spells an account id by hand.
 * Points are issued by `points:issued` (the operator's points liability) to volunteers, and
 * return to it when redeemed; money accounts are in minor units of CURRENCY.
 */
import type { AccountSpec } from './types.ts';

export const ACCOUNTS = {
  /** The operator's points liability: debited for every point issued, credited when redeemed. */
  pointsIssued: { id: 'points:issued', ledger: 'points', floor: null },
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

/** Accounts that exist from the first start. */
export const SYSTEM_ACCOUNTS: AccountSpec[] = [ACCOUNTS.pointsIssued, ACCOUNTS.operatorRevenue, ACCOUNTS.operatorDiscounts, ACCOUNTS.external];
