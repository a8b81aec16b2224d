/**
 * @module Runs the server's verifications: takes units off the queue (a claim with a
 * deadline, so a crashed node's claims come free again), re-executes each in the bounded
 * worker pool (verify/), and applies the run in one transaction (verification.ts). A result
 * whose unit now waits for the server is verified at once when the pool has room, so its
 * volunteer learns the verdict in the same request; the rest is drained in the background.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../db/index.ts';
import { exec, rows, runInTransaction, type Op, type RunHooks } from '../db/prepared.ts';
import { kernelKey, type KernelRegistry } from '../kernels/registry.ts';
import { PendingCredits, postCreditsOp } from './credits.ts';
import { JobFundingCache } from './funding.ts';
import type { JobsPort, TxContext } from './ports.ts';
import * as Q from './queries.ts';
import { applyVerificationOp, type ServerRun } from './verification.ts';
import { vestDueOp } from './vesting.ts';
import { createVerifyPool, type VerifyPool } from './verify/index.ts';

/**
 * How long a claim holds before another node may take the verification; the node running it
 * renews it every VERIFY_CLAIM_RENEW_MS, so a claim comes free within this long of its node
 * dying (and at once when the node restarts).
 */
export const VERIFY_CLAIM_MS = 30_000;
/** How often a node renews the claims of the runs it has in flight. */
export const VERIFY_CLAIM_RENEW_MS = 10_000;
/** How often the background drain looks at the queue. */
export const VERIFY_POLL_MS = 200;
/** Verifications one drain takes at a time (the pool queues what its threads can't run yet). */
export const VERIFY_DRAIN_BATCH_MAX = 32;
/** Batches one drain tick runs back to back while verifications are due (then the next tick). */
export const VERIFY_DRAIN_ROUNDS_MAX = 16;
/** Rounds of {@link Verifier.settle}: each runs what the one before queued (re-checks of a disproved volunteer's results). */
export const VERIFY_SETTLE_ROUNDS_MAX = 100;
/**
 * Claims of one verification before it is given up (its unit stays as it is). A claim is
 * counted when taken, so crashes count too: high enough that restarts never exhaust it, low
 * enough that a run that can never be applied stops being retried (every 30 s: about 8 hours).
 */
export const VERIFY_ATTEMPTS_MAX = 1_000;

export interface Verifier {
  /** Verifies `unitId` now if it is queued and free; resolves once applied, or left for the drain. */
  runNow(unitId: number): Promise<void>;
  /** Runs every verification due now, and what those runs queue, until none is left (tests; bounded by VERIFY_SETTLE_ROUNDS_MAX rounds). Answers how many ran. */
  settle(): Promise<number>;
  /** Resolves when none of this node's runs is in flight (tests: wait for what was started, not for time). */
  idle(): Promise<void>;
  /** Starts the background drain (idempotent). */
  start(): void;
  /** Stops the drain and the pool's threads. */
  close(): Promise<void>;
}

export interface VerifierDeps {
  store: Store;
  kernels: KernelRegistry;
  jobs: JobsPort;
  random: () => number;
  now: () => number;
  /** The worker pool; made on first use. @default createVerifyPool() */
  pool?: VerifyPool;
  /** This node's name on its claims (NODE_ID): restarting frees them. @default a random name */
  nodeId?: string;
  /** Fault injection in tests: called before every query of the transaction that applies a run. */
  applyHooks?: RunHooks;
}

/**
 * @example
 * const verifier = createVerifier({ store, kernels, jobs: jobsPort, random: Math.random, now: Date.now });
 * verifier.start();
 */
