/**
 * Griefing with free identities (issue 14): error floods must not fail a customer's job, and
 * heartbeats without progress must not hold a unit back from other volunteers. Both dialects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LEASE_HELD_TTLS_MAX } from '../../shared/limits.ts';
import { leaseTtlMs } from '../../edge/coordinator/index.ts';
import { closeDialectApps, makeDialectApp, testDialects, type TestDialect } from '../../edge/testing.ts';

const dialects = await testDialects('griefing');
afterEach(closeDialectApps);

/** Identities of the griefer, each on a network of its own. */
const GRIEFERS = 10;

async function setup(dialect: TestDialect) {
  const t = await makeDialectApp(dialect);
  const customer = t.client((await t.client().createCustomer('Acme')).apiKey);
  const job = await customer.createJob({ kind: 'lorenz96', params: { n: 8, steps: 40, snapEvery: 20, members: 2, membersPerUnit: 1, seed: 5 } });
  const volunteer = async (i: number) => t.clientFrom(`192.0.${i}.10`, (await t.clientFrom(`192.0.${i}.10`).createVolunteer()).token);
  return { ...t, customer, job, volunteer };
}

describe.each(dialects)('griefing on %s', (dialect) => {
  it('an error flood from fresh identities does not fail the job: the server runs the unit and decides it', async () => {
    const t = await setup(dialect);
    for (let i = 0; i < GRIEFERS; i++) {
      const v = await t.volunteer(i);
      for (const l of (await v.lease({ max: 2 })).leases) await v.reportError(l.leaseId, -1, 'kernel refused its input');
    }
    await t.coordinator.verifier.settle();
    const job = await t.customer.job(t.job.id);
    expect(job.unitsFailed).toBe(0);
    expect(job.status).toBe('completed');
    expect(job.assurance).toEqual({ serverVerified: 2, byAgreement: 0 });
  });

  it('heartbeats without progress keep no lease past its lifetime, and with progress not past the bound', async () => {
    const t = await setup(dialect);
    const holder = await t.volunteer(1);
    const [lease] = (await holder.lease({ max: 1 })).leases;
    const leasedAt = t.clock.now;
    // No progress reported: the deadline stays, and once it passes the unit goes to another volunteer.
    t.clock.now = lease!.deadline - 1_000;
    expect((await holder.heartbeat(lease!.leaseId)).deadline).toBe(lease!.deadline);
    expect((await holder.heartbeat(lease!.leaseId, 0)).deadline).toBe(lease!.deadline);
    // Progress that advances extends it, at most LEASE_HELD_TTLS_MAX lifetimes from the lease.
    const bound = leasedAt + LEASE_HELD_TTLS_MAX * leaseTtlMs(lease!.costPoints);
    let deadline = lease!.deadline;
    for (let progress = 1; progress <= 3 * LEASE_HELD_TTLS_MAX; progress++) {
      t.clock.now = deadline - 1_000;
      const h = await holder.heartbeat(lease!.leaseId, progress);
      expect(h.deadline).toBeGreaterThanOrEqual(deadline);
      expect(h.deadline).toBeLessThanOrEqual(bound);
      deadline = h.deadline;
    }
    expect(deadline).toBe(bound);
    // Past the bound the unit goes to another volunteer.
    t.clock.now = bound + 1;
    const other = await t.volunteer(2);
    expect((await other.lease({ max: 2 })).leases.map((l) => l.unitId)).toContain(lease!.unitId);
  });
});
