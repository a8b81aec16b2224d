/**
 * @module What trust costs and what it buys (issue 14): one Lorenz-96 job run in-process by
 * simulated volunteers, each on a network of its own or sharing one, with the server's
 * verification on and, side by side in the same run, off (the rule before it: any quorum of
 * equal results decides). Runs: honest volunteers only; 8 colluding identities on one network
 * beside 2 honest volunteers; the same 8 on 8 networks. Cheaters return plausible forged bytes
 * (an honest output with one bit of a middle snapshot flipped). Reports wrong units delivered
 * and at peak, rounds until corrected, cheater points vested, results per unit, the share of
 * a core the server's runs took, and throughput on vs off.
 */
import { createHash } from 'node:crypto';
import { forgeL96 } from '../tests/trust/forge.ts';
import type { ApiClient } from '../shared/api/client.ts';
import type { Lease } from '../shared/api/schemas.ts';
import { base64ToBytes } from '../shared/base64.ts';
import { L96ParamsSchema, splitL96 } from '../shared/jobs/lorenz96.ts';
import { lorenz96Reference } from '../kernels/lorenz96/reference.ts';
import { ACCOUNTS } from '../edge/ledger/accounts.ts';
import { ledgerOf } from '../edge/ledger/ledger.ts';
import { createVerifyPool } from '../edge/coordinator/verify/index.ts';
import { makeTestApp, topUpForTests } from '../edge/testing.ts';

/** Units of the job (one member each); steps make each unit a few milliseconds of kernel. */
const UNITS = Number(process.env.BENCH_TRUST_UNITS ?? 400);
const PARAMS = { n: 40, steps: 2000, snapEvery: 500, members: UNITS, membersPerUnit: 1, seed: 3 };
/** Lease rounds before a run gives up. */
const ROUNDS_MAX = 2000;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const forged = (honest: Uint8Array) => forgeL96(honest, PARAMS.n);

interface Who {
  api: ApiClient;
  id: string;
  cheat: boolean;
}

interface Outcome {
  seconds: number;
  wrongDelivered: number;
  wrongPeak: number;
  roundsWrong: number;
  cheaterPointsVested: number;
  /** Vested and still vesting. */
  cheaterPointsCredited: number;
  resultsPerUnit: number;
  verifyCpuShare: number;
  verified: number;
}

async function runOnce(rule: 'trust' | 'peers', honestN: number, cheaters: number, cheaterNetworks: number): Promise<Outcome> {
  const pool = createVerifyPool();
  const t = await makeTestApp(':memory:', { trustRule: rule, verifyPool: pool });
  try {
    const { apiKey } = await t.client().createCustomer('Bench');
    const customer = t.client(apiKey);
    await topUpForTests(customer);
    const job = await customer.createJob({ kind: 'lorenz96', params: PARAMS });
    const truth = new Set(splitL96(L96ParamsSchema.parse(PARAMS)).map((u) => sha(lorenz96Reference(u.input))));
    const who: Who[] = [];
    const join = async (address: string, cheat: boolean) => {
      const { volunteerId, token } = await t.clientFrom(address).createVolunteer();
      who.push({ api: t.clientFrom(address, token), id: volunteerId, cheat });
    };
    for (let i = 0; i < cheaters; i++) await join(`192.0.${10 + (i % cheaterNetworks)}.${10 + i}`, true);
    for (let i = 0; i < honestN; i++) await join(`198.51.${100 + i}.10`, false);
    const wrong = async () => {
      const rows = await t.store.db.selectFrom('units').select('canonical_hash').where('job_id', '=', job.id).where('state', '=', 'valid').execute();
      return rows.filter((r) => !truth.has(r.canonical_hash!)).length;
    };
    let peak = 0;
    let roundsWrong = 0;
    const started = performance.now();
    const cpu0 = pool.stats();
    for (let round = 0; round < ROUNDS_MAX && (await customer.job(job.id)).status === 'running'; round++) {
      for (const w of who) {
        const { leases } = await w.api.lease({ max: 4 });
        for (const l of leases as Lease[]) {
          const honest = lorenz96Reference(base64ToBytes(l.input));
          await w.api.submitResult(l.leaseId, w.cheat ? forged(honest) : honest);
        }
      }
      if (cheaters > 0) {
        const now = await wrong();
        peak = Math.max(peak, now);
        if (now > 0) roundsWrong++;
      }
      await t.coordinator.verifier.idle();
    }
    await t.coordinator.verifier.settle();
    const seconds = (performance.now() - started) / 1000;
    const cpu1 = pool.stats();
    const replicas = await t.store.db.selectFrom('replicas').select('id').where('state', '=', 'returned').execute();
    let vested = 0;
    let credited = 0;
    const posted = async (account: string) => (await ledgerOf(t.store).balance(account))?.posted ?? 0;
    for (const w of who) {
      if (!w.cheat) continue;
      vested += await posted(ACCOUNTS.volunteerPoints(w.id).id);
      credited += (await posted(ACCOUNTS.volunteerPoints(w.id).id)) + (await posted(ACCOUNTS.volunteerVesting(w.id).id));
    }
    const verified = (await customer.job(job.id)).assurance?.serverVerified ?? 0;
    return {
      seconds,
      wrongDelivered: await wrong(),
      wrongPeak: peak,
      roundsWrong,
      cheaterPointsVested: vested,
      cheaterPointsCredited: credited,
      resultsPerUnit: replicas.length / UNITS,
      verifyCpuShare: (cpu1.busyMs - cpu0.busyMs) / (seconds * 1000),
      verified,
    };
  } finally {
    await t.coordinator.verifier.close();
    await t.store.close();
  }
}

function line(name: string, on: Outcome, off: Outcome): string {
  return (
    `${name.padEnd(26)} verification on: ${(UNITS / on.seconds).toFixed(0).padStart(5)} units/s, ${on.resultsPerUnit.toFixed(2)} results/unit, ` +
    `server runs ${on.verified}/${UNITS} units at ${(100 * on.verifyCpuShare).toFixed(1)}% of a core; wrong units delivered ${on.wrongDelivered}, at peak ${on.wrongPeak} ` +
    `(${on.roundsWrong} rounds with any), cheater points credited ${on.cheaterPointsCredited} (vested ${on.cheaterPointsVested})\n` +
    `${''.padEnd(26)} verification off: ${(UNITS / off.seconds).toFixed(0).padStart(5)} units/s, ${off.resultsPerUnit.toFixed(2)} results/unit; wrong units delivered ${off.wrongDelivered}, ` +
    `cheater points credited ${off.cheaterPointsCredited}\n${''.padEnd(26)} throughput on/off ${(off.seconds / on.seconds).toFixed(2)}`
  );
}

export async function run(): Promise<void> {
  console.log(`trust: a ${UNITS}-unit Lorenz-96 job (n ${PARAMS.n}, ${PARAMS.steps} steps a unit), volunteers in-process, each run with server verification on and off`);
  const runs: [string, number, number, number][] = [
    ['honest only (4 networks)', 4, 0, 1],
    ['collusion, one network', 2, 8, 1],
    ['collusion, 8 networks', 2, 8, 8],
  ];
  for (const [name, honest, cheaters, networks] of runs) {
    const on = await runOnce('trust', honest, cheaters, networks);
    const off = await runOnce('peers', honest, cheaters, networks);
    console.log(line(name, on, off));
    if (on.wrongDelivered > 0) throw new Error(`${name}: ${on.wrongDelivered} wrong units delivered with verification on`);
  }
}
