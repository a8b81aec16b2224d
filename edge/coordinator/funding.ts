/**
 * @module Who a job's work may pay (issue 15). Trial credit is the operator's gift, and an
 * anonymous customer is free to make: work a job paid by trial credit only must not turn
 * into spendable points for the customer itself. A replica of such a job leased to a volunteer
 * linked to its customer — the same account (a user owning both), or the same network origin
 * as the customer was created from — is `unfunded`: its result counts for the unit like any
 * other (so a lone customer trying the service still gets its job done in its own browser),
 * but it earns no points. Volunteers elsewhere are paid as usual; what they can earn from
 * trial credit is bounded by the trial grants per origin per day (edge/auth/trial.ts).
 *
 * A job is paid by trial credit only when its customer had no top-up before the job was
 * created. That fact never changes once the job exists, so it is cached per job (bounded).
 */
import { dynamicRows, prepare, rows, type Op } from '../db/prepared.ts';

/** Jobs whose funding a coordinator keeps in memory (a few bytes each; a miss costs one query). */
export const JOB_FUNDING_CACHED_MAX = 4_096;

/** What linking a volunteer to a job's customer needs, for a job paid by trial credit only. */
interface TrialJob {
  customerId: string;
  /** The origin its customer was created from (null in-process). */
  origin: string | null;
}

/** A job's funding: `paid`, or the facts of a trial-only job. */
type Funding = 'paid' | TrialJob;


const ownerCustomer = prepare('volunteer: the customer of the account owning it', ['volunteer'], (db, p) =>
  db.selectFrom('users').select('customer_id').where('volunteer_id', '=', p('volunteer')).where('customer_id', 'is not', null),
);

/** A bounded map of job → funding, oldest entry dropped first. */
export class JobFundingCache {
  private readonly entries = new Map<string, Funding>();

  get(jobId: string): Funding | undefined {
    return this.entries.get(jobId);
  }

  set(jobId: string, funding: Funding): void {
    if (this.entries.size >= JOB_FUNDING_CACHED_MAX) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(jobId, funding);
  }
}

/**
 * The jobs among `jobIds` whose replicas leased now to `volunteerId` from `origins` earn
 * nothing: a trial-only job whose customer is linked to the volunteer's account or to any of
 * the origins (a volunteer's own lease has one; a group's replica two, its host's and its
 * peer's, edge/coordinator/group-lease.ts). At most two queries, and none when every job is
 * cached as paid.
 */
export function* unfundedJobsOp(jobIds: readonly string[], volunteerId: string, origins: readonly (string | null)[], cache: JobFundingCache): Op<Set<string>> {
  const missing = [...new Set(jobIds)].filter((id) => cache.get(id) === undefined);
  if (missing.length > 0) {
    // Built per call: only cache misses (a job's first lease on this node) get here.
    const found = yield* dynamicRows((db) =>
      db
        .selectFrom('jobs as j')
        .innerJoin('customers as c', 'c.id', 'j.customer_id')
        .select(['j.id', 'j.customer_id', 'j.created_at', 'c.origin', 'c.first_topup_at'])
        .where('j.id', 'in', missing),
    );
    for (const j of found) {
      const paid = j.first_topup_at !== null && Number(j.first_topup_at) <= Number(j.created_at);
      cache.set(j.id, paid ? 'paid' : { customerId: j.customer_id, origin: j.origin });
    }
  }
  const unfunded = new Set<string>();
  const trial = [...new Set(jobIds)].flatMap((id) => {
    const f = cache.get(id);
    return f && f !== 'paid' ? [[id, f] as const] : [];
  });
  if (trial.length === 0) return unfunded;
  const owners = new Set((yield* rows(ownerCustomer, { volunteer: volunteerId })).map((r) => r.customer_id));
  for (const [id, f] of trial) if ((f.origin !== null && origins.includes(f.origin)) || owners.has(f.customerId)) unfunded.add(id);
  return unfunded;
}
