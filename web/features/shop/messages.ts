/**
 * @module The shop's sentences for what happened to an order, and for the problems a
 * checkout can meet, written for a shopper (not an engineer). Pure, so tested in Node.
 */
import type { Order, OrderStatus } from '../../../shared/shop/schemas.ts';
import { describeError, problemOf } from '../../lib/errors.ts';
import { formatMinor } from '../../lib/format.ts';

/** Short labels of order statuses, for badges. */
export const ORDER_STATUS_LABEL: Record<OrderStatus, string> = {
  awaiting_payment: 'Awaiting payment',
  paying: 'Payment in progress',
  paid: 'Paid',
  refunded: 'Refunded',
  declined: 'Card declined',
  timed_out: 'Payment timed out',
  cancelled: 'Cancelled',
  expired: 'Expired',
  failed: 'Payment reversed',
};

/** Whether an outcome is good news (for the alert's colour). */
export function isGoodOutcome(status: OrderStatus): boolean {
  return status === 'paid' || status === 'awaiting_payment' || status === 'paying';
}

/** One or two sentences about an order just placed, with the new balance when known. */
export function outcomeMessage(order: Order, pointsAfter: number | undefined): string {
  const money = (minor: number) => formatMinor(minor, order.currency);
  const balance = pointsAfter === undefined ? '' : ` You now have ${pointsAfter} points.`;
  switch (order.status) {
    case 'paid':
      return order.pointsUsed > 0
        ? `Paid ${money(order.totalMinor)}: ${order.pointsUsed} points took ${money(order.discountMinor)} off.${balance}`
        : `Paid ${money(order.totalMinor)}.${balance}`;
    case 'declined':
      return `Your card was declined${order.payment?.reason ? ` (${order.payment.reason})` : ''}. Nothing was charged and your points were not used; try another card.`;
    case 'timed_out':
      return 'The payment service did not answer in time. Nothing was charged and your points are available again; please try again.';
    case 'awaiting_payment':
      return `Your order is reserved; ${order.pointsUsed} points are held until you pay.`;
    case 'paying':
      return 'Your payment is being processed. This page will show the result in your orders.';
    case 'cancelled':
      return 'The order was cancelled and your points were released.';
    case 'expired':
      return 'The order was not paid in time; your points were released.';
    case 'failed':
      return 'The payment arrived too late to use your points, so it was refunded in full. Please order again.';
    case 'refunded':
      return `The order was refunded: ${money(order.refundedMinor)} and ${order.refundedPoints} points returned.`;
  }
}

/** What a refused checkout means for the shopper. */
export function checkoutErrorMessage(err: unknown): string {
  const type = problemOf(err)?.type.replace('/problems/', '');
  switch (type) {
    case 'points-insufficient':
      return 'You do not have that many points available (points held by an unpaid order count as used). Lower the points and try again.';
    case 'points-below-minimum':
      return problemOf(err)?.detail ?? 'This shop takes a minimum number of points per order.';
    case 'no-points-account':
      return 'Your account has no volunteer points. Set points to 0, or claim your volunteer identity on the volunteer page.';
    case 'shop-not-approved':
      return 'This shop does not take points at the moment. Set points to 0 to buy without them.';
    case 'settlement-limit-reached':
      return 'This shop cannot take that many points right now. Use fewer points, or none.';
    case 'cart-not-open':
      return 'This cart is already being checked out. Reload the page to see its order.';
    case 'cart-empty':
      return 'Your cart is empty.';
    case 'product-unavailable':
      return `${problemOf(err)?.detail ?? 'A product is no longer on sale.'}`;
    case 'unauthenticated':
      return 'Your session has ended. Sign in again on the account page.';
    default:
      return `The order was not placed. ${describeError(err)}`;
  }
}
