/**
 * @module Jobs: validated and priced at submission, split into units and their price held on
 * the customer's balance in the same transaction; finished (integrated or failed) and billed
 * in the transaction that decides their last unit, or that cancels them.
 */
import type { Kysely, Transaction } from 'kysely';
import { CUSTOMER_API_PATHS, type Job } from '../../shared/api/schemas.ts';
import { CURRENCY, JOB_FAILURES_LISTED_MAX, JOB_HOLD_TIMEOUT_MS, JOB_ITERATIONS_MAX, QUORUM_DEFAULT } from '../../shared/limits.ts';
import type { JobKind, JobRequest } from '../../shared/jobs/kinds.ts';
import type { Database, JobRow } from '../db/schema.ts';
import type { Store } from '../db/index.ts';
import { newId } from '../auth/tokens.ts';
import { kernelKey, type KernelEntry, type KernelRegistry } from '../kernels/registry.ts';
import type { SplitUnit } from '../../shared/jobs/split.ts';
import { isRefusal, jobNotFound, type JobAnswer } from './refusals.ts';
import { exec, rows, runInOpenTransaction, runInTransaction, type Op } from '../db/prepared.ts';
import { inTransaction } from '../db/tx.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { cancelUnitsOp, enqueueUnitsOp, type JobsPort, type TxContext, type UnitsDecided } from '../coordinator/index.ts';
import { addJobProgress, allDecided, decidedRunningJobs, jobProgressLocked, jobsDecided, JOB_PROGRESS_COLUMNS, progressShard, type JobProgress } from './counts.ts';
import * as Q from './queries.ts';
import { costMinor, customerBalance, holdQuoteOp, settleJobOp } from './billing.ts';
import { JOB_KIND_HANDLERS, type EarlierOutputs, type JobKindHandler } from './kinds.ts';
import { splitJob, storedParams, type JobSplit, type StoredParams } from './split.ts';

/** A job row without its result, as listings read it (a training job's result is its model), with its counts (counts.ts). */
export type JobHead = Omit<JobRow, 'result'> & JobProgress;
/** The columns of a {@link JobHead} on the job's row (select JOB_PROGRESS_COLUMNS with them). */
export const JOB_HEAD_COLUMNS = [
  'id', 'customer_id', 'kind', 'params', 'status', 'quorum', 'units_total', 'price_minor', 'currency', 'created_at', 'completed_at', 'iteration', 'amended_units',
] as const satisfies readonly (keyof JobRow)[];

export function toJob(row: JobHead, failures: Job['failures'] = []): Job {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    params: JSON.parse(row.params) as Record<string, unknown>,
    unitsTotal: row.units_total,
    unitsValid: Number(row.units_valid),
    unitsFailed: Number(row.units_failed),
    priceMinor: Number(row.price_minor),
    currency: row.currency,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    completedAt: row.completed_at === null ? null : new Date(Number(row.completed_at)).toISOString(),
    failures,
    amendedUnits: row.amended_units,
  };
}

/** The units of a job that failed, and why (bounded). */
export async function jobFailures(db: Kysely<Database> | Transaction<Database>, jobId: string): Promise<Job['failures']> {
  const rows = await db
    .selectFrom('units')
    .select(['seq', 'failure'])
    .where('job_id', '=', jobId)
    .where('state', '=', 'failed')
    .orderBy('seq')
    .limit(JOB_FAILURES_LISTED_MAX)
    .execute();
  return rows.map((r) => ({ unit: r.seq, reason: r.failure ?? 'failed' }));
}

/** How the valid units of a job were checked: by the server's own run, or by independent agreement. */
export async function jobAssurance(db: Kysely<Database>, jobId: string): Promise<NonNullable<Job['assurance']>> {
  const counts = await db
    .selectFrom('units')
    .select(['verification', (eb) => eb.fn.countAll<number>().as('n')])
    .where('job_id', '=', jobId)
    .where('state', '=', 'valid')
    .groupBy('verification')
    .execute();
  let serverVerified = 0;
  let byAgreement = 0;
  for (const c of counts) {
    if (c.verification === 'matched' || c.verification === 'corrected') serverVerified += Number(c.n);
    else byAgreement += Number(c.n);
  }
  return { serverVerified, byAgreement };
}

