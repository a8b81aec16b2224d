/**
 * @module Read-only volunteer routes for the volunteer page: recent credits (each naming
 * its job and unit) with net points since a time, and one unit the volunteer worked on.
 * Credits are read from the ledger, where unit credits carry `ref = job:<id>:unit:<id>`.
 */
import { Hono } from 'hono';
import {
  API_PATHS,
  CreditsQuerySchema,
  type Credit,
  type Credits,
  type VolunteerUnit,
} from '../../shared/api/schemas.ts';
import { CREDITS_SINCE_MS_MAX } from '../../shared/limits.ts';
import { requireVolunteer, type AuthVariables } from '../auth/require.ts';
import type { Store } from '../db/index.ts';
import { positiveIdParam } from '../http/path-ids.ts';
import { ProblemError, validationProblem } from '../http/problem.ts';
import { JOB_PROGRESS_COLUMNS } from '../jobs/counts.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';

const CREDIT = 'unit_credit';
const REVERSAL = 'unit_credit_reversal';

/** `job:<jobId>:unit:<unitId>` → its parts; undefined for any other ref. */
export function parseUnitRef(ref: string | null): { jobId: string; unitId: number } | undefined {
  const m = ref ? /^job:(.+):unit:([1-9][0-9]{0,15})$/.exec(ref) : null;
  return m ? { jobId: m[1]!, unitId: Number(m[2]) } : undefined;
}

/** What the credit routes are built from (the composition root's deps have it all). */
export interface CreditRoutesDeps {
  store: Store;
  now: () => number;
}

/**
 * @example
 * app.route('/', creditRoutes(deps));
 */
export function creditRoutes({ store, now }: CreditRoutesDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();

  app.get(API_PATHS.volunteerCredits, requireVolunteer(store), async (c) => {
    const parsed = CreditsQuerySchema.safeParse(c.req.query());
    if (!parsed.success) throw validationProblem(parsed.error, 'since (epoch ms) is required; limit is optional');
    const { limit } = parsed.data;
    const at = now();
    // Never scan the whole history: a local day from any time zone lies within this window.
    const since = Math.min(at, Math.max(parsed.data.since, at - CREDITS_SINCE_MS_MAX));
    // Credits land in the vesting account; reversals come from it or, once vested, from the spendable one.
    const vesting = ACCOUNTS.volunteerVesting(c.get('volunteerId')).id;
    const accounts = [vesting, ACCOUNTS.volunteerPoints(c.get('volunteerId')).id];
    const [credited, reversed] = await Promise.all(
      (['credit_account', 'debit_account'] as const).map((side) =>
        store.db
          .selectFrom('ledger_transfers')
          .select(['id', 'code', 'ref', 'amount', 'created_at'])
          .where(side, side === 'credit_account' ? '=' : 'in', side === 'credit_account' ? vesting : accounts)
          .where('code', '=', side === 'credit_account' ? CREDIT : REVERSAL)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit)
          .execute(),
      ),
    );
    const sums = await Promise.all(
      (['credit_account', 'debit_account'] as const).map((side) =>
        store.db
          .selectFrom('ledger_transfers')
          .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.val(0)).as('total'))
          .where(side, side === 'credit_account' ? '=' : 'in', side === 'credit_account' ? vesting : accounts)
          .where('code', '=', side === 'credit_account' ? CREDIT : REVERSAL)
          .where('created_at', '>=', since)
          .executeTakeFirstOrThrow(),
      ),
    );
    const rows: Credit[] = [];
    for (const [kind, list] of [['credit', credited!], ['reversal', reversed!]] as const) {
      for (const t of list) {
        const ref = parseUnitRef(t.ref);
        if (!ref) continue;
        const amount = Number(t.amount);
        rows.push({ transferId: t.id, ...ref, points: kind === 'credit' ? amount : -amount, kind, at: Number(t.created_at) });
      }
    }
    rows.sort((a, b) => b.at - a.at || (a.transferId < b.transferId ? 1 : -1));
    return c.json({
      pointsSince: Number(sums[0]!.total) - Number(sums[1]!.total),
      since,
      credits: rows.slice(0, limit),
    } satisfies Credits);
  });

  app.get('/api/volunteers/me/units/:unitId', requireVolunteer(store), async (c) => {
    const raw = c.req.param('unitId');
    const unitId = positiveIdParam(raw);
    if (unitId === undefined) throw new ProblemError('not-found', `'${raw.slice(0, 20)}' is not a unit id`);
    const volunteerId = c.get('volunteerId');
    const replicas = await store.db
      .selectFrom('replicas')
      .select(['id', 'state', 'outcome', 'credited_points', 'leased_at', 'returned_at'])
      .where('unit_id', '=', unitId)
      .where('volunteer_id', '=', volunteerId)
      .orderBy('id')
      .execute();
    // Only units this volunteer worked on: other units' existence is not its business.
    if (replicas.length === 0) throw new ProblemError('not-found', `you have no result for unit ${unitId}`);
    const row = await store.db
      .selectFrom('units')
      .innerJoin('jobs', 'jobs.id', 'units.job_id')
      .select(['units.id as unitId', 'units.state', 'units.cost_points', 'jobs.id as jobId', 'jobs.kind', 'jobs.status', 'jobs.units_total', ...JOB_PROGRESS_COLUMNS])
      .where('units.id', '=', unitId)
      .executeTakeFirstOrThrow();
    return c.json({
      unitId,
      jobId: row.jobId,
      jobKind: row.kind,
      jobStatus: row.status,
      unitsTotal: Number(row.units_total),
      unitsValid: Number(row.units_valid),
      unitState: row.state,
      costPoints: Number(row.cost_points),
      results: replicas.map((r) => ({
        leaseId: Number(r.id),
        state: r.state,
        outcome: r.outcome,
        creditedPoints: Number(r.credited_points),
        leasedAt: Number(r.leased_at),
        returnedAt: r.returned_at === null ? null : Number(r.returned_at),
      })),
    } satisfies VolunteerUnit);
  });

  return app;
}
