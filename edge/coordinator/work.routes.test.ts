import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/client.ts';
import type { Lease } from '../../shared/api/schemas.ts';
import { base64ToBytes } from '../../shared/base64.ts';
import { L96ParamsSchema, assimilateL96, splitL96 } from '../../shared/jobs/lorenz96.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { lorenz96Reference } from '../../kernels/lorenz96/reference.ts';
import { closeDialectApps, failingVerifyPool, makeDialectApp, snapshot, testDialects, type TestDialect } from '../testing.ts';
import type { VerifyPool } from './verify/index.ts';

const params = { n: 8, steps: 60, snapEvery: 20, members: 3, membersPerUnit: 2, seed: 7 };

const dialects = await testDialects('the coordinator');
afterEach(closeDialectApps);

async function setup(dialect: TestDialect, verifyPool?: VerifyPool) {
  const t = await makeDialectApp(dialect, { verifyPool });
  const { apiKey } = await t.client().createCustomer('Acme');
  const customer = t.client(apiKey);
  const job = await customer.createJob({ kind: 'lorenz96', params });
  const volunteer = async () => t.client((await t.client().createVolunteer()).token);
  const module = t.kernels.entries.get('lorenz96@1')!.module;
  const compute = (lease: Lease) => runKernel(module, base64ToBytes(lease.input));
  return { ...t, customer, job, volunteer, compute };
}

async function problemOf(p: Promise<unknown>) {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return (err as ApiError).problem;
}

