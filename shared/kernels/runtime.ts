/**
 * @module Runs one unit on a kernel module through the ABI in abi.ts. The same code runs in
 * browser Web Workers and in Node worker_threads, so both realms compute identically.
 * {@link runKernel} runs a unit to the end; {@link startKernel} hands out the same run one
 * step at a time, so a worker can pause, throttle and checkpoint between steps.
 *
 * Checkpoints (optional ABI): a kernel that keeps its whole progress in linear memory and
 * its globals may export `checkpoint_save(): i32`, which writes those globals into its own
 * memory, and `checkpoint_restore(): i32`, which reads them back (0 means success). A
 * checkpoint is then the memory image after `checkpoint_save()`; restoring copies the image
 * into a fresh instance and calls `checkpoint_restore()` instead of `input_alloc`/`init`.
 */
import { UNIT_CANCELLED, abortError } from '../abort.ts';
import { CHECKPOINT_BYTES_MAX, KERNEL_STEP_BUDGET_DEFAULT, KERNEL_STEP_CALLS_MAX } from '../limits.ts';
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

/** The optional checkpoint exports (see the module comment). */
interface CheckpointExports {
  checkpoint_save?: () => number;
  checkpoint_restore?: () => number;
}

/** A checkpoint of a unit in progress: the kernel's memory image and the work done at it. */
export interface KernelCheckpoint {
  image: Uint8Array;
  done: number;
}

/** One unit on one fresh instance, driven a step at a time. */
export class KernelRun {
  private steps = 0;
  private finished = false;
  readonly total: number;

  constructor(private readonly k: KernelExports & CheckpointExports) {
    this.total = k.work_total();
  }

  /** Work done so far, in the kernel's work units. */
  get done(): number {
    return this.k.work_done();
  }

  get isDone(): boolean {
    return this.finished;
  }

  /** True when the kernel exports the checkpoint functions. */
  get checkpointable(): boolean {
    return typeof this.k.checkpoint_save === 'function' && typeof this.k.checkpoint_restore === 'function';
  }

  /** Does at most `budget` work units; true when the unit is complete. */
  step(budget: number): boolean {
    if (this.finished) return true;
    if (this.steps++ >= KERNEL_STEP_CALLS_MAX) throw new KernelError('kernel exceeded its step-call bound', -1001);
    const r = this.k.step(budget);
    if (r === STEP_DONE) this.finished = true;
    else if (r !== STEP_MORE) throw new KernelError(`kernel step failed (code ${r})`, r);
    return this.finished;
  }

  /** A copy of the canonical output; only once the unit is complete. */
  output(): Uint8Array {
    if (!this.finished) throw new KernelError('the unit is not complete', -1002);
    // The memory may have grown during the run; read the buffer only now.
    return new Uint8Array(this.k.memory.buffer, this.k.output_ptr(), this.k.output_len()).slice();
  }

  /** A checkpoint, or undefined when the kernel has none or its image is over CHECKPOINT_BYTES_MAX. */
  checkpoint(): KernelCheckpoint | undefined {
    if (!this.checkpointable || this.finished) return undefined;
    if (this.k.memory.buffer.byteLength > CHECKPOINT_BYTES_MAX) return undefined;
    const code = this.k.checkpoint_save!();
    if (code !== 0) return undefined;
    return { image: new Uint8Array(this.k.memory.buffer).slice(), done: this.done };
  }
}

async function instantiate(module: WebAssembly.Module): Promise<KernelExports & CheckpointExports> {
  const instance = await WebAssembly.instantiate(module, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new KernelError(`kernel aborted at ${line}:${col}`, -1000);
      },
    },
  });
  return instance.exports as unknown as KernelExports & CheckpointExports;
}

/**
 * Instantiates `module` and feeds it `input` (or restores `checkpoint`), ready to step.
 * @example
 * const run = await startKernel(module, input);
 * while (!run.step(1000)) await somethingBetweenSteps();
 * const out = run.output();
 */
export async function startKernel(module: WebAssembly.Module, input: Uint8Array, options: { checkpoint?: Uint8Array } = {}): Promise<KernelRun> {
  const k = await instantiate(module);
  if (options.checkpoint) {
    const image = options.checkpoint;
    if (typeof k.checkpoint_restore !== 'function') throw new KernelError('this kernel cannot restore checkpoints', -1003);
    const have = k.memory.buffer.byteLength;
    if (image.byteLength > have) k.memory.grow(Math.ceil((image.byteLength - have) / 65536));
    new Uint8Array(k.memory.buffer).set(image);
    const code = k.checkpoint_restore();
    if (code !== 0) throw new KernelError(`kernel refused its checkpoint (code ${code})`, code);
    return new KernelRun(k);
  }
  const ptr = k.input_alloc(input.byteLength);
  new Uint8Array(k.memory.buffer, ptr, input.byteLength).set(input);
  const initCode = k.init();
  if (initCode !== 0) throw new KernelError(`kernel refused its input (code ${initCode})`, initCode);
  return new KernelRun(k);
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
  const run = await startKernel(module, input);
  for (;;) {
    if (options.signal?.aborted) throw abortError(UNIT_CANCELLED);
    const finished = run.step(budget);
    options.onProgress?.(run.done, run.total);
    if (finished) break;
    if (options.between) await options.between();
  }
  return run.output();
}
