/**
 * @module Job routes for customers: quote, submit, list, status, cancel, progress events,
 * partial results, the result as JSON or CSV, and the invoice.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { API_PATHS, CUSTOMER_API_PATHS } from '../../shared/api/schemas.ts';
import { resultCsv } from '../../shared/jobs/csv.ts';
import { JOB_KINDS, JobRequestSchema, type JobKind, type JobRequest } from '../../shared/jobs/kinds.ts';
import { JSON_BODY_BYTES_MAX, TRAINING_JOB_BODY_BYTES_MAX } from '../../shared/limits.ts';
import { requireCustomer, type AuthVariables } from '../auth/require.ts';
import type { Store } from '../db/index.ts';
import type { KernelRegistry } from '../kernels/registry.ts';
import type { JobRow } from '../db/schema.ts';
import { readJson } from '../http/body.ts';
import { ProblemError, validationProblem, type ProblemSlug } from '../http/problem.ts';
import { jobInvoice } from './billing.ts';
import { JOB_HEAD_COLUMNS, cancelJob, jobAssurance, createJob, getOwnJob, jobFailures, toJob } from './jobs.ts';
import { JOB_KIND_HANDLERS } from './kinds.ts';
import { jobNotFound, type JobAnswer, type JobRefusalStatus } from './refusals.ts';
import { streamJobProgress } from './progress.ts';
import { quoteJob } from './quote.ts';

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
async function ownJob(store: Store, customerId: string, jobId: string): Promise<JobRow> {
  return (await getOwnJob(store.db, customerId, jobId)) ?? answered<JobRow>(jobNotFound(jobId));
}

/** What the job routes are built from (the composition root's deps have it all). */
export interface JobRoutesDeps {
  store: Store;
  kernels: KernelRegistry;
  now: () => number;
}

export function jobRoutes({ store, kernels: registry, now }: JobRoutesDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use(`${API_PATHS.jobs}/*`, requireCustomer(store));
  app.use(API_PATHS.jobs, requireCustomer(store));

  app.post(API_PATHS.jobs, async (c) => {
    const req = readJobRequest(await readJobBody(c));
    return c.json(answered(await createJob(store, registry, c.get('customerId'), req, now())), 201);
  });

  app.post(CUSTOMER_API_PATHS.jobQuote, async (c) => {
    const req = readJobRequest(await readJobBody(c));
    return c.json(answered(await quoteJob(store, registry, c.get('customerId'), req, now())));
  });

  app.get(API_PATHS.jobs, async (c) => {
    const rows = await store.db
      .selectFrom('jobs')
      .select(JOB_HEAD_COLUMNS)
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
    const job = await ownJob(store, c.get('customerId'), c.req.param('id'));
    return streamJobProgress(c, store, job.id, now);
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
 * A job description's JSON: a training job carries its corpus and may have up to
 * TRAINING_JOB_BODY_BYTES_MAX bytes; every other kind keeps JSON_BODY_BYTES_MAX.
 */
async function readJobBody(c: Context): Promise<unknown> {
  const read = { bytes: 0 };
  const raw = await readJson(c, z.unknown(), undefined, TRAINING_JOB_BODY_BYTES_MAX, read);
  if (read.bytes > JSON_BODY_BYTES_MAX && (raw as { kind?: unknown } | null)?.kind !== 'ibm1-train') {
    throw new ProblemError('body-too-large', `a request body may have at most ${JSON_BODY_BYTES_MAX} bytes (${TRAINING_JOB_BODY_BYTES_MAX} for an ibm1-train job)`);
  }
  return raw;
}

/** Validates a job description: an unknown kind is named before zod's generic union message. */
function readJobRequest(raw: unknown): JobRequest {
  const unknownKind = unknownKindDetail(raw);
  if (unknownKind) throw new ProblemError('unknown-kind', unknownKind);
  const parsed = JobRequestSchema.safeParse(raw);
  if (!parsed.success) throw validationProblem(parsed.error, 'the job description is not valid');
  return parsed.data;
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
  );
}

/** Names the unknown kind before zod's generic union message, for a clearer problem. */
export function unknownKindDetail(body: unknown): string | undefined {
  const kind = (body as { kind?: unknown })?.kind;
  if (typeof kind === 'string' && !(JOB_KINDS as readonly string[]).includes(kind)) {
    return `unknown job kind '${kind.slice(0, 40)}'; this server runs: ${JOB_KINDS.join(', ')}`;
  }
  return undefined;
}