describe.each(dialects)('lease → compute → submit → validate → integrate on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    t = await setup(dialect);
  });

  it('completes a job when two volunteers agree, and credits both exactly once', async () => {
    expect(t.job.unitsTotal).toBe(2);
    const [a, b, c] = [await t.volunteer(), await t.volunteer(), await t.volunteer()];
    const la = (await a.lease({ max: 16 })).leases;
    expect(la.map((l) => l.unitId)).toHaveLength(2);
    // Never two replicas of one unit for the same volunteer.
    expect((await a.lease({ max: 16 })).leases).toEqual([]);
    const lb = (await b.lease({ max: 16 })).leases;
    expect(lb.map((l) => l.unitId).sort()).toEqual(la.map((l) => l.unitId).sort());
    // Both units have their quorum leased: nothing for a third volunteer.
    const none = await c.lease({ max: 16 });
    expect(none.leases).toEqual([]);
    expect(none.retryAfterMs).toBeGreaterThan(0);

    for (const l of la) expect((await a.submitResult(l.leaseId, await t.compute(l))).outcome).toBe('pending');
    for (const l of lb) {
      const r = await b.submitResult(l.leaseId, await t.compute(l));
      expect(r).toEqual({ leaseId: l.leaseId, outcome: 'valid', creditedPoints: l.costPoints });
    }
    const job = await t.customer.job(t.job.id);
    expect(job).toMatchObject({ status: 'completed', unitsValid: 2, unitsFailed: 0 });

    const p = L96ParamsSchema.parse(params);
    const expected = assimilateL96(p, splitL96(p).map((u) => lorenz96Reference(u.input)));
    expect(await t.customer.jobResult(t.job.id)).toEqual(JSON.parse(JSON.stringify(expected)));

    const points = la.reduce((s, l) => s + l.costPoints, 0);
    expect((await a.me()).points).toBe(points);
    expect((await b.me()).points).toBe(points);
    expect((await c.me()).points).toBe(0);
    // Submitting again changes nothing and answers the same.
    const again = await a.submitResult(la[0]!.leaseId, await t.compute(la[0]!));
    expect(again.outcome).toBe('valid');
    expect((await a.me()).points).toBe(points);
  });

  it('breaks a disagreement with one more replica and credits only the agreeing volunteers', async () => {
    const [cheat, honest1, honest2] = [await t.volunteer(), await t.volunteer(), await t.volunteer()];
    const lc = (await cheat.lease({ max: 1 })).leases[0]!;
    const l1 = (await honest1.lease({ max: 1 })).leases[0]!;
    expect(l1.unitId).toBe(lc.unitId);
    const bad = await t.compute(lc);
    bad[0]! ^= 1;
    expect((await cheat.submitResult(lc.leaseId, bad)).outcome).toBe('pending');
    expect((await honest1.submitResult(l1.leaseId, await t.compute(l1))).outcome).toBe('pending');
    const l2 = (await honest2.lease({ max: 1 })).leases[0]!;
    expect(l2.unitId).toBe(lc.unitId);
    expect((await honest2.submitResult(l2.leaseId, await t.compute(l2))).outcome).toBe('valid');
    expect((await cheat.me()).points).toBe(0);
    expect((await honest1.me()).points).toBe(l1.costPoints);
    expect((await cheat.submitResult(lc.leaseId, bad)).outcome).toBe('invalid');
  });

  it('reissues a lease past its deadline and still credits the late result if it agrees', async () => {
    const [slow, b, c] = [await t.volunteer(), await t.volunteer(), await t.volunteer()];
    const ls = (await slow.lease({ max: 1 })).leases[0]!;
    const lb = (await b.lease({ max: 1 })).leases[0]!;
    expect(lb.unitId).toBe(ls.unitId);
    // c gets the other unit, not ls's: its quorum is fully leased.
    expect((await c.lease({ max: 1 })).leases[0]!.unitId).not.toBe(ls.unitId);
    t.clock.now = ls.deadline + 1;
    const reissued = (await c.lease({ max: 16 })).leases.map((l) => l.unitId);
    expect(reissued).toContain(ls.unitId);
    expect((await b.submitResult(lb.leaseId, await t.compute(lb))).outcome).toBe('pending');
    expect((await slow.submitResult(ls.leaseId, await t.compute(ls))).outcome).toBe('valid');
    expect((await slow.me()).points).toBe(ls.costPoints);
  });

  it('gives a volunteer whose lease answer was lost the unit again once that lease times out', async () => {
    const [a, b] = [await t.volunteer(), await t.volunteer()];
    // a's first lease answer is lost (a crash, a dropped connection): a never hears of it.
    const lost = (await a.lease({ max: 1 })).leases[0]!;
    const lb = (await b.lease({ max: 16 })).leases;
    expect(lb).toHaveLength(2);
    // Before the deadline a can't get that unit a second time (it holds a live replica of it).
    const first = (await a.lease({ max: 16 })).leases;
    expect(first.map((l) => l.unitId)).not.toContain(lost.unitId);
    t.clock.now = lost.deadline + 1;
    // After it, the same row is leased again (never two replicas per volunteer), so with only
    // two volunteers the unit can still reach its quorum.
    const again = (await a.lease({ max: 16 })).leases;
    expect(again.map((l) => l.unitId)).toContain(lost.unitId);
    // The lease a had heard of timed out too and was renewed in the same row (same lease id).
    expect(again.map((l) => l.leaseId).sort()).toEqual([lost.leaseId, ...first.map((l) => l.leaseId)].sort());
    for (const l of again) await a.submitResult(l.leaseId, await t.compute(l));
    for (const l of lb) await b.submitResult(l.leaseId, await t.compute(l));
    expect((await t.customer.job(t.job.id)).status).toBe('completed');
    const rows = await t.store.db.selectFrom('replicas').select(['unit_id', 'volunteer_id']).execute();
    expect(new Set(rows.map((r) => `${r.unit_id}:${r.volunteer_id}`)).size).toBe(rows.length);
  });

  it('does not fail a unit on error reports alone: the server runs it, and its run decides', async () => {
    const vols = await Promise.all([1, 2, 3].map(() => t.volunteer()));
    let unitId = 0;
    for (const v of vols) {
      const lease = (await v.lease({ max: 1 })).leases[0]!;
      unitId = lease.unitId;
      const { unitState } = await v.reportError(lease.leaseId, -1, 'kernel refused its input');
      expect(['in_progress', 'queued', 'valid']).toContain(unitState);
    }
    // The server's run is applied inline when it ends within VERIFY_INLINE_WAIT_MS, else by
    // the background drain (on a loaded machine): either way it decides the unit.
    await t.coordinator.verifier.settle();
    const unit = await t.store.db.selectFrom('units').select('state').where('id', '=', unitId).executeTakeFirstOrThrow();
    expect(unit.state).toBe('valid');
    const job = await t.customer.job(t.job.id);
    expect(job.unitsFailed).toBe(0);
    expect(job.assurance).toEqual({ serverVerified: 1, byAgreement: 0 });
  });

  it('fails a unit after errors_max error reports when the server’s own run fails too, and fails its job', async () => {
    const f = await setup(dialect, failingVerifyPool('kernel refused its input (code -3)'));
    const vols = await Promise.all([1, 2, 3, 4].map(() => f.volunteer()));
    let failedState = '';
    for (const v of vols.slice(0, 3)) {
      const lease = (await v.lease({ max: 1 })).leases[0]!;
      failedState = (await v.reportError(lease.leaseId, -1, 'kernel refused its input')).unitState;
    }
    expect(failedState).toBe('failed');
    expect((await f.customer.job(f.job.id)).unitsFailed).toBe(1);
  });
});

