/**
 * @module Accepting results: idempotent per lease, checked for size, compared by content
 * hash; a unit becomes valid when `quorum` results agree bit for bit, and exactly the
 * agreeing volunteers are credited the unit's server-side cost, in the same transaction.
 */
import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { ResultOutcome, SubmitResultResponse } from '../../shared/api/schemas.ts';
import type { Store } from '../db/index.ts';
import type { Database, UnitRow } from '../db/schema.ts';
import { ProblemError } from '../http/problem.ts';
import { finishJobIfDone } from '../jobs/jobs.ts';
import { ownReplica } from '../leases/leases.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerIn } from '../ledger/ledger.ts';
import { applyVerdict } from './apply.ts';
import { recordBad, recordValid, reverseCredits } from './trust-updates.ts';

/**
 * Credits each agreeing replica's volunteer the unit's server-side cost, as ledger transfers
 * in the validating transaction (id per replica, so a credit can never happen twice).
 */
async function credit(store: Store, trx: Transaction<Database>, unit: UnitRow, replicas: { id: number; volunteer_id: string }[], now: number): Promise<void> {
  if (replicas.length === 0) return;
  const points = unit.cost_points;
  await trx.updateTable('replicas').set({ outcome: 'valid', credited_points: points, result: null }).where('id', 'in', replicas.map((r) => r.id)).execute();
  const ledger = ledgerIn(store, trx);
  await ledger.ensureAccounts(replicas.map((r) => ACCOUNTS.volunteerPoints(r.volunteer_id)), now);
  const statuses = await ledger.createTransfers(
    replicas.map((r) => ({
      id: `unit:${unit.id}:replica:${r.id}`,
      debit: ACCOUNTS.pointsIssued.id,
      credit: ACCOUNTS.volunteerPoints(r.volunteer_id).id,
      amount: points,
      code: 'unit_credit',
      ref: `job:${unit.job_id}:unit:${unit.id}`,
    })),
    now,
  );
  const bad = statuses.find((s) => s !== 'ok' && s !== 'exists');
  if (bad) throw new Error(`crediting unit ${unit.id} failed: ${bad}`);
  for (const r of replicas) await recordValid(trx, r.volunteer_id);
}

/** Marks the unit valid with `hash` as canonical; credits and settles every returned replica. */
async function decideValid(store: Store, trx: Transaction<Database>, unit: UnitRow, hash: string, output: Uint8Array, now: number): Promise<void> {
  await trx
    .updateTable('units')
    .set({ state: 'valid', want: 0, canonical_hash: hash, canonical_output: output, decided_at: now })
    .where('id', '=', unit.id)
    .execute();
  const returned = await trx
    .selectFrom('replicas')
    .select(['id', 'volunteer_id', 'result_hash', 'outcome', 'credited_points'])
    .where('unit_id', '=', unit.id)
    .where('state', '=', 'returned')
    .execute();
  // A re-checked unit keeps its earlier (solo) replica, already credited: never credit twice.
  const agreeing = returned.filter((r) => r.result_hash === hash && r.outcome !== 'valid').map((r) => ({ id: Number(r.id), volunteer_id: r.volunteer_id }));
  await credit(store, trx, unit, agreeing, now);
  const others = returned.filter((r) => r.result_hash !== hash && r.outcome !== 'invalid');
  if (others.length > 0) {
    await trx.updateTable('replicas').set({ outcome: 'invalid', result: null }).where('id', 'in', others.map((r) => Number(r.id))).execute();
    await reverseCredits(store, trx, unit, others.map((r) => ({ id: Number(r.id), volunteer_id: r.volunteer_id, credited_points: r.credited_points })), now);
    for (const r of others) await recordBad(trx, r.volunteer_id);
  }
  await trx.updateTable('jobs').set((eb) => ({ units_valid: eb('units_valid', '+', 1) })).where('id', '=', unit.job_id).execute();
  await finishJobIfDone(trx, unit.job_id, now);
}

/**
 * Takes a volunteer's result for a lease. Repeating the same bytes returns the same answer;
 * different bytes for the same lease are a conflict. A late result (lease timed out) is
 * still taken while the unit is undecided, and credited if it agrees.
 */
