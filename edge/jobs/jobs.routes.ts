/**
 * @module Job routes for customers: quote, submit, list, status, cancel, progress events,
 * partial results, the result as JSON or CSV, and the invoice.
 */
import { Hono } from 'hono';
import { API_PATHS, CUSTOMER_API_PATHS } from '../../shared/api/schemas.ts';
import { resultCsv } from '../../shared/jobs/csv.ts';
import type { JobKind } from '../../shared/jobs/kinds.ts';
import { requireCustomer, type AuthVariables } from '../auth/require.ts';
import type { Store } from '../db/index.ts';
import type { KernelRegistry } from '../kernels/registry.ts';
import type { JobRow } from '../db/schema.ts';
import { ProblemError, type ProblemSlug } from '../http/problem.ts';
import { jobInvoice } from './billing.ts';
import { JOB_PROGRESS_COLUMNS, type JobProgress } from './counts.ts';
import { JOB_HEAD_COLUMNS, cancelJob, jobAssurance, createJob, getOwnJob, jobFailures, toJob } from './jobs.ts';
import { JOB_KIND_HANDLERS } from './kinds.ts';
import { jobNotFound, type JobAnswer, type JobRefusalStatus } from './refusals.ts';
import { JOB_EVENT_STREAMS_RETRY_AFTER_S, progressStreams, streamJobProgress } from './progress.ts';
import { quoteJob } from './quote.ts';
import { planFromBody, type PlanBodyDeps } from './prep/plan-body.ts';
import { createJobPrepPool, type JobPrepPool } from './prep/pool.ts';

/** Jobs one listing returns, newest first. */
const JOB_LIST_MAX = 100;
/** Partial results kept per edge, keyed by job and its count of valid units. */
const PARTIALS_CACHED_MAX = 64;

/** The problem type of every status the jobs domain refuses a request with. */
const JOB_PROBLEMS = {
  not_found: 'not-found',
  job_not_running: 'job-not-running',
  kernel_unavailable: 'kernel-unavailable',
  invalid: 'validation',
  insufficient_funds: 'insufficient-funds',
  model_not_trained: 'model-not-trained',
  'unsupported-language': 'unsupported-language',
  'corpus-too-large': 'corpus-too-large',
  'corpus-invalid-utf8': 'corpus-invalid-utf8',
  'corpus-line-mismatch': 'corpus-line-mismatch',
  'corpus-malformed': 'corpus-malformed',
  'corpus-empty': 'corpus-empty',
} as const satisfies Record<JobRefusalStatus, ProblemSlug>;

/** The answer's value, or its refusal thrown as the problem {@link JOB_PROBLEMS} names. */
function answered<T>(a: JobAnswer<T>): T {
  if (a.status === 'ok') return a.value;
  throw new ProblemError(JOB_PROBLEMS[a.status], a.detail, a.errors);
}

/** The customer's own job, or a `not-found` problem. */
async function ownJob(store: Store, customerId: string, jobId: string): Promise<JobRow & JobProgress> {
  return (await getOwnJob(store.db, customerId, jobId)) ?? answered<JobRow & JobProgress>(jobNotFound(jobId));
}

/** What the job routes are built from (the composition root's deps have it all). */
export interface JobRoutesDeps {
  store: Store;
  kernels: KernelRegistry;
  now: () => number;
  /** Where large job bodies are parsed and split (tests pass a pool of their own). @default a worker-thread pool, made on first use */
  jobPrep?: JobPrepPool;
  /** Open progress streams per customer at most. @default JOB_EVENT_STREAMS_PER_CUSTOMER_MAX */
  progressStreamsMax?: number;
}

