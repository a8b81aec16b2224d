/**
 * @module A job's live progress as server-sent events: unit counts by state, throughput
 * measured on the server from when units were decided, and the ETA it implies. Streams are
 * long-lived on purpose (up to JOB_EVENTS_STREAM_MS_MAX), so they are bounded per customer
 * ({@link ProgressStreams}) rather than by the server's request timeouts (edge/http/server.ts).
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Kysely } from 'kysely';
import type { JobProgress } from '../../shared/api/schemas.ts';
import { JOB_EVENTS_INTERVAL_MS, JOB_EVENTS_STREAM_MS_MAX, THROUGHPUT_WINDOW_MS } from '../../shared/limits.ts';
import type { Store } from '../db/index.ts';
import type { Database } from '../db/schema.ts';

/**
 * Progress streams one customer may have open at once; past it 429. Eight: a customer
 * watching a few jobs in a few tabs (a browser opens at most six HTTP/1.1 connections to one
 * host anyway), while one customer cannot hold hundreds of connections and their polling.
 */
export const JOB_EVENT_STREAMS_PER_CUSTOMER_MAX = 8;
/** Seconds a customer refused a stream is told to wait (Retry-After): streams end when their job does, or when their client leaves. */
export const JOB_EVENT_STREAMS_RETRY_AFTER_S = 10;

/** Open progress streams per customer, for one app. */
export interface ProgressStreams {
  /** A place for one more stream of `customerId` and its release (idempotent), or `undefined` when the customer has `max` open. */
  open(customerId: string): (() => void) | undefined;
  readonly max: number;
}

/** Counts open streams per customer, at most `max` each. */
export function progressStreams(max = JOB_EVENT_STREAMS_PER_CUSTOMER_MAX): ProgressStreams {
  const open = new Map<string, number>();
  return {
    max,
    open(customerId) {
      const n = open.get(customerId) ?? 0;
      if (n >= max) return undefined;
      open.set(customerId, n + 1);
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        const left = (open.get(customerId) ?? 1) - 1;
        if (left > 0) open.set(customerId, left);
        else open.delete(customerId);
      };
    },
  };
}

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

/**
 * Streams `progress` events until the job ends, the client leaves, or the stream's bound;
 * `closed` is called once, as soon as the client leaves or the stream ends.
 */
export function streamJobProgress(c: Context, store: Store, jobId: string, now: () => number, closed: () => void = () => undefined): Response {
  return streamSSE(c, async (stream) => {
    let open = true;
    stream.onAbort(() => {
      open = false;
      closed();
    });
    try {
      const until = now() + JOB_EVENTS_STREAM_MS_MAX;
      for (let id = 0; open && now() < until; id++) {
        const p = await jobProgress(store.db, jobId, now());
        await stream.writeSSE({ event: 'progress', id: String(id), data: JSON.stringify(p) });
        if (p.status !== 'running') break;
        await stream.sleep(JOB_EVENTS_INTERVAL_MS);
      }
    } finally {
      closed();
    }
  });
}
