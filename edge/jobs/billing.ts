/**
 * @module Billing of jobs through the ledger: the quote is held on the customer's balance
 * (a pending transfer to the operator's revenue) in the transaction that creates the job;
 * when the job ends (completed, failed or cancelled) the cost of its valid units is posted
 * from the hold and the rest released, in the transaction that ends it. Transfer ids are
 * derived from the job id, so every step happens at most once (TigerBeetle-style
 * idempotency). Also the customer's balance, trial credit and top-ups.
 */
import { sql, type Transaction } from 'kysely';
import { GROUP_SEAT_PRICE_MINOR } from '../../shared/groups/schemas.ts';
import type { Invoice } from '../../shared/api/schemas.ts';
import { JOB_HOLD_TIMEOUT_MS, PRICE_MINOR_PER_POINT } from '../../shared/limits.ts';
import type { Store } from '../db/index.ts';
import { exec, prepare, rows, runInTransaction, type Op } from '../db/prepared.ts';
import type { Database, JobRow } from '../db/schema.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerIn, ledgerOf } from '../ledger/ledger.ts';
import { ensureAccount, transferById } from '../ledger/queries.ts';
import { createTransfersOp, expirePendingOp } from '../ledger/transfers.ts';
import type { TransferStatus } from '../ledger/types.ts';

/** Ledger transfer ids of one job's billing. */
export const jobTransferIds = (jobId: string) => ({
  hold: `job:${jobId}:hold`,
  charge: `job:${jobId}:charge`,
  release: `job:${jobId}:release`,
  /** The charge taken from the balance when the hold had expired before the job ended. */
  late: `job:${jobId}:charge-late`,
});

/** What a job's cost is computed from: points of its valid units, quorum, price per point. */
export function costMinor(points: number, quorum: number): number {
  return points * quorum * PRICE_MINOR_PER_POINT;
}

/**
 * Each valid unit of a job with its valid results: the customer pays for the results a unit
 * really needed (issue 15: a unit a trusted volunteer decided alone costs one replica, not
 * the quorum), between one (a unit the server's own run decided still answered the customer)
 * and the quorum quoted (more agreeing results than that were the edge's choice).
 */
const validUnitsOfJob = prepare('job: valid units and their valid results', ['job'], (db, p) =>
  db
    .selectFrom('units as u')
    .leftJoin('replicas as r', (j) => j.onRef('r.unit_id', '=', 'u.id').on('r.outcome', '=', sql.lit('valid')))
    .select(['u.cost_points', (eb) => eb.fn.count<number>('r.id').as('results')])
    .where('u.job_id', '=', p('job'))
    .where('u.state', '=', sql.lit('valid'))
    .groupBy(['u.id', 'u.cost_points']),
);

/** What valid units cost: Σ points × replicas charged (1 … quorum) × price. */
export function chargeOfUnits(units: readonly { cost_points: number; results: number | string | bigint }[], quorum: number): { points: number; amountMinor: number } {
  let points = 0;
  let amountMinor = 0;
  for (const u of units) {
    const replicas = Math.min(quorum, Math.max(1, Number(u.results)));
    points += Number(u.cost_points);
    amountMinor += costMinor(Number(u.cost_points), replicas);
  }
  return { points, amountMinor };
}

const customerTrial = prepare('customer: trial credit', ['id'], (db, p) => db.selectFrom('customers').select(['trial_minor']).where('id', '=', p('id')));

const jobForBilling = prepare('job: owner and quorum', ['id'], (db, p) => db.selectFrom('jobs').select(['customer_id', 'quorum']).where('id', '=', p('id')));

/** Holds the rare late-billing path expires at once (every hold past its time, oldest first). */
const EXPIRED_HOLDS_SWEPT_MAX = 1000;

function ok(status: TransferStatus | undefined): boolean {
  return status === 'ok' || status === 'exists';
}

/**
 * Gives a customer a money account, with the trial credit it was granted at creation (see
 * edge/auth/trial.ts) on first use (idempotent: the credit's transfer id is the customer's).
 */