/**
 * Cancels a running job: undecided units stop being leased at once; outstanding leases learn
 * it at their next heartbeat, and results that still arrive are kept but not credited. The
 * job is billed for its valid units in the same transaction, and the rest of the hold is
 * released.
 */
export async function cancelJob(store: Store, customerId: string, jobId: string, now: number): Promise<JobAnswer<Job>> {
  return inTransaction(store, async (trx, rollback): Promise<JobAnswer<Job>> => {
    const job = await getOwnJob(trx, customerId, jobId);
    if (!job) return jobNotFound(jobId);
    if (job.status !== 'running') return { status: 'job_not_running', detail: `job ${jobId} is ${job.status}` };
    // Units first, then the job row, in the order a validating transaction locks them.
    await runInOpenTransaction(store, trx, cancelUnitsOp(jobId, now));
    // Conditional: a unit validated meanwhile may have completed the job (PostgreSQL).
    const ended = await trx.updateTable('jobs').set({ status: 'cancelled', completed_at: now }).where('id', '=', jobId).where('status', '=', 'running').executeTakeFirst();
    if (Number(ended.numUpdatedRows) !== 1) return rollback({ status: 'job_not_running', detail: `job ${jobId} ended before it could be cancelled` });
    await runInOpenTransaction(store, trx, settleJobOp(jobId, now));
    return { status: 'ok', value: toJob({ ...job, status: 'cancelled', completed_at: now }, await jobFailures(trx, jobId)) };
  });
}

/**
 * How long a job may run: a day less than its quote's hold lasts (JOB_HOLD_TIMEOUT_MS), so a
 * job always ends while its hold is pending. A hold that expired under a running job freed
 * the customer's money for another job while volunteers were still paid for the first (which
 * then ended "uncollected"): free trial credit could pay twice the work, and again every week
 * (issue 15, found by the economy test).
 */
export const JOB_RUNNING_MS_MAX = JOB_HOLD_TIMEOUT_MS - 24 * 3_600_000;
/** Overdue jobs one sweep ends (each in a transaction of its own); the rest wait for the next sweep. */
export const OVERDUE_JOBS_SWEPT_MAX = 100;

/**
 * Ends jobs running longer than JOB_RUNNING_MS_MAX as a cancellation does (valid units
 * charged from the hold, the rest released), finishes jobs whose units were all decided but
 * that were left running (counts.ts), then expires holds past their time. Call it as
 * the one hold sweep (edge/main.ts): in this order no running job's hold ever expires.
 * @returns the jobs ended and the holds expired
 */
export async function sweepHolds(store: Store, now: number): Promise<{ jobsEnded: number; holdsExpired: number }> {
  const overdue = await store.db
    .selectFrom('jobs')
    .select(['id', 'customer_id'])
    .where('status', '=', 'running')
    .where('created_at', '<=', now - JOB_RUNNING_MS_MAX)
    .orderBy('created_at')
    .limit(OVERDUE_JOBS_SWEPT_MAX)
    .execute();
  let jobsEnded = 0;
  for (const j of overdue) if ((await cancelJob(store, j.customer_id, j.id, now)).status === 'ok') jobsEnded++;
  // Jobs whose last units were decided by a node that died before it finished them (counts.ts).
  await finishDecidedJobs(store, await decidedRunningJobs(store.db, OVERDUE_JOBS_SWEPT_MAX), now);
  return { jobsEnded, holdsExpired: await ledgerOf(store).expirePending(now) };
}

/** A job description with the stored data its kind needs (see JobKindHandler.resolve). */
export interface ResolvedJobRequest {
  req: JobRequest;
  /** The parameters to store: the request's, with what `resolve` added. */
  params: unknown;
  context: unknown;
}