describe.each(dialects)('bad input gets a problem and changes nothing on %s', (dialect) => {
  it('refuses every malformed request with problem+json', async () => {
    const t = await setup(dialect);
    const v = await t.volunteer();
    const lease = (await v.lease({ max: 1 })).leases[0]!;
    const other = await t.volunteer();
    const vToken = (await t.client().createVolunteer()).token;
    const before = await snapshot(t.store);

    const raw = async (path: string, init: RequestInit) => t.app.request(path, init);
    const auth = { authorization: `Bearer ${(await t.store.db.selectFrom('customers').select('id').executeTakeFirstOrThrow()).id}.wrong` };
    const cases: [string, Promise<Response>, number, string][] = [
      ['bad api key', raw('/api/jobs', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' }), 401, 'unauthenticated'],
      ['no auth', raw('/api/work/lease', { method: 'POST' }), 401, 'unauthenticated'],
      ['oversize JSON', raw('/api/customers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(70_000) }) }), 413, 'body-too-large'],
      ['malformed JSON', raw('/api/customers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' }), 400, 'malformed-json'],
      ['wrong type', raw('/api/customers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":42}' }), 422, 'validation'],
      ['not JSON content type', raw('/api/customers', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"name":"a"}' }), 415, 'unsupported-media-type'],
      ['lease id not a number', raw('/api/work/leases/abc/result', { method: 'PUT', headers: { authorization: `Bearer ${vToken}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(8) }), 404, 'lease-not-found'],
      ['oversize result', raw(`/api/work/leases/${lease.leaseId}/result`, { method: 'PUT', headers: { authorization: `Bearer ${vToken}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(5 * 1024 * 1024) }), 413, 'body-too-large'],
      ['unknown route', raw('/api/nope', {}), 404, 'not-found'],
    ];
    for (const [name, res, status, slug] of cases) {
      const r = await res;
      expect.soft(r.status, name).toBe(status);
      expect.soft(r.headers.get('content-type'), name).toBe('application/problem+json');
      const body = (await r.json()) as { type: string; status: number; title: string };
      expect.soft(body.type, name).toBe(`/problems/${slug}`);
      expect.soft(body.status, name).toBe(status);
    }

    expect((await problemOf(t.customer.createJob({ kind: 'mandelbrot' } as never))).type).toBe('/problems/unknown-kind');
    const wrongTypes = await problemOf(t.customer.createJob({ kind: 'lorenz96', params: { n: 'forty', steps: -1 } } as never));
    expect(wrongTypes.type).toBe('/problems/validation');
    expect(wrongTypes.errors?.map((e) => e.path).sort()).toEqual(['params.n', 'params.steps']);
    expect((await problemOf(t.customer.createJob({ kind: 'lorenz96', params: { steps: 100, snapEvery: 30 } }))).errors?.[0]?.path).toBe('params.snapEvery');
    expect((await problemOf(other.submitResult(lease.leaseId, new Uint8Array(lease.outputBytes)))).type).toBe('/problems/lease-not-yours');
    expect((await problemOf(v.submitResult(lease.leaseId, new Uint8Array(lease.outputBytes - 8)))).type).toBe('/problems/result-size');
    expect((await problemOf(v.submitResult(999_999, new Uint8Array(8)))).type).toBe('/problems/lease-not-found');
    expect((await problemOf(t.customer.jobResult(t.job.id))).type).toBe('/problems/job-not-complete');
    expect((await problemOf(t.client((await t.client().createCustomer('B')).apiKey).job(t.job.id))).type).toBe('/problems/not-found');

    const after = await snapshot(t.store);
    // Only the accounts these checks created themselves are new.
    expect(after.customers).toHaveLength(before.customers!.length + 1);
    expect({ ...after, customers: [] }).toEqual({ ...before, customers: [] });
  });

  it('answers a conflicting second result for one lease with 409 and keeps the first', async () => {
    const t = await setup(dialect);
    const v = await t.volunteer();
    const lease = (await v.lease({ max: 1 })).leases[0]!;
    const out = await t.compute(lease);
    await v.submitResult(lease.leaseId, out);
    const before = await snapshot(t.store);
    const changed = out.slice();
    changed[3]! ^= 0xff;
    expect((await problemOf(v.submitResult(lease.leaseId, changed))).type).toBe('/problems/result-conflict');
    expect(await snapshot(t.store)).toEqual(before);
  });

  it('takes a batch of results in one request, refusing bad items alone', async () => {
    const t = await setup(dialect);
    const [a, b, other] = [await t.volunteer(), await t.volunteer(), await t.volunteer()];
    const la = (await a.lease({ max: 16 })).leases;
    const lb = (await b.lease({ max: 16 })).leases;
    expect(la).toHaveLength(2);
    const outA = await Promise.all(la.map((l) => t.compute(l)));
    // a's batch: both good results, and b's lease (not a's): one refused, two taken.
    const first = await a.submitResults([...la.map((l, i) => ({ leaseId: l.leaseId, output: outA[i]! })), { leaseId: lb[0]!.leaseId, output: outA[0]! }]);
    expect(first.results.map((r) => ('problem' in r ? r.problem.type : r.outcome))).toEqual(['pending', 'pending', '/problems/lease-not-yours']);

    const before = await snapshot(t.store);
    // A batch whose every item is bad changes nothing: a conflicting repeat, a wrong size, a foreign lease.
    const changed = outA[0]!.slice();
    changed[0]! ^= 1;
    const bad = await a.submitResults([
      { leaseId: la[0]!.leaseId, output: changed },
      { leaseId: la[1]!.leaseId, output: outA[1]!.subarray(8) },
      { leaseId: lb[1]!.leaseId, output: outA[1]! },
    ]);
    expect(bad.results.map((r) => ('problem' in r ? r.problem.type : r.outcome))).toEqual(['/problems/result-conflict', '/problems/result-conflict', '/problems/lease-not-yours']);
    expect(await snapshot(t.store)).toEqual(before);
    await expect(problemOf(other.submitResults([]))).resolves.toMatchObject({ type: '/problems/validation' });
    await expect(problemOf(other.submitResults(Array.from({ length: 17 }, () => ({ leaseId: 1, output: new Uint8Array(8) }))))).resolves.toMatchObject({ type: '/problems/validation' });
    expect(await snapshot(t.store)).toEqual(before);

    // b's batch validates both units and completes the job; each volunteer is credited once.
    const second = await b.submitResults(lb.map((l) => ({ leaseId: l.leaseId, output: outA[la.findIndex((x) => x.unitId === l.unitId)]! })));
    expect(second.results.map((r) => ('problem' in r ? r.problem.type : r.outcome))).toEqual(['valid', 'valid']);
    const points = la.reduce((s, l) => s + l.costPoints, 0);
    expect((await a.me()).points).toBe(points);
    expect((await b.me()).points).toBe(points);
    expect((await t.customer.job(t.job.id)).status).toBe('completed');
    // Repeating the batch answers the same and credits nothing more.
    const again = await b.submitResults(lb.map((l) => ({ leaseId: l.leaseId, output: outA[la.findIndex((x) => x.unitId === l.unitId)]! })));
    expect(again).toEqual(second);
    expect((await b.me()).points).toBe(points);
  });
});
