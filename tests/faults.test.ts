/**
 * Fault simulation against the coordinator (in-process edge, real kernels in Node, a clock
 * the test moves): volunteers that vanish mid-unit, go offline and submit late, submit twice,
 * and cheaters (20% of workers) that return corrupted results. The output must equal a clean
 * run exactly; cheaters earn nothing for bad results; every validated honest result is
 * credited exactly once, and the points ledger balances.
 */
import { describe, expect, it } from 'vitest';
import type { Lease } from '../shared/api/schemas.ts';
import { base64ToBytes } from '../shared/base64.ts';
import { L96ParamsSchema, assimilateL96, splitL96 } from '../shared/jobs/lorenz96.ts';
import { runKernel } from '../shared/kernels/runtime.ts';
import { mulberry32 } from '../shared/random.ts';
import { lorenz96Reference } from '../kernels/lorenz96/reference.ts';
import { ACCOUNTS } from '../edge/ledger/accounts.ts';
import { ledgerOf, pointsIssuedPosted } from '../edge/ledger/ledger.ts';
import { makeTestApp } from '../edge/testing.ts';

type Behaviour = 'honest' | 'cheater' | 'vanisher' | 'late' | 'double';
/** Simulation rounds before the test gives up; each round moves the clock ROUND_MS. */
const ROUNDS_MAX = 400;
const ROUND_MS = 5_000;

describe('fault simulation', () => {
  it('completes exactly as a clean run with vanishing, late, duplicate and cheating volunteers', async () => {
    const t = await makeTestApp();
    const rand = mulberry32(7);
    const { apiKey } = await t.client().createCustomer('Faults Inc');
    const customer = t.client(apiKey);
    const params = { n: 12, steps: 60, snapEvery: 30, members: 30, membersPerUnit: 1, seed: 99 };
    const job = await customer.createJob({ kind: 'lorenz96', params });
    const module = t.kernels.entries.get('lorenz96@1')!.module;
    const behaviours: Behaviour[] = ['cheater', 'cheater', 'vanisher', 'late', 'double', 'honest', 'honest', 'honest', 'honest', 'honest'];
    const vols = await Promise.all(
      behaviours.map(async (behaviour) => {
        const { volunteerId, token } = await t.client().createVolunteer();
        return { behaviour, volunteerId, api: t.client(token), parked: [] as { lease: Lease; output: Uint8Array }[] };
      }),
    );

    const lateOutcomes: string[] = [];
    for (let round = 0; round < ROUNDS_MAX && (await customer.job(job.id)).status === 'running'; round++) {
      for (const v of vols) {
        // The late volunteer delivers what it computed offline only after its leases expired.
        const due = v.parked.filter((p) => p.lease.deadline < t.clock.now);
        v.parked = v.parked.filter((p) => !due.includes(p));
        for (const p of due) lateOutcomes.push((await v.api.submitResult(p.lease.leaseId, p.output)).outcome);
        if (v.behaviour === 'vanisher' && round > 0) continue; // leased once, then gone
        for (const lease of (await v.api.lease({ max: 2 })).leases) {
          const output = await runKernel(module, base64ToBytes(lease.input));
          if (v.behaviour === 'vanisher') continue;
          if (v.behaviour === 'late') {
            v.parked.push({ lease, output });
            continue;
          }
          if (v.behaviour === 'cheater') {
            // Random corruption: two cheaters never agree with each other.
            output[Math.floor(rand() * output.length)]! ^= 1 + Math.floor(rand() * 255);
          }
          const r = await v.api.submitResult(lease.leaseId, output);
          if (v.behaviour === 'double') expect(await v.api.submitResult(lease.leaseId, output)).toEqual(r);
        }
      }
      t.clock.now += ROUND_MS;
    }

    const final = await customer.job(job.id);
    expect(final).toMatchObject({ status: 'completed', unitsValid: 30, unitsFailed: 0 });
    const p = L96ParamsSchema.parse(params);
    const clean = JSON.parse(JSON.stringify(assimilateL96(p, splitL96(p).map((u) => lorenz96Reference(u.input)))));
    expect(await customer.jobResult(job.id)).toEqual(clean);

    const ledger = ledgerOf(t.store);
    let totalPoints = 0;
    for (const v of vols) {
      const replicas = await t.store.db.selectFrom('replicas').selectAll().where('volunteer_id', '=', v.volunteerId).execute();
      const validReplicas = replicas.filter((r) => r.outcome === 'valid');
      const credits = await t.store.db
        .selectFrom('ledger_transfers')
        .select(['id', 'amount'])
        .where('credit_account', '=', ACCOUNTS.volunteerVesting(v.volunteerId).id)
        .where('code', '=', 'unit_credit')
        .execute();
      // One credit per validated replica, of the unit's server-side cost, and nothing else.
      expect(credits.map((c) => c.id).sort(), v.behaviour).toEqual(validReplicas.map((r) => `unit:${r.unit_id}:replica:${r.id}`).sort());
      // Credited points vest (move to the spendable account) once beyond doubt: count both.
      const points = (await ledger.balance(ACCOUNTS.volunteerPoints(v.volunteerId).id))!.posted + (await ledger.balance(ACCOUNTS.volunteerVesting(v.volunteerId).id))!.posted;
      expect(points).toBe(validReplicas.reduce((s, r) => s + r.credited_points, 0));
      totalPoints += points;
      if (v.behaviour === 'cheater') {
        expect(points, 'a cheater earned points').toBe(0);
        expect(replicas.every((r) => r.outcome !== 'valid')).toBe(true);
      }
      if (v.behaviour === 'honest' || v.behaviour === 'double') expect(replicas.every((r) => r.outcome !== 'invalid')).toBe(true);
    }
    // Late results were taken (after their leases expired and were reissued) and credited.
    expect(lateOutcomes.length).toBeGreaterThan(0);
    expect(lateOutcomes.every((o) => o === 'valid' || o === 'pending')).toBe(true);
    expect((await ledger.balance(ACCOUNTS.volunteerVesting(vols[3]!.volunteerId).id))!.posted + (await ledger.balance(ACCOUNTS.volunteerPoints(vols[3]!.volunteerId).id))!.posted).toBeGreaterThan(0);
    // Double entry: every point a volunteer holds was issued once.
    expect(await pointsIssuedPosted(ledger)).toBe(-totalPoints);
  });
});
