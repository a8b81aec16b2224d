/**
 * @module Quotes: what a job description would cost and, from the volunteers' throughput of
 * the last minute, when it would be done. Units are leased oldest first, so a new job waits
 * for the open work of the jobs before it: ETA = (backlog + its points) / points per second.
 */
import { sql, type Kysely } from 'kysely';
import type { Quote } from '../../shared/api/schemas.ts';
import { CURRENCY, PRICE_MINOR_PER_POINT, THROUGHPUT_WINDOW_MS } from '../../shared/limits.ts';
import type { Store } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import { customerBalance } from './billing.ts';
import { JOB_PROGRESS_COLUMNS } from './counts.ts';
import type { PlannedJob } from './jobs.ts';
import type { JobAnswer } from './refusals.ts';

/** Unit points validated per second over the last window (all jobs), and the open points queued. */
export async function volunteerThroughput(db: Kysely<Database>, now: number): Promise<{ pointsPerSecond: number | null; backlogPoints: number }> {
  // The literal 'valid' lets SQLite use the partial index units_valid_by_decided_at.
  const recent = await db
    .selectFrom('units')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('cost_points'), sql.lit(0)).as('points'))
    .where('state', '=', sql.lit('valid'))
    .where('decided_at', '>=', now - THROUGHPUT_WINDOW_MS)
    .executeTakeFirstOrThrow();
  const points = Number(recent.points);
  // Running jobs' remaining points, from their price and the share of units still undecided.
  const running = await db
    .selectFrom('jobs')
    .select(['price_minor', 'quorum', 'units_total', ...JOB_PROGRESS_COLUMNS])
    .where('status', '=', sql.lit('running'))
    .execute();
  let backlog = 0;
  for (const j of running) {
    const total = Number(j.price_minor) / (Number(j.quorum) * PRICE_MINOR_PER_POINT);
    const open = Math.max(0, 1 - (Number(j.units_valid) + Number(j.units_failed)) / Math.max(1, Number(j.units_total)));
    backlog += total * open;
  }
  return { pointsPerSecond: points > 0 ? points / (THROUGHPUT_WINDOW_MS / 1000) : null, backlogPoints: Math.round(backlog) };
}

/** The quote of a planned job description for this customer; nothing is created or held. */
export async function quoteJob(store: Store, customerId: string, planned: PlannedJob, now: number): Promise<JobAnswer<Quote>> {
  const { plan } = planned;
  const [{ pointsPerSecond, backlogPoints }, { availableMinor }] = await Promise.all([volunteerThroughput(store.db, now), customerBalance(store, customerId)]);
  const quote: Quote = {
    kind: planned.kind,
    units: plan.unitsQuoted,
    points: plan.points,
    quorum: plan.quorum,
    priceMinor: plan.priceMinor,
    currency: CURRENCY,
    pointsPerSecond,
    backlogPoints,
    etaSeconds: pointsPerSecond ? (backlogPoints + plan.points) / pointsPerSecond : null,
    availableMinor,
    affordable: availableMinor >= plan.priceMinor,
  };
  return { status: 'ok', value: quote };
}