export function createVerifier(deps: VerifierDeps): Verifier {
  const { store, kernels, jobs, random, now } = deps;
  const locking = store.dialect === 'postgres';
  const nodeId = deps.nodeId ?? `edge-${randomUUID()}`;
  let pool = deps.pool;
  let timer: ReturnType<typeof setInterval> | undefined;
  let draining = false;
  const running = new Set<number>();
  /** This node's runs in flight, so `idle()` can wait for them. */
  const inflight = new Set<Promise<void>>();

  // The server's runs lease nothing, so their funding cache stays empty.
  const funding = new JobFundingCache();
  const ctx = (): TxContext => ({ now: now(), locking, jobs, random, funding, decidedJobs: new Set() });

  /** Claims `unitId` if it is queued and free; answers its input and kernel, or nothing. */
  function* claimOp(unitId: number): Op<{ kernel: string; input: Uint8Array; outputBytes: number } | undefined> {
    const at = now();
    const [due] = yield* rows(Q.nextVerificationOf, { unit: unitId, now: at });
    if (!due) return undefined;
    if (due.attempts >= VERIFY_ATTEMPTS_MAX) return undefined;
    yield* exec(Q.claimVerification, { unit: unitId, until: at + VERIFY_CLAIM_MS, node: nodeId });
    const [u] = yield* rows(Q.unitInput, { id: unitId });
    if (!u) return undefined;
    return { kernel: kernelKey(u.kernel_id, u.kernel_version), input: new Uint8Array(u.input), outputBytes: u.output_bytes };
  }

  function verifyOne(unitId: number): Promise<void> {
    const p = verifyOneNow(unitId);
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => undefined);
    return p;
  }

  async function verifyOneNow(unitId: number): Promise<void> {
    if (running.has(unitId)) return;
    running.add(unitId);
    try {
      const claimed = await runInTransaction(store, () => claimOp(unitId));
      if (!claimed) return;
      const entry = kernels.entries.get(claimed.kernel);
      if (!entry) {
        // Another node may have the kernel: let the claim lapse there.
        await runInTransaction(store, () => exec(Q.releaseVerification, { unit: unitId }));
        return;
      }
      pool ??= createVerifyPool();
      // Renewed while the run lasts: only a node that died lets its claims lapse.
      const renew = setInterval(() => {
        void runInTransaction(store, () => exec(Q.renewVerification, { unit: unitId, until: now() + VERIFY_CLAIM_MS, node: nodeId })).catch(() => undefined);
      }, VERIFY_CLAIM_RENEW_MS);
      renew.unref();
      let out: Awaited<ReturnType<VerifyPool['verify']>>;
      try {
        out = await pool.verify({ kernelKey: claimed.kernel, module: entry.module, input: claimed.input, outputBytes: claimed.outputBytes });
      } finally {
        clearInterval(renew);
      }
      let run: ServerRun;
      if (out.status === 'done') run = { status: 'done', hash: out.sha256, output: out.output };
      else if (out.status === 'kernel_error' && out.origin === 'kernel') run = { status: 'kernel_error', message: out.message };
      else if (out.status === 'too_expensive') run = { status: 'kernel_error', message: `it takes more than the server's CPU bound per unit (${Math.round(out.cpuMs)} ms spent)` };
      else {
        // queue_full, closed, or a thread that died (the machine's doing, not a verdict): back
        // in the queue for the drain; a thread failure counts as an attempt.
        if (out.status === 'kernel_error') {
          await runInTransaction(store, () => exec(Q.unclaimVerification, { unit: unitId }));
          return;
        }
        await runInTransaction(store, () => exec(Q.releaseVerification, { unit: unitId }));
        return;
      }
      // One context for every attempt: a job a failed attempt named is only read again after commit.
      const c = { ...ctx(), credits: new PendingCredits() };
      try {
        await runInTransaction(store, function* () {
          c.credits = new PendingCredits();
          yield* applyVerificationOp(unitId, run, c);
          yield* postCreditsOp(c);
        }, deps.applyHooks);
      } catch (err) {
        // Not applied (its retries lost to concurrent transactions): free it for the next drain.
        await runInTransaction(store, () => exec(Q.unclaimVerification, { unit: unitId })).catch(() => undefined);
        throw err;
      }
      if (c.decidedJobs.size > 0) await jobs.finishDecidedJobs(store, c.decidedJobs, c.now);
    } finally {
      running.delete(unitId);
    }
  }

  /** Vests the credits whose window passed (verification.ts vests what the server confirmed). */
  const vestDue = () => runInTransaction(store, () => vestDueOp({ ...ctx(), credits: new PendingCredits() }));

  /**
   * Runs the verifications due, batch after batch, at most `rounds` batches; a run that failed
   * to apply ends it (it is left for later, not retried in a loop). Answers how many ran.
   */
  async function runDue(rounds: number): Promise<number> {
    let ran = 0;
    for (let round = 0; round < rounds; round++) {
      const due = (await runInTransaction(store, () => rows(Q.nextVerifications, { now: now(), max: VERIFY_DRAIN_BATCH_MAX }))).filter((d) => !running.has(d.unit_id));
      if (due.length === 0) break;
      const outcomes = await Promise.allSettled(due.map((d) => verifyOne(d.unit_id)));
      ran += due.length;
      if (outcomes.some((o) => o.status === 'rejected')) break;
    }
    return ran;
  }

  async function drain(): Promise<void> {
    if (draining) return;
    draining = true;
    try {
      await vestDue();
      // Back to back while work is due: a backlog (a burst of new volunteers on probation) is
      // drained at the pool's pace, not one batch per tick.
      await runDue(VERIFY_DRAIN_ROUNDS_MAX);
    } catch (err) {
      console.error('[edge] verification drain failed:', err);
    } finally {
      draining = false;
    }
  }

  return {
    async settle() {
      const ran = await runDue(VERIFY_SETTLE_ROUNDS_MAX);
      await vestDue();
      return ran;
    },
    async idle() {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
    async runNow(unitId) {
      try {
        await verifyOne(unitId);
      } catch (err) {
        // The drain takes it again once the claim lapses; the request that asked is answered as it stands.
        console.error(`[edge] verification of unit ${unitId} failed:`, err);
      }
    },
    start() {
      if (timer) return;
      // Claims this node held when it stopped (a crash, say) come free now, not at their deadline.
      void runInTransaction(store, () => exec(Q.releaseClaimsOf, { node: nodeId })).catch((err: unknown) => console.error('[edge] releasing old verification claims failed:', err));
      timer = setInterval(() => void drain(), VERIFY_POLL_MS);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await pool?.close();
    },
  };
}