export async function submitResult(store: Store, volunteerId: string, leaseId: number, output: Uint8Array, now: number): Promise<SubmitResultResponse> {
  const hash = createHash('sha256').update(output).digest('hex');
  return store.db.transaction().execute(async (trx) => {
    const replica = await ownReplica(trx, leaseId, volunteerId);
    const unit = await trx.selectFrom('units').selectAll().where('id', '=', replica.unit_id).executeTakeFirstOrThrow();
    if (replica.state === 'returned') {
      if (replica.result_hash !== hash) throw new ProblemError('result-conflict', `lease ${leaseId} already has a result with a different hash`);
      return { leaseId, outcome: replica.outcome ?? 'pending', creditedPoints: replica.credited_points };
    }
    if (replica.state === 'errored') throw new ProblemError('lease-closed', `lease ${leaseId} reported an error; it takes no result`);
    if (output.byteLength !== unit.output_bytes) {
      throw new ProblemError('result-size', `unit ${unit.id} yields ${unit.output_bytes} bytes, got ${output.byteLength}`);
    }
    const wasLeased = replica.state === 'leased';
    const leased = unit.leased - (wasLeased ? 1 : 0);
    const settle = async (outcome: ResultOutcome, keep: Uint8Array | null) =>
      trx.updateTable('replicas').set({ state: 'returned', outcome, returned_at: now, result_hash: hash, result: keep }).where('id', '=', leaseId).execute();

    if (unit.state === 'valid') {
      const outcome: ResultOutcome = unit.canonical_hash === hash ? 'valid' : 'invalid';
      await settle(outcome, null);
      if (outcome === 'valid') await credit(store, trx, unit, [{ id: leaseId, volunteer_id: volunteerId }], now);
      else await recordBad(trx, volunteerId);
      await trx.updateTable('units').set({ leased }).where('id', '=', unit.id).execute();
      return { leaseId, outcome, creditedPoints: outcome === 'valid' ? unit.cost_points : 0 };
    }
    if (unit.state === 'failed' || unit.state === 'cancelled') {
      await settle('unit_closed', null);
      await trx.updateTable('units').set({ leased }).where('id', '=', unit.id).execute();
      return { leaseId, outcome: 'unit_closed', creditedPoints: 0 };
    }

    await settle('pending', output);
    const groups = await trx
      .selectFrom('replicas')
      .select(['result_hash', (eb) => eb.fn.countAll<number>().as('n')])
      .where('unit_id', '=', unit.id)
      .where('state', '=', 'returned')
      .groupBy('result_hash')
      .execute();
    const agree = Number(groups.find((g) => g.result_hash === hash)?.n ?? 0);
    if (agree >= unit.quorum) {
      await trx.updateTable('units').set({ leased }).where('id', '=', unit.id).execute();
      await decideValid(store, trx, { ...unit, leased }, hash, output, now);
      return { leaseId, outcome: 'valid', creditedPoints: unit.cost_points };
    }
    const agreeMax = Math.max(...groups.map((g) => Number(g.n)));
    await applyVerdict(trx, { ...unit, leased, agree_max: agreeMax }, now);
    return { leaseId, outcome: 'pending', creditedPoints: 0 };
  });
}

/** A volunteer reports that its kernel failed on a lease. */
export async function reportError(store: Store, volunteerId: string, leaseId: number, message: string, now: number): Promise<{ leaseId: number; unitState: string }> {
  return store.db.transaction().execute(async (trx) => {
    const replica = await ownReplica(trx, leaseId, volunteerId);
    const unit = await trx.selectFrom('units').selectAll().where('id', '=', replica.unit_id).executeTakeFirstOrThrow();
    if (replica.state === 'errored') return { leaseId, unitState: unit.state };
    if (replica.state === 'returned') throw new ProblemError('lease-closed', `lease ${leaseId} already has a result`);
    await trx.updateTable('replicas').set({ state: 'errored', returned_at: now, error: message }).where('id', '=', leaseId).execute();
    const leased = unit.leased - (replica.state === 'leased' ? 1 : 0);
    const state = await applyVerdict(trx, { ...unit, leased, errors: unit.errors + 1, quorum: replica.solo ? unit.quorum_base : unit.quorum }, now);
    await recordBad(trx, volunteerId);
    return { leaseId, unitState: state };
  });
}
