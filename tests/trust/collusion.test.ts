/**
 * Attacks on results and points by one person with many free identities (issue 14), against
 * the real edge in-process on both dialects; each client's requests carry the socket address
 * the edge reads its network origin from. The cheater's bytes are plausible (an honest output
 * with one bit of a middle snapshot flipped), so only the server's own run can tell.
 */
import { createHash } from 'node:crypto';
import { mulberry32 } from '../../shared/random.ts';
import { forgeL96 } from './forge.ts';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api/client.ts';
import type { Lease } from '../../shared/api/schemas.ts';
import { base64ToBytes } from '../../shared/base64.ts';
import { L96ParamsSchema, assimilateL96, splitL96 } from '../../shared/jobs/lorenz96.ts';
import { lorenz96Reference } from '../../kernels/lorenz96/reference.ts';
import { checkPlausible } from '../../edge/coordinator/plausibility/index.ts';
import { PROBATION_MATCHES_MIN } from '../../edge/coordinator/trust-rules.ts';
import { ACCOUNTS } from '../../edge/ledger/accounts.ts';
import { ledgerOf } from '../../edge/ledger/ledger.ts';
import { closeDialectApps, makeDialectApp, testDialects, type TestDialect } from '../../edge/testing.ts';

const dialects = await testDialects('collusion');
afterEach(closeDialectApps);

const PARAMS = { n: 8, steps: 40, snapEvery: 10, members: 24, membersPerUnit: 1, seed: 11 };
/** Rounds of leasing and submitting before a test gives up (each participant takes a few units a round). */
const ROUNDS_MAX = 60;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const forged = (honest: Uint8Array) => forgeL96(honest, PARAMS.n);

interface Participant {
  api: ApiClient;
  id: string;
  lie: (l: Lease) => boolean;
}

async function setup(dialect: TestDialect, seed = 1) {
  const t = await makeDialectApp(dialect, { random: mulberry32(seed) });
  const { apiKey } = await t.client().createCustomer('Acme');
  const customer = t.client(apiKey);
  const job = await customer.createJob({ kind: 'lorenz96', params: PARAMS });
  const units = splitL96(L96ParamsSchema.parse(PARAMS));
  const reference = units.map((u) => lorenz96Reference(u.input));
  const truth = new Set(reference.map(sha));
  const participant = async (address: string, lie: (l: Lease) => boolean = () => false): Promise<Participant> => {
    const { volunteerId, token } = await t.clientFrom(address).createVolunteer();
    return { api: t.clientFrom(address, token), id: volunteerId, lie };
  };
  /** How many valid units hold bytes other than the reference's right now. */
  const wrongUnits = async () => {
    const rows = await t.store.db.selectFrom('units').select(['canonical_hash']).where('job_id', '=', job.id).where('state', '=', 'valid').execute();
    return rows.filter((r) => !truth.has(r.canonical_hash!)).length;
  };
  /** Every participant leases a few units and returns its bytes, until the job ends; answers the peak of wrong units. */
  const run = async (all: Participant[], stop: () => Promise<boolean>) => {
    let peak = 0;
    for (let round = 0; round < ROUNDS_MAX && !(await stop()); round++) {
      for (const p of all) {
        for (const l of (await p.api.lease({ max: 2 })).leases) {
          const honest = lorenz96Reference(base64ToBytes(l.input));
          await p.api.submitResult(l.leaseId, p.lie(l) ? forged(honest) : honest);
        }
      }
      peak = Math.max(peak, await wrongUnits());
    }
    return peak;
  };
  const finished = async () => (await customer.job(job.id)).status !== 'running';
  const points = async (p: Participant) => (await ledgerOf(t.store).balance(ACCOUNTS.volunteerPoints(p.id).id))?.posted ?? 0;
  const standing = (p: Participant) => t.store.db.selectFrom('volunteers').select(['verified_matches', 'disproved']).where('id', '=', p.id).executeTakeFirstOrThrow();
  const expected = assimilateL96(L96ParamsSchema.parse(PARAMS), reference);
  return { ...t, customer, job, reference, participant, wrongUnits, run, finished, points, standing, expected };
}

