/**
 * @module Units entering and leaving the lifecycle on their job's behalf: a job's split (or
 * next iteration) is enqueued, and a cancelled job's undecided units are closed.
 */
import type { SplitUnit } from '../../shared/jobs/split.ts';
import { dynamicExec, type Op } from '../db/prepared.ts';

/** Rows per multi-row INSERT, well under SQLite's bound-parameter limit. */
const UNIT_INSERT_ROWS_MAX = 200;

/** Inserts one iteration's units of `jobId`, numbered from `firstSeq` (multi-row INSERTs), each run by its own `kernel` or else by `kernel`. */
export function* enqueueUnitsOp(
  jobId: string,
  kernel: { id: string; version: number },
  units: readonly SplitUnit[],
  firstSeq: number,
  iteration: number,
  quorum: number,
): Op<void> {
  for (let i = 0; i < units.length; i += UNIT_INSERT_ROWS_MAX) {
    const values = units.slice(i, i + UNIT_INSERT_ROWS_MAX).map((u, j) => ({
      job_id: jobId,
      seq: firstSeq + i + j,
      iteration,
      kernel_id: u.kernel?.id ?? kernel.id,
      kernel_version: u.kernel?.version ?? kernel.version,
      input: u.input,
      output_bytes: u.outputBytes,
      cost_points: u.costPoints,
      quorum,
      quorum_base: quorum,
      state: 'queued' as const,
      want: quorum,
      canonical_hash: null,
      canonical_output: null,
      failure: null,
      decided_at: null,
    }));
    yield* dynamicExec((db) => db.insertInto('units').values(values));
  }
}

/**
 * Closes the undecided units of a cancelled job: they stop being leased at once; outstanding
 * leases learn it at their next heartbeat, and results that still arrive are kept but not
 * credited. Run before the job row is changed, the order a validating transaction locks them.
 */
export function* cancelUnitsOp(jobId: string, now: number): Op<number> {
  return yield* dynamicExec((db) =>
    db.updateTable('units').set({ state: 'cancelled', want: 0, decided_at: now }).where('job_id', '=', jobId).where('state', 'in', ['queued', 'in_progress']),
  );
}
