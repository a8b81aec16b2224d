/**
 * @module The economy test's attacker (issue 15, "must show"): one person holding a few
 * networks, who only takes free anonymous actions — customer accounts, volunteer identities,
 * a self-registered shop — and counts every request it sends against a budget. It drives the
 * app in-process through the same clients the browser and the Node worker use, each request
 * coming from a socket address on one of its networks (the network origin the per-origin
 * bounds read, edge/http/origin.ts). Also the ledger reads the test judges it by.
 */
import { ApiError, createApiClient, type ApiClient } from '../../shared/api/client.ts';
import type { Lease } from '../../shared/api/schemas.ts';
import { base64ToBytes } from '../../shared/base64.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { LEASE_BATCH_MAX } from '../../shared/limits.ts';
import { browser, ORIGIN } from '../../edge/auth/test-browser.ts';
import { ACCOUNTS } from '../../edge/ledger/accounts.ts';
import { ledgerOf } from '../../edge/ledger/ledger.ts';
import { createShopClient } from '../../shared/shop/client.ts';
import type { makeTestApp } from '../../edge/testing.ts';

type TestApp = Awaited<ReturnType<typeof makeTestApp>>;

/** Rounds of lease-compute-submit one batch of jobs may take before the attacker gives up (a loop bound). */
export const COMPUTE_ROUNDS_MAX = 400;

/** What the attacker holds on the app: its request counter and its clients. */
export function attackerOn(t: TestApp) {
  let sent = 0;
  /** The app as the attacker reaches it: every request is counted. */
  const counted = {
    request(input: string, init?: RequestInit, env?: unknown) {
      sent++;
      return t.app.request(input, init, env);
    },
  };
  const socket = (address: string) => ({ incoming: { socket: { remoteAddress: address }, readableEnded: true } });
  /** An API client (customer key or volunteer token) whose requests come from `address`. */
  const api = (address: string, token?: string): ApiClient =>
    createApiClient({ baseUrl: ORIGIN, token, fetch: (input, init) => Promise.resolve(counted.request(String(input), init, socket(address))) });
  /** A browser on `address` (session cookie, same-origin `Origin` header), with the shop client over it. */
  const session = (address: string) => {
    const b = browser(counted, ORIGIN, address);
    return { ...b, shop: createShopClient({ baseUrl: ORIGIN, fetch: b.fetch }) };
  };
  const compute = (l: Lease) => runKernel(t.kernels.entries.get(`${l.kernel.id}@${l.kernel.version}`)!.module, base64ToBytes(l.input));

  /**
   * Every one of `computers` leases and computes honestly what it is given, round after
   * round (the server's pending runs settled in between), until a round leases nothing.
   * Answers the rounds taken.
   */
  async function computeAll(computers: readonly ApiClient[]): Promise<number> {
    for (let round = 0; round < COMPUTE_ROUNDS_MAX; round++) {
      let leased = 0;
      for (const v of computers) {
        const { leases } = await v.lease({ max: LEASE_BATCH_MAX });
        leased += leases.length;
        if (leases.length > 0) await v.submitResults(await Promise.all(leases.map(async (l) => ({ leaseId: l.leaseId, output: await compute(l) }))));
      }
      await t.coordinator.verifier.settle();
      if (leased === 0) return round;
    }
    throw new Error(`the attacker's volunteers were still given work after ${COMPUTE_ROUNDS_MAX} rounds`);
  }

  return { api, session, compute, computeAll, requests: () => sent };
}

export type Attacker = ReturnType<typeof attackerOn>;

/** A refused call's problem, in short. */
export interface Refusal {
  status: number;
  type: string;
  detail: string;
}

/** What a call answered: its value, or the problem that refused it (anything else is thrown on). */
export async function attempt<T>(p: Promise<T>): Promise<{ ok: true; value: T } | ({ ok: false } & Refusal)> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { ok: false, status: err.problem.status, type: err.problem.type, detail: err.problem.detail ?? '' };
  }
}

/** The problem a call was refused with, or `undefined` when it succeeded. */
export async function refusal(p: Promise<unknown>): Promise<Refusal | undefined> {
  const r = await attempt(p);
  return r.ok ? undefined : { status: r.status, type: r.type, detail: r.detail };
}

/** Points a volunteer holds: spendable, and still vesting. */
export async function pointsOf(t: TestApp, volunteerId: string): Promise<{ spendable: number; vesting: number }> {
  const ledger = ledgerOf(t.store);
  const [spendable, vesting] = await Promise.all([ledger.balance(ACCOUNTS.volunteerPoints(volunteerId).id), ledger.balance(ACCOUNTS.volunteerVesting(volunteerId).id)]);
  return { spendable: spendable?.available ?? 0, vesting: vesting?.posted ?? 0 };
}