export function* ensureCustomerAccountOp(customerId: string, now: number): Op<void> {
  const account = ACCOUNTS.customerBalance(customerId);
  const trialId = `customer:${customerId}:trial`;
  // Read first: a transfer locks both its accounts on PostgreSQL, and every customer's
  // trial comes from the one external account.
  if ((yield* rows(transferById, { id: trialId })).length > 0) return;
  yield* exec(ensureAccount, { id: account.id, ledger: account.ledger, floor: account.floor, now });
  const trial = Number((yield* rows(customerTrial, { id: customerId }))[0]?.trial_minor ?? 0);
  if (trial <= 0) return;
  const [status] = yield* createTransfersOp(
    [{ id: trialId, debit: ACCOUNTS.external.id, credit: account.id, amount: trial, code: 'trial_credit', ref: `customer:${customerId}` }],
    now,
  );
  if (!ok(status)) throw new Error(`trial credit for ${customerId} failed: ${status}`);
}

/** Holds a job's quote on the customer's balance; `insufficient` when the balance is short. */
export function* holdQuoteOp(jobId: string, customerId: string, amountMinor: number, now: number): Op<'ok' | 'insufficient'> {
  yield* ensureCustomerAccountOp(customerId, now);
  const [status] = yield* createTransfersOp(
    [
      {
        id: jobTransferIds(jobId).hold,
        debit: ACCOUNTS.customerBalance(customerId).id,
        credit: ACCOUNTS.operatorRevenue.id,
        amount: amountMinor,
        code: 'job_hold',
        ref: `job:${jobId}`,
        pending: { timeoutMs: JOB_HOLD_TIMEOUT_MS },
      },
    ],
    now,
  );
  if (status === 'exceeds_floor') return 'insufficient';
  if (!ok(status)) throw new Error(`holding the quote of job ${jobId} failed: ${status}`);
  return 'ok';
}

/**
 * Bills a job that just ended, in the transaction that ends it: posts the cost of its valid
 * units from the hold (which releases the rest) or voids the hold when nothing is owed. A
 * job created before billing existed has no hold and is not billed; a hold that expired
 * (a job running past JOB_HOLD_TIMEOUT_MS) is replaced by a charge on the balance if it
 * covers it, else the invoice says the charge was not collected.
 */
export function* settleJobOp(jobId: string, now: number): Op<void> {
  const job = (yield* rows(jobForBilling, { id: jobId }))[0];
  if (!job) return;
  const { amountMinor: amount } = chargeOfUnits(yield* rows(validUnitsOfJob, { job: jobId }), Number(job.quorum));
  const ids = jobTransferIds(jobId);
  const ref = `job:${jobId}`;
  const [status] =
    amount > 0
      ? yield* createTransfersOp([{ id: ids.charge, debit: '', credit: '', amount, code: 'job_charge', ref, post: ids.hold }], now)
      : yield* createTransfersOp([{ id: ids.release, debit: '', credit: '', amount: 0, code: 'job_release', ref, void: ids.hold }], now);
  if (ok(status) || status === 'pending_not_found') return;
  if (status === 'pending_expired' && amount > 0) {
    // Release the expired hold now (the sweeper may not have run), then charge the balance.
    yield* expirePendingOp(now, EXPIRED_HOLDS_SWEPT_MAX);
    const customer = ACCOUNTS.customerBalance(String(job.customer_id)).id;
    const [late] = yield* createTransfersOp([{ id: ids.late, debit: customer, credit: ACCOUNTS.operatorRevenue.id, amount, code: 'job_charge', ref }], now);
    if (ok(late) || late === 'exceeds_floor') return;
    throw new Error(`billing job ${jobId} failed: ${late}`);
  }
  if (status === 'pending_expired' || status === 'pending_already_posted' || status === 'pending_already_voided') return;
  throw new Error(`billing job ${jobId} failed: ${status}`);
}

