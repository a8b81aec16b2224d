/**
 * @module Billing of private pools through the ledger (issue 16). At creation, one hold per
 * seat (`group:<id>:hold:<n>`, n = 1 … seats) of {@link GROUP_SEAT_PRICE_MINOR} is taken from
 * the customer's balance, all or nothing (a linked chain): a balance short of it refuses the
 * pool. A seat is charged by posting the next hold, under a transfer id that names the
 * volunteer (`group:<id>:seat:<volunteer>`), so one volunteer is charged once however often
 * it asks. What is left is voided when the group closes or expires. One hold per seat rather
 * than one for all: a ledger hold is posted once (a partial post releases the rest), and
 * seats are charged one by one over the group's life.
 */
import { GROUP_SEAT_PRICE_MINOR, GROUP_TTL_MS_MAX } from '../../shared/groups/schemas.ts';
export { GROUP_SEAT_PRICE_MINOR };
import type { Op } from '../db/prepared.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { createTransfersOp } from '../ledger/transfers.ts';
import type { TransferSpec, TransferStatus } from '../ledger/types.ts';
import { ensureCustomerAccountOp } from '../jobs/billing.ts';

/**
 * How long a seat hold outlives its group's expiry: the sweep (edge/main.ts, every few
 * seconds) releases the rest at expiry; this grace only matters if no node sweeps for a day.
 * A hold that expired anyway leaves the seats it would have charged uncollected.
 */
export const GROUP_HOLD_GRACE_MS = 24 * 3_600_000;
/** The longest seat hold, within the ledger's bound on holds (HOLD_TIMEOUT_MAX_MS, a week). */
export const GROUP_HOLD_TIMEOUT_MAX_MS = GROUP_TTL_MS_MAX + GROUP_HOLD_GRACE_MS;

/** Ledger transfer ids of one pool's billing. */
export const groupTransferIds = (groupId: string) => ({
  hold: (n: number) => `group:${groupId}:hold:${n}`,
  seat: (volunteerId: string) => `group:${groupId}:seat:${volunteerId}`,
  release: (n: number) => `group:${groupId}:release:${n}`,
});

const done = (s: TransferStatus | undefined) => s === 'ok' || s === 'exists';

/** Holds `seats` seats of a pool on the customer's balance; `insufficient` when it is short (nothing held). */
export function* holdSeatsOp(groupId: string, customerId: string, seats: number, ttlMs: number, now: number): Op<'ok' | 'insufficient'> {
  yield* ensureCustomerAccountOp(customerId, now);
  const ids = groupTransferIds(groupId);
  const holds: TransferSpec[] = [];
  for (let n = 1; n <= seats; n++) {
    holds.push({
      id: ids.hold(n),
      debit: ACCOUNTS.customerBalance(customerId).id,
      credit: ACCOUNTS.operatorRevenue.id,
      amount: GROUP_SEAT_PRICE_MINOR,
      code: 'group_seat_hold',
      ref: `group:${groupId}`,
      pending: { timeoutMs: Math.min(ttlMs + GROUP_HOLD_GRACE_MS, GROUP_HOLD_TIMEOUT_MAX_MS) },
      linked: n < seats,
    });
  }
  const statuses = yield* createTransfersOp(holds, now);
  if (statuses.every(done)) return 'ok';
  if (statuses.includes('exceeds_floor')) return 'insufficient';
  throw new Error(`holding the seats of group ${groupId} failed: ${statuses.join(', ')}`);
}

/**
 * Charges `volunteerId`'s seat: posts hold number `n` (the pool's count of charged seats
 * plus one). `uncollected` when that hold had expired (no node swept for a day past expiry).
 */
export function* chargeSeatOp(groupId: string, volunteerId: string, n: number, now: number): Op<'ok' | 'uncollected'> {
  const ids = groupTransferIds(groupId);
  const [s] = yield* createTransfersOp([{ id: ids.seat(volunteerId), debit: '', credit: '', amount: GROUP_SEAT_PRICE_MINOR, code: 'group_seat', ref: `group:${groupId}`, post: ids.hold(n) }], now);
  if (done(s)) return 'ok';
  if (s === 'pending_expired' || s === 'pending_already_voided') return 'uncollected';
  throw new Error(`charging seat ${n} of group ${groupId} failed: ${s}`);
}

/** Voids the seat holds not charged (numbers `charged + 1` … `seats`). */
export function* releaseSeatsOp(groupId: string, charged: number, seats: number, now: number): Op<void> {
  const ids = groupTransferIds(groupId);
  const voids: TransferSpec[] = [];
  for (let n = charged + 1; n <= seats; n++) voids.push({ id: ids.release(n), debit: '', credit: '', amount: 0, code: 'group_seat_release', ref: `group:${groupId}`, void: ids.hold(n) });
  if (voids.length === 0) return;
  const statuses = yield* createTransfersOp(voids, now);
  const bad = statuses.filter((s) => !done(s) && s !== 'pending_expired' && s !== 'pending_already_voided');
  if (bad.length > 0) throw new Error(`releasing the seats of group ${groupId} failed: ${bad.join(', ')}`);
}