/**
 * Loads what a job description refers to (a translation's model), as `customerId`; kinds
 * without a `resolve` step pass through. A refusal creates and holds nothing.
 */
export async function resolveJob(db: Kysely<Database>, customerId: string, req: JobRequest): Promise<JobAnswer<ResolvedJobRequest>> {
  const handler = JOB_KIND_HANDLERS[req.kind];
  if (!handler.resolve) return { status: 'ok', value: { req, params: req.params, context: undefined } };
  const resolved = await handler.resolve(req.params, { db, customerId });
  if (isRefusal(resolved)) return resolved;
  return { status: 'ok', value: { req, params: resolved.value.params, context: resolved.value.context } };
}

/** What a resolved job description splits into and costs. */
export interface JobPlan {
  kernel: KernelEntry;
  units: SplitUnit[];
  unitsQuoted: number;
  points: number;
  quorum: number;
  priceMinor: number;
}

/** A job description ready to quote or create: its kind, its plan, and the parameters it keeps. */
export interface PlannedJob {
  kind: JobKind;
  plan: JobPlan;
  /** The JSON the job stores (made only when it is created: a training corpus is megabytes). */
  stored(): StoredParams;
  /** Puts the state a worker thread prepared (a tokenised corpus) into this edge's cache, once the job is created. */
  adoptPrepared?(): void;
}

/** The kernel that runs `kind`, or `kernel_unavailable` when this server has not loaded it. */
export function jobKernel(registry: KernelRegistry, kind: JobKind): JobAnswer<KernelEntry> {
  const { kernel } = JOB_KIND_HANDLERS[kind];
  const entry = registry.entries.get(kernelKey(kernel.id, kernel.version));
  if (!entry) return { status: 'kernel_unavailable', detail: `kernel ${kernel.id}@${kernel.version} is not loaded on this server` };
  return { status: 'ok', value: entry };
}

/** A split job with its kernel, quorum and price. */
export function pricedPlan(kernel: KernelEntry, split: JobSplit): JobPlan {
  const quorum = QUORUM_DEFAULT;
  return { kernel, units: split.units, unitsQuoted: split.unitsQuoted, points: split.points, quorum, priceMinor: costMinor(split.points, quorum) };
}

/** What a resolved job description splits into and costs, or why it cannot run here (the kernel is asked first). */
export function planJob(registry: KernelRegistry, resolved: ResolvedJobRequest): JobAnswer<JobPlan> {
  const kernel = jobKernel(registry, resolved.req.kind);
  if (isRefusal(kernel)) return kernel;
  const split = splitJob(resolved.req.kind, resolved.params, resolved.context);
  if (isRefusal(split)) return split;
  return { status: 'ok', value: pricedPlan(kernel.value, split.value) };
}

/**
 * A job description resolved and planned on this thread, or why not (the routes send a
 * large body to a worker thread instead: prep/).
 */
export async function planJobRequest(store: Store, registry: KernelRegistry, customerId: string, req: JobRequest): Promise<JobAnswer<PlannedJob>> {
  const resolved = await resolveJob(store.db, customerId, req);
  if (isRefusal(resolved)) return resolved;
  const plan = planJob(registry, resolved.value);
  if (isRefusal(plan)) return plan;
  const { params } = resolved.value;
  return { status: 'ok', value: { kind: req.kind, plan: plan.value, stored: () => storedParams(req.kind, params) } };
}

/**
 * Creates a planned job and all its units in one transaction, holding its price on the
 * customer's balance; a balance that does not cover it is refused (402) and nothing is created.
 */
