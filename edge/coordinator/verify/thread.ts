/**
 * @module Body of one verification thread: runs units through the volunteers' own runtime
 * (shared/kernels/runtime.ts, `startKernel` and `step`) in bursts, charges each burst's CPU
 * time (cpu-clock.ts) to the duty cycle (duty.ts) and rests as it says, abandons a unit past
 * its CPU bound, and keeps compiled modules per `kernelKey` so a module crosses over once.
 *
 * A burst is one `step(budget)` call, the budget steered towards KERNEL_STEP_TARGET_MS per
 * step as the volunteers' runner does (`nextBudget`), per kernel, since each kernel counts
 * work in its own units. Instantiating with the input, and copying and hashing the output,
 * are bursts too, and so is compiling a module that came as bytes.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { checkKernelModule } from '../../../shared/kernels/abi.ts';
import { startKernel } from '../../../shared/kernels/runtime.ts';
import { KERNEL_STEP_BUDGET_MIN } from '../../../shared/limits.ts';
import { nextBudget } from '../../../shared/volunteer/unit-runner.ts';
import { threadClock } from './cpu-clock.ts';
import { DutyWindow } from './duty.ts';
import { VERIFY_THREAD_MODULES_MAX, VERIFY_USAGE_REPORT_MS } from './limits.ts';
import type { RunRequest, RunResult, ThreadMessage, ThreadVerdict } from './protocol.ts';

/** A compiled module and the step budget its kernel last settled on. */
interface CachedKernel {
  module: WebAssembly.Module;
  budget: number;
}

/** Compiled modules by `kernelKey`; the Map's order is least recently used first. */
const kernels = new Map<string, CachedKernel>();
const clock = threadClock();
let duty: DutyWindow | undefined;

const now = () => performance.now();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(1, Math.ceil(ms))));

/** Errors keep their name (`KernelError`, `RuntimeError` for a trap, `RangeError` for a stack overflow). */
function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Rests until the duty cycle allows the next burst. */
async function pace(window: DutyWindow): Promise<void> {
  // Each pass sleeps at least 1 ms and the debt only shrinks while sleeping, so this ends.
  for (let owed = window.owed(now()); owed > 0; owed = window.owed(now())) await sleep(owed);
  window.rested(now());
}

/** The module for `req`, from the message or the cache, or why there is none. */
function kernelFor(req: RunRequest, charge: (cpuMs: number) => void): CachedKernel | { origin: 'kernel' | 'thread'; message: string } {
  if (req.module === undefined) {
    const cached = kernels.get(req.kernelKey);
    if (!cached) return { origin: 'thread', message: `the thread holds no module for ${req.kernelKey}` };
    kernels.delete(req.kernelKey);
    kernels.set(req.kernelKey, cached);
    return cached;
  }
  let module: WebAssembly.Module;
  if (req.module instanceof WebAssembly.Module) module = req.module;
  else {
    const c0 = clock.nowMs();
    try {
      module = new WebAssembly.Module(req.module as Uint8Array<ArrayBuffer>);
    } catch (err) {
      return { origin: 'kernel', message: `the module does not compile: ${describe(err)}` };
    } finally {
      charge(clock.nowMs() - c0);
    }
  }
  const check = checkKernelModule(module);
  if (check.status !== 'ok') return { origin: 'kernel', message: `the module breaks the kernel ABI: ${check.status}: ${check.detail}` };
  const entry: CachedKernel = { module, budget: KERNEL_STEP_BUDGET_MIN };
  kernels.delete(req.kernelKey);
  kernels.set(req.kernelKey, entry);
  for (const key of kernels.keys()) {
    if (kernels.size <= VERIFY_THREAD_MODULES_MAX) break;
    kernels.delete(key);
  }
  return entry;
}

/** Runs one unit under the duty cycle; never throws for anything the kernel does. */
async function runUnit(req: RunRequest, post: (m: ThreadMessage) => void): Promise<RunResult> {
  const threadCpu0 = clock.nowMs();
  if (duty?.share !== req.cpuShare) duty = new DutyWindow(req.cpuShare, now());
  const window = duty;
  // The last unit's final burst is paid for before this one starts; idle time is no credit.
  for (let owed = window.idleUntil(now()); owed > 0; owed = window.idleUntil(now())) await sleep(owed);

  let chargedMs = 0; // every burst, compiling included: the duty cycle's and the pool's accounting
  let unitMs = 0; // the unit's own work, held to unitCpuMsMax
  let reportedAt = now();
  const charge = (cpuMs: number, ofUnit: boolean) => {
    chargedMs += cpuMs;
    if (ofUnit) unitMs += cpuMs;
    window.charge(cpuMs, now());
  };
  const answer = (verdict: ThreadVerdict): RunResult => ({
    type: 'result',
    id: req.id,
    verdict,
    cpuMs: chargedMs,
    threadCpuMs: clock.nowMs() - threadCpu0,
    clock: clock.kind,
    cachedKeys: [...kernels.keys()],
  });

  try {
    const kernel = kernelFor(req, (ms) => charge(ms, false));
    if (!('module' in kernel)) return answer({ status: 'kernel_error', ...kernel });
    await pace(window);

    let c0 = clock.nowMs();
    const run = await startKernel(kernel.module, req.input);
    charge(clock.nowMs() - c0, true);
    for (let finished = false; !finished; ) {
      if (unitMs > req.unitCpuMsMax) return answer({ status: 'too_expensive' });
      if (now() - reportedAt >= VERIFY_USAGE_REPORT_MS) {
        reportedAt = now();
        post({ type: 'usage', id: req.id, cpuMs: chargedMs });
      }
      await pace(window);
      c0 = clock.nowMs();
      finished = run.step(kernel.budget);
      const stepMs = clock.nowMs() - c0;
      charge(stepMs, true);
      kernel.budget = nextBudget(kernel.budget, stepMs);
    }

    await pace(window);
    c0 = clock.nowMs();
    const output = run.output();
    const sha256 = createHash('sha256').update(output).digest('hex');
    charge(clock.nowMs() - c0, true);
    if (output.byteLength !== req.outputBytes) {
      return answer({ status: 'kernel_error', origin: 'kernel', message: `the kernel wrote ${output.byteLength} output bytes, the unit expects ${req.outputBytes}` });
    }
    return answer({ status: 'done', output, sha256 });
  } catch (err) {
    // A RangeError is this thread running out of stack or memory: it depends on the machine,
    // not on the unit, so it is no verdict. Anything else (a trap, the kernel's abort, a
    // refused input, a failed step) is the kernel's own doing, the same on every machine.
    const origin = err instanceof RangeError ? 'thread' : 'kernel';
    return answer({ status: 'kernel_error', origin, message: describe(err) });
  }
}

if (parentPort) {
  const port = parentPort;
  const post = (m: ThreadMessage) => port.postMessage(m);
  port.on('message', (req: RunRequest) => {
    // The pool sends one unit at a time and waits for its answer.
    void runUnit(req, post).then((result) => {
      const transfer = result.verdict.status === 'done' ? [result.verdict.output.buffer as ArrayBuffer] : [];
      port.postMessage(result, transfer);
    });
  });
}
