/**
 * @module The ledger transfers of an order, built from the order alone so a retry builds the
 * same transfers with the same ids (the ledger answers `exists` and moves nothing twice).
 *
 * - checkout: hold `order:<id>:hold` (volunteer points → points issued, pending);
 * - paid, one linked chain: post the hold, settlement (operator discounts → shop receivable,
 *   the discount) and sale (external → shop sales, the amount charged; skipped when 0);
 * - declined, timed out, cancelled, expired: void the hold;
 * - refund `n`: linked chain `order:<id>:refund:<n>:{points,settlement,sale}` returning
 *   points, reversing the settlement and the sale. Corrections are new transfers, never edits.
 */
import { CHECKOUT_HOLD_TIMEOUT_MS } from '../../shared/shop/limits.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import type { TransferSpec, TransferStatus } from '../ledger/types.ts';

/** Transfer codes of the shop, for reports and audits. */
export const SHOP_CODES = {
  hold: 'shop_hold',
  void: 'shop_void',
  redeem: 'shop_redeem',
  settlement: 'shop_settlement',
  sale: 'shop_sale',
  refundPoints: 'shop_refund_points',
  settlementReversal: 'shop_settlement_reversal',
  saleRefund: 'shop_sale_refund',
} as const;

/** What the transfers of an order are built from. */
export interface OrderMoney {
  id: string;
  shopId: string;
  volunteerId: string | null;
  pointsUsed: number;
  discountMinor: number;
  totalMinor: number;
}

export const holdId = (orderId: string) => `order:${orderId}:hold`;
/** The provider's idempotency key of an order's one charge. */
export const paymentKey = (orderId: string) => `order:${orderId}:pay`;
export const refundKey = (orderId: string, n: number) => `order:${orderId}:refund:${n}`;

function pointsAccount(o: OrderMoney): string {
  if (!o.volunteerId) throw new Error(`order ${o.id} uses points but names no volunteer`);
  return ACCOUNTS.volunteerPoints(o.volunteerId).id;
}

/** Marks every transfer but the last as linked: the chain succeeds or fails whole. */
function chain(ts: TransferSpec[]): TransferSpec[] {
  return ts.map((t, i) => (i < ts.length - 1 ? { ...t, linked: true } : t));
}

/** The hold of the points an order uses (none when it uses none). */
export function holdTransfer(o: OrderMoney): TransferSpec | undefined {
  if (o.pointsUsed === 0) return undefined;
  return {
    id: holdId(o.id),
    debit: pointsAccount(o),
    credit: ACCOUNTS.pointsIssued.id,
    amount: o.pointsUsed,
    code: SHOP_CODES.hold,
    ref: o.id,
    pending: { timeoutMs: CHECKOUT_HOLD_TIMEOUT_MS },
  };
}

/** Voids the hold (none when the order holds nothing). */
export function voidTransfer(o: OrderMoney): TransferSpec | undefined {
  if (o.pointsUsed === 0) return undefined;
  return { id: `order:${o.id}:void`, void: holdId(o.id), debit: '', credit: '', amount: 0, code: SHOP_CODES.void, ref: o.id };
}

/** The one linked chain that records a paid order. */
export function paidTransfers(o: OrderMoney): TransferSpec[] {
  const ts: TransferSpec[] = [];
  if (o.pointsUsed > 0) {
    ts.push({ id: `order:${o.id}:post`, post: holdId(o.id), debit: '', credit: '', amount: o.pointsUsed, code: SHOP_CODES.redeem, ref: o.id });
    ts.push({
      id: `order:${o.id}:settlement`,
      debit: ACCOUNTS.operatorDiscounts.id,
      credit: ACCOUNTS.shopReceivable(o.shopId).id,
      amount: o.discountMinor,
      code: SHOP_CODES.settlement,
      ref: o.id,
    });
  }
  if (o.totalMinor > 0) {
    ts.push({ id: `order:${o.id}:sale`, debit: ACCOUNTS.external.id, credit: ACCOUNTS.shopSales(o.shopId).id, amount: o.totalMinor, code: SHOP_CODES.sale, ref: o.id });
  }
  return chain(ts);
}

/** The id of the transfer that paid for an order (licenses carry it). */
export function payingTransferId(o: OrderMoney): string {
  return o.pointsUsed > 0 ? holdId(o.id) : o.totalMinor > 0 ? `order:${o.id}:sale` : `order:${o.id}`;
}

/** What refund `n` returns: points, the discount's settlement, and money charged. */
export interface RefundMoney {
  points: number;
  discountMinor: number;
  amountMinor: number;
}

/** The linked chain of refund `n`. */
export function refundTransfers(o: OrderMoney, n: number, r: RefundMoney): TransferSpec[] {
  const id = refundKey(o.id, n);
  const ts: TransferSpec[] = [];
  if (r.points > 0) {
    ts.push({ id: `${id}:points`, debit: ACCOUNTS.pointsIssued.id, credit: pointsAccount(o), amount: r.points, code: SHOP_CODES.refundPoints, ref: o.id });
  }
  if (r.discountMinor > 0) {
    ts.push({
      id: `${id}:settlement`,
      debit: ACCOUNTS.shopReceivable(o.shopId).id,
      credit: ACCOUNTS.operatorDiscounts.id,
      amount: r.discountMinor,
      code: SHOP_CODES.settlementReversal,
      ref: o.id,
    });
  }
  if (r.amountMinor > 0) {
    ts.push({ id: `${id}:sale`, debit: ACCOUNTS.shopSales(o.shopId).id, credit: ACCOUNTS.external.id, amount: r.amountMinor, code: SHOP_CODES.saleRefund, ref: o.id });
  }
  return chain(ts);
}

/** True when every transfer of a batch took effect now or before. */
export function allApplied(statuses: readonly TransferStatus[]): boolean {
  return statuses.every((s) => s === 'ok' || s === 'exists');
}
