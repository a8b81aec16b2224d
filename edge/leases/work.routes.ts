/**
 * @module Volunteer work routes: lease units, submit results (binary body), report errors.
 */
import { Hono } from 'hono';
import { API_PATHS, LeaseRequestSchema, ReportErrorRequestSchema, SubmitResultsRequestSchema, type LeaseResponse } from '../../shared/api/schemas.ts';
import { base64ToBytes } from '../../shared/base64.ts';
import { RESULTS_BATCH_BYTES_MAX, UNIT_OUTPUT_BYTES_MAX } from '../../shared/limits.ts';
import { requireVolunteer, type AuthVariables } from '../accounts/auth.ts';
import type { Store } from '../db/index.ts';
import { readBytes, readJson } from '../http/body.ts';
import { ProblemError } from '../http/problem.ts';
import type { KernelRegistry } from '../kernels/registry.ts';
import { reportError, submitResult, submitResults } from '../validation/submit.ts';
import { heartbeat, leaseUnits } from './leases.ts';

function leaseIdParam(raw: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(raw)) throw new ProblemError('lease-not-found', `'${raw.slice(0, 20)}' is not a lease id`);
  return Number(raw);
}

export function workRoutes(store: Store, registry: KernelRegistry, now: () => number, random: () => number = Math.random) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use('/api/work/*', requireVolunteer(store));

  app.post(API_PATHS.lease, async (c) => {
    const req = await readJson(c, LeaseRequestSchema, {});
    const body: LeaseResponse = await leaseUnits(store, registry, c.get('volunteerId'), req.max, now(), random);
    return c.json(body);
  });

  app.put('/api/work/leases/:leaseId/result', async (c) => {
    const leaseId = leaseIdParam(c.req.param('leaseId'));
    const bytes = await readBytes(c, UNIT_OUTPUT_BYTES_MAX);
    return c.json(await submitResult(store, c.get('volunteerId'), leaseId, bytes, now()));
  });

  app.post(API_PATHS.results, async (c) => {
    const { results } = await readJson(c, SubmitResultsRequestSchema, undefined, RESULTS_BATCH_BYTES_MAX);
    const items = results.map((r) => ({ leaseId: r.leaseId, output: base64ToBytes(r.output) }));
    return c.json({ results: await submitResults(store, c.get('volunteerId'), items, now()) });
  });

  app.post('/api/work/leases/:leaseId/heartbeat', async (c) =>
    c.json(await heartbeat(store, c.get('volunteerId'), leaseIdParam(c.req.param('leaseId')), now())),
  );

  app.post('/api/work/leases/:leaseId/error', async (c) => {
    const leaseId = leaseIdParam(c.req.param('leaseId'));
    const { message } = await readJson(c, ReportErrorRequestSchema);
    return c.json(await reportError(store, c.get('volunteerId'), leaseId, message, now()));
  });

  return app;
}