/**
 * A customer's money: posted balance, what holds reserve, and what is free to spend (read in
 * `trx` when one is open). Before the first job the account does not exist: the trial credit.
 */
export async function customerBalance(store: Store, customerId: string, trx?: Transaction<Database>): Promise<{ balanceMinor: number; heldMinor: number; availableMinor: number }> {
  const ledger = trx ? ledgerIn(store, trx) : ledgerOf(store);
  const b = await ledger.balance(ACCOUNTS.customerBalance(customerId).id);
  if (!b) {
    const row = await (trx ?? store.db).selectFrom('customers').select('trial_minor').where('id', '=', customerId).executeTakeFirst();
    const trial = Number(row?.trial_minor ?? 0);
    return { balanceMinor: trial, heldMinor: 0, availableMinor: trial };
  }
  return { balanceMinor: b.posted, heldMinor: b.debitsPending, availableMinor: b.available };
}

/** The invoice of a job: what was quoted and held, and what its units cost by state. */
export async function jobInvoice(store: Store, job: JobRow): Promise<Invoice> {
  const byState = await store.db
    .selectFrom('units')
    .select(['state', (eb) => eb.fn.countAll<number>().as('units'), (eb) => eb.fn.sum<number>('cost_points').as('points')])
    .where('job_id', '=', job.id)
    .groupBy('state')
    .execute();
  // A read in a transaction of its own: the valid units' charge is the one settleJobOp posts.
  const validCharge = chargeOfUnits(await runInTransaction(store, () => rows(validUnitsOfJob, { job: job.id })), job.quorum).amountMinor;
  const line = (state: Invoice['lines'][number]['state'], states: string[]) => {
    const picked = byState.filter((r) => states.includes(r.state));
    const points = picked.reduce((s, r) => s + Number(r.points ?? 0), 0);
    return { state, units: picked.reduce((s, r) => s + Number(r.units), 0), points, amountMinor: state === 'valid' ? validCharge : 0 };
  };
  const pools = await store.db
    .selectFrom('groups')
    .select(['id', 'billing', 'seats', 'charged', 'closed_at'])
    .where('job_id', '=', job.id)
    .where('kind', '=', 'pool')
    .orderBy('created_at')
    .execute();
  const ledger = ledgerOf(store);
  const ids = jobTransferIds(job.id);
  const [hold, charge, release, late] = await Promise.all([ledger.transfer(ids.hold), ledger.transfer(ids.charge), ledger.transfer(ids.release), ledger.transfer(ids.late)]);
  const charged = charge?.amount ?? late?.amount ?? 0;
  const heldMinor = hold?.amount ?? 0;
  const settled = charge ?? release ?? late;
  let status: Invoice['status'];
  if (!hold) status = 'unbilled';
  else if (charge || late) status = 'charged';
  else if (release) status = 'released';
  else if (hold.state === 'pending') status = 'held';
  else status = 'uncollected';
  return {
    jobId: job.id,
    currency: job.currency,
    status,
    quorum: job.quorum,
    pricePerPointMinor: PRICE_MINOR_PER_POINT,
    quoteMinor: Number(job.price_minor),
    heldMinor,
    chargedMinor: charged,
    releasedMinor: hold && hold.state !== 'pending' ? heldMinor - (charge?.amount ?? 0) : 0,
    lines: [line('valid', ['valid']), line('failed', ['failed']), line('cancelled', ['cancelled']), line('open', ['queued', 'in_progress'])],
    settledAt: settled ? new Date(settled.createdAt).toISOString() : null,
    pools: pools.map((g) => ({
      groupId: g.id,
      billing: g.billing ?? 'seat',
      seats: Number(g.seats),
      seatsCharged: Number(g.charged),
      seatPriceMinor: GROUP_SEAT_PRICE_MINOR,
      amountMinor: Number(g.charged) * GROUP_SEAT_PRICE_MINOR,
      open: g.closed_at === null,
    })),
  };
}