describe.each(dialects)('colluding identities on %s', (dialect) => {
  it('forges plausible bytes: only the server’s run can tell them from the truth', () => {
    const unit = splitL96(L96ParamsSchema.parse(PARAMS))[0]!;
    const honest = lorenz96Reference(unit.input);
    expect(checkPlausible('lorenz96', unit.input, forged(honest)).status).toBe('plausible');
    expect(sha(forged(honest))).not.toBe(sha(honest));
  });

  it('from one origin: 8 identities agreeing on forged bytes beside 2 honest volunteers get no wrong unit and no point', async () => {
    const t = await setup(dialect);
    const cheaters = await Promise.all(Array.from({ length: 8 }, (_, i) => t.participant(`192.0.2.${10 + i}`, () => true)));
    const honest = [await t.participant('198.51.100.10'), await t.participant('203.0.113.10')];
    // The cheaters go first each round, so they see every unit before the honest volunteers.
    const peak = await t.run([...cheaters, ...honest], t.finished);
    await t.coordinator.verifier.settle();
    const job = await t.customer.job(t.job.id);
    expect(job.status).toBe('completed');
    expect(await t.wrongUnits()).toBe(0);
    expect(peak).toBe(0);
    expect(await t.customer.jobResult(t.job.id)).toEqual(JSON.parse(JSON.stringify(t.expected)));
    for (const c of cheaters) {
      expect(await t.points(c)).toBe(0);
      expect((await t.standing(c)).verified_matches).toBe(0);
    }
    // Every cheater that returned bytes was disproved by the server's run.
    const disproved = (await Promise.all(cheaters.map(t.standing))).filter((s) => s.disproved > 0).length;
    expect(disproved).toBeGreaterThan(0);
    for (const h of honest) expect(await t.points(h)).toBeGreaterThan(0);
    console.log(`collusion, one origin (${dialect}): wrong units at peak ${peak}; ${disproved} of 8 cheater identities disproved; assurance ${JSON.stringify(job.assurance)}`);
  });

  it('across origins: the same cheater on 8 networks is caught by the server’s run while on probation', async () => {
    const t = await setup(dialect, 2);
    const cheaters = await Promise.all(Array.from({ length: 8 }, (_, i) => t.participant(`192.0.${10 + i}.10`, () => true)));
    const honest = [await t.participant('198.51.100.10'), await t.participant('203.0.113.10')];
    const peak = await t.run([...cheaters, ...honest], t.finished);
    await t.coordinator.verifier.settle();
    expect((await t.customer.job(t.job.id)).status).toBe('completed');
    expect(await t.wrongUnits()).toBe(0);
    expect(peak).toBe(0);
    for (const c of cheaters) expect(await t.points(c)).toBe(0);
    console.log(`collusion across origins, on probation (${dialect}): wrong units at peak ${peak}`);
  });

  it('established, then colluding across networks: what peers let through is caught by samples and re-checks, and no wrong result vests', async () => {
    const t = await setup(dialect, 4);
    // The cheater first earns trust honestly on every identity (matches with the server's
    // run), then forges: its established identities on different networks now agree with
    // each other, which decides a unit without the server — unless it samples it.
    const established = new Set<string>();
    const cheaters: Participant[] = [];
    for (let i = 0; i < 8; i++) {
      const p = await t.participant(`192.0.${10 + i}.10`, () => established.has(p.id));
      cheaters.push(p);
    }
    const honest = [await t.participant('198.51.100.10'), await t.participant('203.0.113.10')];
    const refresh = async () => {
      for (const c of cheaters) if ((await t.standing(c)).verified_matches >= PROBATION_MATCHES_MIN) established.add(c.id);
      return t.finished();
    };
    const peak = await t.run([...cheaters, ...honest], refresh);
    await t.coordinator.verifier.settle();
    const job = await t.customer.job(t.job.id);
    expect(job.status).toBe('completed');
    // Every wrong unit peers let through was corrected, and the delivered result amended.
    expect(await t.wrongUnits()).toBe(0);
    expect(await t.customer.jobResult(t.job.id)).toEqual(JSON.parse(JSON.stringify(t.expected)));
    if (peak > 0) expect(job.amendedUnits).toBeGreaterThan(0);
    // No forged result ever became spendable: credits from peers wait a day to vest.
    for (const c of cheaters) {
      const forgedCredits = await t.store.db
        .selectFrom('replicas')
        .innerJoin('units', 'units.id', 'replicas.unit_id')
        .select(['replicas.vested', 'replicas.result_hash', 'units.canonical_hash'])
        .where('replicas.volunteer_id', '=', c.id)
        .where('replicas.vested', '=', 1)
        .execute();
      expect(forgedCredits.every((r) => r.result_hash === r.canonical_hash)).toBe(true);
    }
    console.log(`established colluders across networks (${dialect}): wrong units at peak ${peak}, amended ${job.amendedUnits}, assurance ${JSON.stringify(job.assurance)}`);
  });

  it('ends probation only on matches with the server’s run, never on agreeing with peers', async () => {
    const t = await setup(dialect, 3);
    // Two identities of one person on two networks agree honestly with each other: the server
    // checks them (both on probation) and each match counts.
    const [a, b] = [await t.participant('192.0.2.10'), await t.participant('198.51.100.10')];
    await t.run([a, b], t.finished);
    expect((await t.standing(a)).verified_matches).toBeGreaterThanOrEqual(PROBATION_MATCHES_MIN);
    expect((await t.customer.job(t.job.id)).assurance?.serverVerified).toBeGreaterThan(0);
  });
});
