/**
 * @module The one error model of the API: {@link ProblemError} carries an RFC 9457 problem,
 * {@link onError} writes it as `application/problem+json`; anything unexpected is logged and
 * answered 500 without internals.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { Problem } from '../../shared/api/schemas.ts';

/** Every problem type the API answers with: slug → status and title. */
export const PROBLEMS = {
  'malformed-json': { status: 400, title: 'The request body is not valid JSON' },
  validation: { status: 422, title: 'The request is not valid' },
  'unknown-kind': { status: 422, title: 'Unknown job kind' },
  'kernel-unavailable': { status: 503, title: 'The kernel for this job is not available' },
  'body-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  unauthenticated: { status: 401, title: 'Missing or invalid credentials' },
  'not-found': { status: 404, title: 'Not found' },
  'lease-not-found': { status: 404, title: 'No such lease' },
  'lease-not-yours': { status: 403, title: 'This lease belongs to another volunteer' },
  'lease-closed': { status: 409, title: 'This lease no longer takes results' },
  'result-size': { status: 422, title: 'The result has the wrong size' },
  'result-conflict': { status: 409, title: 'A different result was already submitted for this lease' },
  'job-not-complete': { status: 409, title: 'The job has no result yet' },
  internal: { status: 500, title: 'Internal server error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemSlug = keyof typeof PROBLEMS;

/** Problem type URIs are relative references to the API's own problem pages. */
export function problemType(slug: ProblemSlug): string {
  return `/problems/${slug}`;
}

/**
 * A request failed for a reason the client can act on.
 * @example
 * throw new ProblemError('lease-not-found', `lease ${id} does not exist`);
 */
export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly slug: ProblemSlug,
    readonly detail?: string,
    readonly errors?: Problem['errors'],
  ) {
    super(detail ?? PROBLEMS[slug].title);
  }

  toProblem(): Problem {
    const { status, title } = PROBLEMS[this.slug];
    return { type: problemType(this.slug), title, status, detail: this.detail, errors: this.errors };
  }
}

/** Turns zod issues into field-level problem errors (`params.steps` → message). */
export function validationProblem(error: z.ZodError, detail = 'some fields are not valid'): ProblemError {
  const errors = error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  return new ProblemError('validation', detail, errors);
}

/** Writes a problem response. */
export function problemResponse(c: Context, problem: Problem): Response {
  return c.body(JSON.stringify(problem), problem.status as ContentfulStatusCode, {
    'content-type': 'application/problem+json',
  });
}

/** The app's one error handler. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ProblemError) return problemResponse(c, err.toProblem());
  if (err instanceof HTTPException && err.status < 500) {
    const slug: ProblemSlug = err.status === 413 ? 'body-too-large' : err.status === 401 ? 'unauthenticated' : 'validation';
    return problemResponse(c, new ProblemError(slug, err.message || undefined).toProblem());
  }
  console.error(`[edge] ${c.req.method} ${c.req.path} failed:`, err);
  return problemResponse(c, new ProblemError('internal').toProblem());
}
