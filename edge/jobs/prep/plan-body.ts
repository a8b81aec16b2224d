/**
 * @module From a job request's body to its plan, for `POST /api/jobs` and its quote: a small
 * body (JOB_PREP_INLINE_BYTES_MAX) is parsed and split on the event loop; a large one is
 * admitted first (per customer and overall, before its bytes are read when its length is
 * declared) and parsed and split in the pool's worker threads. Both ways give the same
 * answers, byte for byte: the same code (prepare.ts, ../split.ts) runs in either place.
 */
import type { Context } from 'hono';
import type { JobKind } from '../../../shared/jobs/kinds.ts';
import { TRAINING_JOB_BODY_BYTES_MAX } from '../../../shared/limits.ts';
import { readBody } from '../../http/body.ts';
import { ProblemError, type ProblemSlug } from '../../http/problem.ts';
import type { Store } from '../../db/index.ts';
import type { KernelRegistry } from '../../kernels/registry.ts';
import { jobKernel, planJobRequest, pricedPlan, type PlannedJob } from '../jobs.ts';
import { JOB_KIND_HANDLERS } from '../kinds.ts';
import type { JobAnswer } from '../refusals.ts';
import { JOB_PREP_INLINE_BYTES_MAX } from './limits.ts';
import type { JobPrepPool, PrepAdmission, PrepOutcome, PrepTicket } from './pool.ts';
import { parseJobBody, type PrepIntent } from './prepare.ts';

/** What planning a body needs: the store and kernels, the pool (made on first use), and how refusals become problems. */
export interface PlanBodyDeps {
  store: Store;
  registry: KernelRegistry;
  pool: () => JobPrepPool;
  /** The value of an answer, or its refusal thrown as a problem (jobs.routes.ts's one table). */
  answered: <T>(a: JobAnswer<T>) => T;
}

/** The problem of each refused admission. */
const ADMISSION_PROBLEMS = { customer_busy: 'too-many-job-bodies', busy: 'job-bodies-busy' } as const satisfies Record<Exclude<PrepAdmission['status'], 'admitted'>, ProblemSlug>;

/** The admission's ticket, or its refusal thrown with Retry-After (RFC 9110 §10.2.3). */
function ticketOf(c: Context, admission: PrepAdmission): PrepTicket {
  if (admission.status === 'admitted') return admission.ticket;
  c.header('Retry-After', String(admission.retryAfterS));
  throw new ProblemError(ADMISSION_PROBLEMS[admission.status], admission.detail);
}

/**
 * The plan of the job description in the request's body, for `intent`, as `customerId`.
 * @throws ProblemError for a body that is not a job description, a refusal of the jobs
 * domain, or a large body refused admission (429/503 with Retry-After, before it is read when
 * its length is declared) or that a thread could not read (503)
 */
export async function planFromBody(c: Context, deps: PlanBodyDeps, customerId: string, intent: PrepIntent): Promise<PlannedJob> {
  const declared = c.req.header('content-length');
  const contentType = c.req.header('content-type') ?? '';
  // A declared large body is admitted before a byte of it is read: a refusal costs no memory.
  let ticket = declared !== undefined && !(Number(declared) <= JOB_PREP_INLINE_BYTES_MAX) ? ticketOf(c, deps.pool().admit(customerId)) : undefined;
  try {
    const body = await readBody(c, TRAINING_JOB_BODY_BYTES_MAX, 'a request body');
    if (body.byteLength <= JOB_PREP_INLINE_BYTES_MAX) {
      ticket?.release();
      return deps.answered(await planJobRequest(deps.store, deps.registry, customerId, parseJobBody(body, contentType)));
    }
    ticket ??= ticketOf(c, deps.pool().admit(customerId));
    return await plannedOf(deps, customerId, await ticket.run(body, contentType, intent));
  } finally {
    ticket?.release();
  }
}

/** The plan from a thread's answer, refusals ordered as on the event loop (the kernel is asked before the split's own refusals). */
async function plannedOf(deps: PlanBodyDeps, customerId: string, outcome: PrepOutcome): Promise<PlannedJob> {
  if (outcome.status === 'closed') throw new ProblemError('job-body-unreadable', 'the server is shutting down; send the job again');
  if (outcome.status === 'thread_failed') {
    console.error(`[edge] a job-body thread failed: ${outcome.message}`);
    throw new ProblemError('job-body-unreadable', 'the job description could not be read now; try again later, or send a smaller one');
  }
  const answer = outcome.answer;
  switch (answer.status) {
    case 'problem':
      throw new ProblemError(answer.slug, answer.detail, answer.errors);
    case 'parsed':
      // A kind whose split needs stored data (resolve): planned here, its body was small.
      return deps.answered(await planJobRequest(deps.store, deps.registry, customerId, answer.req));
    case 'refused':
      deps.answered(jobKernel(deps.registry, answer.kind));
      return deps.answered<PlannedJob>(answer.refusal);
    case 'split': {
      const kernel = deps.answered(jobKernel(deps.registry, answer.kind));
      const { stored, handOver, params } = answer;
      return {
        kind: answer.kind,
        plan: pricedPlan(kernel, answer.split),
        stored: () => {
          if (!stored) throw new Error('a quoted job has no stored parameters');
          return stored;
        },
        adoptPrepared: handOver === undefined ? undefined : () => JOB_KIND_HANDLERS[answer.kind satisfies JobKind].handOver?.adopt(params, handOver),
      };
    }
  }
}
