/**
 * @module Volunteer work routes: lease units, submit results (binary body or a JSON batch),
 * heartbeats, error reports. The coordinator answers with statuses; this file alone turns
 * them into problems ({@link WORK_PROBLEMS}).
 */
import { Hono } from 'hono';
import { API_PATHS, HeartbeatRequestSchema, LeaseRequestSchema, ReportErrorRequestSchema, SubmitResultsRequestSchema, type SubmitResultsAnswer } from '../../shared/api/schemas.ts';
import { base64ToBytes } from '../../shared/base64.ts';
import { RESULTS_BATCH_BYTES_MAX, UNIT_OUTPUT_BYTES_MAX } from '../../shared/limits.ts';
import { requireVolunteer, type AuthVariables } from '../auth/require.ts';
import type { Store } from '../db/index.ts';
import { readBytes, readJson } from '../http/body.ts';
import { clientOrigin } from '../http/origin.ts';
import { positiveIdParam } from '../http/path-ids.ts';
import { ProblemError, type ProblemSlug } from '../http/problem.ts';
import type { Coordinator, ErrorReportStatus, LeaseRefusal, SubmitStatus } from './index.ts';

type Refusal = Exclude<SubmitStatus | ErrorReportStatus, { status: 'ok' }>;

/** The problem type of every status the coordinator refuses a request with (group uploads answer with it too). */
export const WORK_PROBLEMS = {
  lease_not_found: 'lease-not-found',
  lease_not_yours: 'lease-not-yours',
  lease_closed: 'lease-closed',
  result_conflict: 'result-conflict',
  result_size: 'result-size',
} as const satisfies Record<Refusal['status'], ProblemSlug>;

/** The problem a refusal of `leaseId` is answered with. */
function refusalProblem(leaseId: number, r: Refusal, action: 'result' | 'error'): ProblemError {
  const detail =
    r.status === 'lease_not_found' ? `lease ${leaseId} does not exist`
    : r.status === 'lease_not_yours' ? `lease ${leaseId} was not issued to you`
    : r.status === 'result_conflict' ? `lease ${leaseId} already has a result with a different hash`
    : r.status === 'result_size' ? `unit ${r.unitId} yields ${r.expected} bytes, got ${r.got}`
    : action === 'result' ? `lease ${leaseId} reported an error; it takes no result`
    : `lease ${leaseId} already has a result`;
  return new ProblemError(WORK_PROBLEMS[r.status], detail);
}

function leaseRefusal(leaseId: number, status: LeaseRefusal): ProblemError {
  return refusalProblem(leaseId, { status }, 'result');
}

function leaseIdParam(raw: string): number {
  const id = positiveIdParam(raw);
  if (id === undefined) throw new ProblemError('lease-not-found', `'${raw.slice(0, 20)}' is not a lease id`);
  return id;
}

/** What the work routes are built from (the composition root's deps have it all). */
export interface WorkDeps {
  store: Store;
  coordinator: Coordinator;
  now: () => number;
  /** Proxies whose X-Forwarded-For names the client (TRUST_PROXY); none by default. */
  trustedProxies: ReadonlySet<string>;
}

export function workRoutes({ store, coordinator, now, trustedProxies }: WorkDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use('/api/work/*', requireVolunteer(store));

  app.post(API_PATHS.lease, async (c) => {
    const req = await readJson(c, LeaseRequestSchema, {});
    return c.json(await coordinator.lease(c.get('volunteerId'), clientOrigin(c, trustedProxies) ?? null, req.max, now()));
  });

  app.put('/api/work/leases/:leaseId/result', async (c) => {
    const leaseId = leaseIdParam(c.req.param('leaseId'));
    const bytes = await readBytes(c, UNIT_OUTPUT_BYTES_MAX);
    const s = await coordinator.submit(c.get('volunteerId'), leaseId, bytes, now());
    if (s.status !== 'ok') throw refusalProblem(leaseId, s, 'result');
    return c.json(s.answer);
  });

  app.post(API_PATHS.results, async (c) => {
    const { results } = await readJson(c, SubmitResultsRequestSchema, undefined, RESULTS_BATCH_BYTES_MAX);
    const items = results.map((r) => ({ leaseId: r.leaseId, output: base64ToBytes(r.output) }));
    const statuses = await coordinator.submitBatch(c.get('volunteerId'), items, now());
    const answers: SubmitResultsAnswer[] = statuses.map((s, i) =>
      s.status === 'ok' ? s.answer : { leaseId: items[i]!.leaseId, problem: refusalProblem(items[i]!.leaseId, s, 'result').toProblem() },
    );
    return c.json({ results: answers });
  });

  app.post('/api/work/leases/:leaseId/heartbeat', async (c) => {
    const leaseId = leaseIdParam(c.req.param('leaseId'));
    // The body is optional (older clients send none: their leases are no longer extended); a
    // body without a JSON content type is refused (415), not ignored.
    const body = await readJson(c, HeartbeatRequestSchema.nullable(), null);
    const h = await coordinator.heartbeat(c.get('volunteerId'), leaseId, body?.progress, now());
    if (typeof h === 'string') throw leaseRefusal(leaseId, h);
    return c.json(h);
  });

  app.post('/api/work/leases/:leaseId/error', async (c) => {
    const leaseId = leaseIdParam(c.req.param('leaseId'));
    const { message } = await readJson(c, ReportErrorRequestSchema);
    const s = await coordinator.reportError(c.get('volunteerId'), leaseId, message, now());
    if (s.status !== 'ok') throw refusalProblem(leaseId, s, 'error');
    return c.json({ leaseId: s.leaseId, unitState: s.unitState });
  });

  return app;
}
