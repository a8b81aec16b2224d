/**
 * @module Job routes for customers: submit, list, status, result download.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { API_PATHS } from '../../shared/api/schemas.ts';
import { JOB_KINDS, JobRequestSchema } from '../../shared/jobs/kinds.ts';
import { requireCustomer, type AuthVariables } from '../accounts/auth.ts';
import type { Store } from '../db/index.ts';
import { readJson } from '../http/body.ts';
import { ProblemError, validationProblem } from '../http/problem.ts';
import type { KernelRegistry } from '../kernels/registry.ts';
import { cancelJob, createJob, getOwnJob, jobFailures, toJob } from './jobs.ts';
import { streamJobProgress } from './progress.ts';

/** Jobs one listing returns, newest first. */
const JOB_LIST_MAX = 100;

export function jobRoutes(store: Store, registry: KernelRegistry, now: () => number) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use(`${API_PATHS.jobs}/*`, requireCustomer(store));
  app.use(API_PATHS.jobs, requireCustomer(store));

  app.post(API_PATHS.jobs, async (c) => {
    const raw = await readJson(c, z.unknown());
    const unknownKind = unknownKindDetail(raw);
    if (unknownKind) throw new ProblemError('unknown-kind', unknownKind);
    const parsed = JobRequestSchema.safeParse(raw);
    if (!parsed.success) throw validationProblem(parsed.error, 'the job description is not valid');
    return c.json(await createJob(store, registry, c.get('customerId'), parsed.data, now()), 201);
  });

  app.get(API_PATHS.jobs, async (c) => {
    const rows = await store.db
      .selectFrom('jobs')
      .selectAll()
      .where('customer_id', '=', c.get('customerId'))
      .orderBy('created_at', 'desc')
      .limit(JOB_LIST_MAX)
      .execute();
    return c.json({ jobs: rows.map((r) => toJob(r)) });
  });

  app.get('/api/jobs/:id', async (c) => {
    const job = await getOwnJob(store.db, c.get('customerId'), c.req.param('id'));
    return c.json(toJob(job, job.units_failed > 0 ? await jobFailures(store.db, job.id) : []));
  });

  app.post('/api/jobs/:id/cancel', async (c) => c.json(await cancelJob(store, c.get('customerId'), c.req.param('id'), now())));

  app.get('/api/jobs/:id/events', async (c) => {
    const job = await getOwnJob(store.db, c.get('customerId'), c.req.param('id'));
    return streamJobProgress(c, store, job.id, now);
  });

  app.get('/api/jobs/:id/result', async (c) => {
    const job = await getOwnJob(store.db, c.get('customerId'), c.req.param('id'));
    if (job.status !== 'completed' || job.result === null) {
      throw new ProblemError('job-not-complete', `job ${job.id} is ${job.status}`);
    }
    return c.body(job.result, 200, {
      'content-type': 'application/json',
      'content-disposition': `attachment; filename="job-${job.id}.json"`,
    });
  });

  return app;
}

/** Names the unknown kind before zod's generic union message, for a clearer problem. */
export function unknownKindDetail(body: unknown): string | undefined {
  const kind = (body as { kind?: unknown })?.kind;
  if (typeof kind === 'string' && !(JOB_KINDS as readonly string[]).includes(kind)) {
    return `unknown job kind '${kind.slice(0, 40)}'; this server runs: ${JOB_KINDS.join(', ')}`;
  }
  return undefined;
}