export async function createJob(store: Store, customerId: string, planned: PlannedJob, now: number): Promise<JobAnswer<Job>> {
  const { plan } = planned;
  const stored = planned.stored();
  const row: JobRow = {
    id: newId('j', 9),
    customer_id: customerId,
    kind: planned.kind,
    params: stored.publicParams,
    status: 'running',
    quorum: plan.quorum,
    units_total: plan.units.length,
    price_minor: plan.priceMinor,
    currency: CURRENCY,
    created_at: now,
    completed_at: null,
    result: null,
    iteration: 0,
    amended_units: 0,
  };
  return inTransaction(store, async (trx, rollback): Promise<JobAnswer<Job>> => {
    const held = await runInOpenTransaction(store, trx, holdQuoteOp(row.id, customerId, plan.priceMinor, now));
    if (held === 'insufficient') {
      const { availableMinor } = await customerBalance(store, customerId, trx);
      // Rolled back: a refused job leaves nothing, not even the account holding opened.
      return rollback({
        status: 'insufficient_funds',
        detail: `the job costs ${formatMinor(plan.priceMinor)} and ${formatMinor(availableMinor)} is available; top up with POST ${CUSTOMER_API_PATHS.billingTopups}, or make the job smaller`,
      });
    }
    await trx.insertInto('jobs').values(row).execute();
    await trx.insertInto('job_params').values({ job_id: row.id, params: stored.params }).execute();
    await runInOpenTransaction(store, trx, enqueueUnitsOp(row.id, { id: plan.kernel.id, version: plan.kernel.version }, plan.units, 0, 0, plan.quorum));
    return { status: 'ok', value: toJob({ ...row, units_valid: 0, units_failed: 0 }) };
  });
}

/** An amount for a message, e.g. `12.34 EUR` (the web app formats for the reader's locale). */
function formatMinor(minor: number): string {
  return `${(minor / 100).toFixed(2)} ${CURRENCY}`;
}

