/**
 * @module A job's live progress as server-sent events: unit counts by state, throughput
 * measured on the server from when units were decided, and the ETA it implies.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Kysely } from 'kysely';
import type { JobProgress } from '../../shared/api/schemas.ts';
import { JOB_EVENTS_INTERVAL_MS, JOB_EVENTS_STREAM_MS_MAX, THROUGHPUT_WINDOW_MS } from '../../shared/limits.ts';
import type { Store } from '../db/index.ts';
import type { Database } from '../db/schema.ts';

/** Reads a job's progress now. */
export async function jobProgress(db: Kysely<Database>, jobId: string, now: number): Promise<JobProgress> {
  const job = await db.selectFrom('jobs').select(['status', 'units_total', 'created_at']).where('id', '=', jobId).executeTakeFirstOrThrow();
  const counts = await db
    .selectFrom('units')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('job_id', '=', jobId)
    .groupBy('state')
    .execute();
  const n = (state: string) => Number(counts.find((c) => c.state === state)?.n ?? 0);
  const since = Math.max(Number(job.created_at), now - THROUGHPUT_WINDOW_MS);
  const recent = await db
    .selectFrom('units')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('job_id', '=', jobId)
    .where('state', '=', 'valid')
    .where('decided_at', '>=', since)
    .executeTakeFirstOrThrow();
  const elapsedS = (now - since) / 1000;
  const unitsPerSecond = elapsedS > 0 && Number(recent.n) > 0 ? Number(recent.n) / elapsedS : null;
  const open = n('queued') + n('in_progress');
  return {
    jobId,
    status: job.status,
    unitsTotal: job.units_total,
    queued: n('queued'),
    inProgress: n('in_progress'),
    valid: n('valid'),
    failed: n('failed'),
    cancelled: n('cancelled'),
    unitsPerSecond,
    etaSeconds: open === 0 ? 0 : unitsPerSecond ? open / unitsPerSecond : null,
  };
}

/** Streams `progress` events until the job ends, the client leaves, or the stream's bound. */
export function streamJobProgress(c: Context, store: Store, jobId: string, now: () => number): Response {
  return streamSSE(c, async (stream) => {
    let open = true;
    stream.onAbort(() => {
      open = false;
    });
    const until = now() + JOB_EVENTS_STREAM_MS_MAX;
    for (let id = 0; open && now() < until; id++) {
      const p = await jobProgress(store.db, jobId, now());
      await stream.writeSSE({ event: 'progress', id: String(id), data: JSON.stringify(p) });
      if (p.status !== 'running') break;
      await stream.sleep(JOB_EVENTS_INTERVAL_MS);
    }
  });
}
