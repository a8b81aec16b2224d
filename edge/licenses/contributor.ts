/**
 * @module The contributor grant: a license given while a volunteer keeps contributing a set
 * amount of points per calendar month (UTC). Each qualifying month yields one key (idempotent
 * by `grant:<volunteer>:<product>:<YYYY-MM>`) that lasts to the end of the NEXT month, so a
 * volunteer who keeps contributing never lapses while this month's points accumulate.
 */
import type { Store } from '../db/index.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import type { LedgerApi } from '../ledger/api.ts';
import { VOLUNTEER_LICENSEE_NAME, issueLicenseUntil } from './issue.ts';

/**
 * The ledger code of points for validated work once vested (edge/coordinator/credits.ts):
 * what counts toward a contributor license is what is beyond doubt, as for spending.
 */
const CONTRIBUTION_CODE = 'unit_vest';

/** The terms of a product that contributors may get. */
export interface ContributorProduct {
  productId: string;
  productName: string;
  /** Points a volunteer must be credited in a calendar month to qualify. */
  monthlyPoints: number;
  activationLimit: number;
}

/**
 * Products granted to contributors. A stand-in: the shop's catalog will own products and
 * their contributor terms, and this list goes away when it does.
 */
export const CONTRIBUTOR_PRODUCTS: readonly ContributorProduct[] = [
  { productId: 'p_sparecycles_studio', productName: 'SpareCycles Studio', monthlyPoints: 1_000, activationLimit: 3 },
];

/** The contributor terms of a product, if it has any. */
export function contributorProduct(productId: string): ContributorProduct | undefined {
  return CONTRIBUTOR_PRODUCTS.find((p) => p.productId === productId);
}

export type ContributorGrantResult =
  | { status: 'granted'; month: string; licenseId: string; key: string; expiresAt: number; creditedPoints: number }
  | { status: 'insufficient'; month: string; creditedPoints: number; monthlyPoints: number; missingPoints: number };

/** The UTC calendar month of `now`: its label, its bounds, and the end of the next month (epoch ms). */
export function utcMonth(now: number): { month: string; startMs: number; endMs: number; nextEndMs: number } {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return {
    month: `${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}`,
    startMs: Date.UTC(y, m, 1),
    endMs: Date.UTC(y, m + 1, 1),
    nextEndMs: Date.UTC(y, m + 2, 1),
  };
}

/**
 * Grants `productId` to a volunteer whose points credited this month reach `monthlyPoints`;
 * otherwise says how many are missing.
 * @param now epoch milliseconds
 * @example
 * const r = await contributorGrant(store, ledgerOf(store), { volunteerId, ...contributorProduct('p_x')! }, Date.now());
 */
export async function contributorGrant(
  store: Store,
  ledger: LedgerApi,
  input: { volunteerId: string; productId: string; productName: string; monthlyPoints: number; activationLimit: number },
  now: number,
): Promise<ContributorGrantResult> {
  if (!Number.isSafeInteger(input.monthlyPoints) || input.monthlyPoints < 1) throw new RangeError(`monthlyPoints must be a positive integer, got ${input.monthlyPoints}`);
  const { month, startMs, endMs, nextEndMs } = utcMonth(now);
  const creditedPoints = await ledger.creditsBetween(ACCOUNTS.volunteerPoints(input.volunteerId).id, CONTRIBUTION_CODE, startMs, endMs);
  if (creditedPoints < input.monthlyPoints) {
    return { status: 'insufficient', month, creditedPoints, monthlyPoints: input.monthlyPoints, missingPoints: input.monthlyPoints - creditedPoints };
  }
  const issued = await issueLicenseUntil(
    store.db,
    {
      productId: input.productId,
      productName: input.productName,
      licenseeId: input.volunteerId,
      licenseeName: VOLUNTEER_LICENSEE_NAME,
      expiresAt: nextEndMs,
      activationLimit: input.activationLimit,
      transferId: `grant:${input.volunteerId}:${input.productId}:${month}`,
    },
    now,
  );
  return { status: 'granted', month, ...issued, expiresAt: nextEndMs, creditedPoints };
}