/** A customer's own job, or `undefined` (another customer's job is never revealed). */
export async function getOwnJob(db: Kysely<Database> | Transaction<Database>, customerId: string, jobId: string): Promise<(JobRow & JobProgress) | undefined> {
  return db
    .selectFrom('jobs')
    .selectAll()
    .select(JOB_PROGRESS_COLUMNS)
    .where('id', '=', jobId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
}

/** The canonical outputs of the earlier iterations a staged kind reads (none for the others). */
function* earlierOutputsOp(jobId: string, handler: JobKindHandler, params: unknown, iteration: number): Op<EarlierOutputs> {
  const earlier = new Map<number, Uint8Array[]>();
  for (const it of handler.earlierIterations?.(params, iteration) ?? []) {
    if (it < 0 || it >= iteration || earlier.has(it)) continue;
    const units = yield* rows(Q.unitOutputsOfIteration, { job: jobId, iteration: it });
    earlier.set(it, units.map((u) => new Uint8Array(u.canonical_output!)));
  }
  return earlier;
}

/**
 * Counts `count` units of `jobId` that were just decided (`valid`, `failed`, or `reopened`
 * for a valid unit sent back for a check), in the transaction that decided them, on one of
 * the job's progress shards (counts.ts). On SQLite (one writer) the job is finished here once
 * every unit is decided; on PostgreSQL the job is named in `c.decidedJobs` and finished after
 * commit ({@link finishDecidedJobs}), because a concurrent transaction's units are not
 * visible here.
 */
function* unitsDecidedOp(jobId: string, how: UnitsDecided, count: number, c: TxContext): Op<void> {
  const valid = how === 'valid' ? count : how === 'reopened' ? -count : 0;
  yield* exec(addJobProgress, { job: jobId, shard: progressShard(c.locking), valid, failed: how === 'failed' ? count : 0 });
  if (c.locking) c.decidedJobs.add(jobId);
  else yield* finishIfDoneOp(jobId, c.now);
}

/**
 * Finishes `jobId` if it runs and every unit is decided: integrated (all valid: the next
 * iteration, or the final result) or marked failed (naming its failed units). Locks the job's
 * row first on PostgreSQL, so of two transactions that try, the second sees it finished.
 */
export function* finishIfDoneOp(jobId: string, now: number): Op<void> {
  const [job] = yield* rows(jobProgressLocked, { id: jobId });
  if (!job || job.status !== 'running' || !allDecided(job)) return;
  if (job.units_failed > 0) {
    yield* exec(Q.finishJob, { id: jobId, status: 'failed', now, result: null });
    yield* settleJobOp(jobId, now);
    return;
  }
  const [full] = yield* rows(Q.jobById, { id: jobId });
  const handler = JOB_KIND_HANDLERS[full!.kind as JobRequest['kind']];
  const [stored] = yield* rows(Q.jobParamsById, { id: jobId });
  const params: unknown = JSON.parse(stored!.params);
  const units = yield* rows(Q.unitOutputsOfIteration, { job: jobId, iteration: full!.iteration });
  const outputs = units.map((u) => new Uint8Array(u.canonical_output!));
  const earlier = yield* earlierOutputsOp(jobId, handler, params, full!.iteration);
  // Iterative kinds generate the next iteration from this one's validated results.
  const next = full!.iteration + 1 < JOB_ITERATIONS_MAX ? handler.next?.(params, outputs, full!.iteration, earlier) : null;
  if (next && next.length > 0) {
    const kernel = { id: units[0]!.kernel_id, version: units[0]!.kernel_version };
    yield* enqueueUnitsOp(jobId, kernel, next, full!.units_total, full!.iteration + 1, full!.quorum);
    yield* exec(Q.advanceJobIteration, { id: jobId, iteration: full!.iteration + 1, total: full!.units_total + next.length });
    return;
  }
  const result = handler.assimilate(params, outputs, earlier);
  yield* exec(Q.finishJob, { id: jobId, status: 'completed', now, result: JSON.stringify(result) });
  yield* settleJobOp(jobId, now);
}

/**
 * After the commit of transactions that decided units of `ids` (PostgreSQL): one read finds
 * those whose units are now all decided, and each is finished in a transaction of its own.
 * A job that fails to finish here (its transaction lost its retries) is finished by the next
 * hold sweep.
 */
async function finishDecidedJobs(store: Store, ids: Iterable<string>, now: number): Promise<void> {
  for (const id of await jobsDecided(store.db, [...new Set(ids)].sort())) {
    await runInTransaction(store, () => finishIfDoneOp(id, now)).catch((err: unknown) => console.error(`[edge] finishing job ${id} failed (the hold sweep retries):`, err));
  }
}

/**
 * The server's run corrected a decided unit of `jobId`. A completed job whose result was
 * integrated from the unit's iteration is integrated again from the corrected bytes; either
 * way the amendment is counted on the job (its page and API say so). A correction in an
 * earlier iteration of an iterative job, which later iterations were built on, is counted
 * but not propagated (the result says how many units were amended).
 */
function* unitCorrectedOp(jobId: string, unitId: number, now: number): Op<void> {
  void now;
  const [full] = yield* rows(Q.jobById, { id: jobId });
  if (!full) return;
  const [unit] = yield* rows(Q.unitIteration, { id: unitId });
  let result: string | null = null;
  if (full.status === 'completed' && unit?.iteration === full.iteration) {
    const handler = JOB_KIND_HANDLERS[full.kind as JobRequest['kind']];
    const [stored] = yield* rows(Q.jobParamsById, { id: jobId });
    const units = yield* rows(Q.unitOutputsOfIteration, { job: jobId, iteration: full.iteration });
    const params: unknown = JSON.parse(stored!.params);
    const earlier = yield* earlierOutputsOp(jobId, handler, params, full.iteration);
    result = JSON.stringify(handler.assimilate(params, units.map((u) => new Uint8Array(u.canonical_output!)), earlier));
  }
  yield* exec(Q.amendJob, { id: jobId, result });
}

/** The jobs' side of the unit lifecycle, plugged into the coordinator by the composition root. */
export const jobsPort: JobsPort = { unitsDecidedOp, unitCorrectedOp, finishDecidedJobs };
