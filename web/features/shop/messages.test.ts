import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/api/client.ts';
import type { Order } from '../../../shared/shop/schemas.ts';
import { checkoutErrorMessage, isGoodOutcome, outcomeMessage } from './messages.ts';

const order = (over: Partial<Order>): Order => ({
  id: 'o_1',
  shopId: 's_demo',
  cartId: 'cart_1',
  status: 'paid',
  currency: 'EUR',
  listMinor: 1900,
  discountMinor: 600,
  totalMinor: 1300,
  pointsUsed: 600,
  lines: [],
  payment: { status: 'succeeded', reason: null },
  refundedMinor: 0,
  refundedPoints: 0,
  createdAt: '2027-01-15T08:00:00.000Z',
  expiresAt: '2027-01-15T08:15:00.000Z',
  paidAt: '2027-01-15T08:00:00.000Z',
  ...over,
});

describe('shop messages', () => {
  it('tells a paid order with its points, its discount and the new balance', () => {
    const text = outcomeMessage(order({}), 400);
    expect(text).toMatch(/^Paid .*13\.00: 600 points took .*6\.00 off\. You now have 400 points\.$/);
    expect(outcomeMessage(order({ pointsUsed: 0, discountMinor: 0, totalMinor: 1900 }), undefined)).toMatch(/^Paid .*19\.00\.$/);
  });

  it('says for a decline and a timeout that nothing was charged and the points are back', () => {
    const declined = outcomeMessage(order({ status: 'declined', payment: { status: 'declined', reason: 'card declined by the issuer' } }), undefined);
    expect(declined).toContain('declined (card declined by the issuer)');
    expect(declined).toContain('Nothing was charged');
    expect(outcomeMessage(order({ status: 'timed_out' }), undefined)).toContain('did not answer in time');
    expect(isGoodOutcome('declined')).toBe(false);
    expect(isGoodOutcome('paid')).toBe(true);
  });

  it('explains refused checkouts by problem type', () => {
    const problem = (slug: string, detail?: string) => new ApiError({ type: `/problems/${slug}`, title: 't', status: 409, detail });
    expect(checkoutErrorMessage(problem('points-insufficient'))).toMatch(/do not have that many points/);
    expect(checkoutErrorMessage(problem('points-below-minimum', 'at least 50'))).toBe('at least 50');
    expect(checkoutErrorMessage(problem('shop-not-approved'))).toMatch(/does not take points/);
    expect(checkoutErrorMessage(problem('settlement-limit-reached'))).toMatch(/fewer points/);
    expect(checkoutErrorMessage(problem('something-else', 'why'))).toMatch(/^The order was not placed\. The server answered 409\./);
  });
});