export function jobRoutes({ store, kernels: registry, now, jobPrep, progressStreamsMax }: JobRoutesDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use(`${API_PATHS.jobs}/*`, requireCustomer(store));
  app.use(API_PATHS.jobs, requireCustomer(store));
  let pool = jobPrep;
  const planning: PlanBodyDeps = { store, registry, pool: () => (pool ??= createJobPrepPool()), answered };
  const streams = progressStreams(progressStreamsMax);

  app.post(API_PATHS.jobs, async (c) => {
    const planned = await planFromBody(c, planning, c.get('customerId'), 'create');
    const job = answered(await createJob(store, c.get('customerId'), planned, now()));
    planned.adoptPrepared?.();
    return c.json(job, 201);
  });

  app.post(CUSTOMER_API_PATHS.jobQuote, async (c) => {
    const planned = await planFromBody(c, planning, c.get('customerId'), 'quote');
    return c.json(answered(await quoteJob(store, c.get('customerId'), planned, now())));
  });

  app.get(API_PATHS.jobs, async (c) => {
    const rows = await store.db
      .selectFrom('jobs')
      .select([...JOB_HEAD_COLUMNS, ...JOB_PROGRESS_COLUMNS])
      .where('customer_id', '=', c.get('customerId'))
      .orderBy('created_at', 'desc')
      .limit(JOB_LIST_MAX)
      .execute();
    return c.json({ jobs: rows.map((r) => toJob(r)) });
  });

  app.get('/api/jobs/:id', async (c) => {
    const job = await ownJob(store, c.get('customerId'), c.req.param('id'));
    return c.json({ ...toJob(job, job.units_failed > 0 ? await jobFailures(store.db, job.id) : []), assurance: await jobAssurance(store.db, job.id) });
  });

  app.post('/api/jobs/:id/cancel', async (c) => c.json(answered(await cancelJob(store, c.get('customerId'), c.req.param('id'), now()))));

  app.get('/api/jobs/:id/events', async (c) => {
    const customerId = c.get('customerId');
    const job = await ownJob(store, customerId, c.req.param('id'));
    const closed = streams.open(customerId);
    if (!closed) {
      c.header('Retry-After', String(JOB_EVENT_STREAMS_RETRY_AFTER_S));
      throw new ProblemError('too-many-progress-streams', `this customer has ${streams.max} progress streams open, the most at once; close one (or wait for its job to end) before opening another`);
    }
    return streamJobProgress(c, store, job.id, now, closed);
  });

  const partials = new Map<string, unknown>();
  app.get('/api/jobs/:id/partial', async (c) => {
    const job = await ownJob(store, c.get('customerId'), c.req.param('id'));
    const key = `${job.id}:${job.status}:${job.iteration}:${job.units_valid}`;
    let doc = partials.get(key);
    if (doc === undefined) {
      doc = await partialResult(store, job);
      if (partials.size >= PARTIALS_CACHED_MAX) partials.delete(partials.keys().next().value!);
      partials.set(key, doc);
    }
    return c.json(doc);
  });

  app.get('/api/jobs/:id/result', async (c) => {
    const job = completed(await ownJob(store, c.get('customerId'), c.req.param('id')));
    return c.body(job.result, 200, {
      'content-type': 'application/json',
      'content-disposition': `attachment; filename="job-${job.id}.json"`,
    });
  });

  app.get('/api/jobs/:id/result.csv', async (c) => {
    const job = completed(await ownJob(store, c.get('customerId'), c.req.param('id')));
    return c.body(resultCsv(JSON.parse(job.result) as { kind: string }), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="job-${job.id}.csv"`,
    });
  });

  app.get('/api/jobs/:id/invoice', async (c) => c.json(await jobInvoice(store, await ownJob(store, c.get('customerId'), c.req.param('id')))));

  return app;
}

function completed(job: JobRow): JobRow & { result: string } {
  if (job.status !== 'completed' || job.result === null) throw new ProblemError('job-not-complete', `job ${job.id} is ${job.status}`);
  return job as JobRow & { result: string };
}

/**
 * The result so far: a completed job's result trimmed of per-member lists, else what the
 * validated units of the current iteration integrate to.
 */
async function partialResult(store: Store, job: JobRow): Promise<unknown> {
  const handler = JOB_KIND_HANDLERS[job.kind as JobKind];
  if (job.status === 'completed' && job.result !== null) return handler.trim(JSON.parse(job.result));
  const units = await store.db
    .selectFrom('units')
    .select(['seq', 'state', 'canonical_output'])
    .where('job_id', '=', job.id)
    .where('iteration', '=', job.iteration)
    .orderBy('seq')
    .execute();
  const first = units[0]?.seq ?? 0;
  const valid = units.filter((u) => u.state === 'valid' && u.canonical_output !== null);
  const { params } = await store.db.selectFrom('job_params').select('params').where('job_id', '=', job.id).executeTakeFirstOrThrow();
  return handler.partial(
    JSON.parse(params),
    valid.map((u) => ({ index: u.seq - first, output: new Uint8Array(u.canonical_output!) })),
    job.iteration,
  );
}
