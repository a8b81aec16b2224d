/**
 * @module A job's decided units, counted without a hot row (issue 18 item 2). A deciding
 * transaction adds its units to one of JOB_PROGRESS_SHARDS rows of `job_progress` (a random
 * one on PostgreSQL, so concurrent transactions seldom meet on one row; shard 0 on SQLite,
 * whose one writer meets nobody), and readers sum the shards. The job's own row is locked
 * only by the transaction that finishes it.
 *
 * Finishing exactly once: on PostgreSQL (read committed) two transactions that decide a
 * job's last units at the same time each see only their own shard's addition, so neither may
 * see the job done inside. Each names the job in its context's `decidedJobs`; after commit,
 * one read ({@link jobsDecided}) finds the jobs whose units are all decided, and each is
 * finished in a transaction of its own that locks the job's row and reads again
 * (edge/jobs/jobs.ts `finishIfDoneOp`): whoever comes second sees it no longer running. A
 * node that died between the commit and the finish leaves a decided job running: the hold
 * sweep finishes it (jobs.ts `sweepHolds`).
 */
import { randomInt } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { prepare } from '../db/prepared.ts';

/** Rows a job's counts are spread over on PostgreSQL. */
export const JOB_PROGRESS_SHARDS = 16;

/** A job's counts of decided units (summed over its shards). */
export interface JobProgress {
  units_valid: number;
  units_failed: number;
}

/** The shard a transaction adds to: random where transactions run side by side (PostgreSQL), else 0. */
export function progressShard(locking: boolean): number {
  return locking ? randomInt(JOB_PROGRESS_SHARDS) : 0;
}

const sumOf = (column: 'valid' | 'failed') =>
  sql<number>`(select cast(coalesce(sum(p.${sql.ref(column)}), 0) as integer) from job_progress p where p.job_id = jobs.id)`;

/** `units_valid` and `units_failed` as columns of a query from `jobs` (select them with the job's columns). */
export const JOB_PROGRESS_COLUMNS = [sumOf('valid').as('units_valid'), sumOf('failed').as('units_failed')] as const;

/** Adds decided units to one shard of a job's counts. */
export const addJobProgress = prepare('job progress added', ['job', 'shard', 'valid', 'failed'], (db, p) =>
  db
    .insertInto('job_progress')
    .values({ job_id: p('job'), shard: p('shard'), valid: p('valid'), failed: p('failed') })
    .onConflict((oc) =>
      oc.columns(['job_id', 'shard']).doUpdateSet((eb) => ({
        valid: eb('job_progress.valid', '+', eb.ref('excluded.valid')),
        failed: eb('job_progress.failed', '+', eb.ref('excluded.failed')),
      })),
    ),
);

/** What deciding whether a job is done needs: its state and counts (PostgreSQL: its row locked, for the finishing transaction). */
export const jobProgressLocked = prepare('job progress, row locked', ['id'], (db, p, dialect) => {
  const q = db
    .selectFrom('jobs')
    .select(['status', 'units_total', ...JOB_PROGRESS_COLUMNS])
    .where('id', '=', p('id'));
  return dialect === 'postgres' ? q.forUpdate() : q;
});

/** Every unit counted as decided. */
export function allDecided(job: JobProgress & { units_total: number }): boolean {
  return job.units_valid + job.units_failed >= job.units_total;
}

/** Of `ids`, the running jobs whose units are all decided (one query, outside any transaction). */
export async function jobsDecided(db: Kysely<Database>, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = await db
    .selectFrom('jobs')
    .select(['id', 'units_total', ...JOB_PROGRESS_COLUMNS])
    .where('id', 'in', [...ids])
    .where('status', '=', 'running')
    .execute();
  return found.filter((j) => allDecided({ units_total: j.units_total, units_valid: Number(j.units_valid), units_failed: Number(j.units_failed) })).map((j) => j.id);
}

/** Running jobs whose units are all decided but that were not finished (a node died between commit and finish); at most `max`. */
export async function decidedRunningJobs(db: Kysely<Database>, max: number): Promise<string[]> {
  const found = await db
    .selectFrom('jobs')
    .select('id')
    .where('status', '=', 'running')
    .where((eb) => eb('units_total', '<=', sql<number>`${sumOf('valid')} + ${sumOf('failed')}`))
    .orderBy('created_at')
    .limit(max)
    .execute();
  return found.map((j) => j.id);
}
