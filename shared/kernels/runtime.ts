/**
 * @module Runs one unit on a kernel module through the ABI in abi.ts. The same code runs in
 * browser Web Workers and in Node worker_threads, so both realms compute identically.
 */
import { KERNEL_STEP_BUDGET_DEFAULT, KERNEL_STEP_CALLS_MAX } from '../limits.ts';
import { STEP_DONE, STEP_MORE, type KernelExports } from './abi.ts';

/** Options for {@link runKernel}. */
export interface RunKernelOptions {
  /** Work units per `step` call. @default KERNEL_STEP_BUDGET_DEFAULT */
  budget?: number;
  /** Called after every step with work done and total, in the kernel's work units. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Called between steps; may return a promise (to yield, throttle or pause). Throwing an
   * `AbortError` stops the run.
   */
  between?: () => void | Promise<void>;
  /** Stops the run between steps with an `AbortError`. */
  signal?: AbortSignal;
}

/** A kernel refused its input or failed while running; `code` is the kernel's own code. */
export class KernelError extends Error {
  override name = 'KernelError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

function abortError(): Error {
  return new DOMException('the unit was cancelled', 'AbortError');
}

/**
 * Instantiates `module`, feeds it `input`, steps it to completion and returns a copy of the
 * canonical output bytes.
 * @example
 * const out = await runKernel(module, input, { budget: 1000 });
 */
export async function runKernel(
  module: WebAssembly.Module,
  input: Uint8Array,
  options: RunKernelOptions = {},
): Promise<Uint8Array> {
  const budget = options.budget ?? KERNEL_STEP_BUDGET_DEFAULT;
  const instance = await WebAssembly.instantiate(module, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new KernelError(`kernel aborted at ${line}:${col}`, -1000);
      },
    },
  });
  const k = instance.exports as unknown as KernelExports;
  const ptr = k.input_alloc(input.byteLength);
  new Uint8Array(k.memory.buffer, ptr, input.byteLength).set(input);
  const initCode = k.init();
  if (initCode !== 0) throw new KernelError(`kernel refused its input (code ${initCode})`, initCode);
  const total = k.work_total();
  for (let calls = 0; ; calls++) {
    if (calls >= KERNEL_STEP_CALLS_MAX) throw new KernelError('kernel exceeded its step-call bound', -1001);
    if (options.signal?.aborted) throw abortError();
    const r = k.step(budget);
    options.onProgress?.(k.work_done(), total);
    if (r === STEP_DONE) break;
    if (r !== STEP_MORE) throw new KernelError(`kernel step failed (code ${r})`, r);
    if (options.between) await options.between();
  }
  // The memory may have grown during the run; read the buffer only now.
  return new Uint8Array(k.memory.buffer, k.output_ptr(), k.output_len()).slice();
}
