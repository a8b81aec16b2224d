/**
 * @module Points vest (DESIGN.md, "Trust"): a credit for a validated result waits in the
 * volunteer's vesting points until the result is beyond doubt. Confirmed by the server's own
 * run, it vests at once (verification.ts); decided by independent peers, one of them
 * established, it vests after VEST_WINDOW_MS without being disproved — time for the
 * server's samples and re-checks to catch a colluding group. Only vested points can be spent.
 */
import { rows, type Op } from '../db/prepared.ts';
import { postCreditsOp, queueVests, type CreditingContext } from './credits.ts';
import * as Q from './queries.ts';

/**
 * How long a credit for a result decided by peers waits before it vests: a day, long enough
 * for the server's samples of a busy day to catch a group and re-check its other results,
 * short enough that an honest volunteer spends what it earned yesterday.
 */
export const VEST_WINDOW_MS = 24 * 3_600_000;
/** Credits one sweep vests, so one transaction stays short. */
export const VEST_SWEEP_MAX = 500;

/** Vests the credits whose window has passed; answers how many. */
export function* vestDueOp(c: CreditingContext): Op<number> {
  const due = yield* rows(Q.creditsDueToVest, { before: c.now - VEST_WINDOW_MS, max: VEST_SWEEP_MAX });
  for (const r of due) queueVests({ id: r.unit_id, job_id: r.job_id }, [r], c.credits);
  yield* postCreditsOp(c);
  return due.length;
}
