/**
 * @module The one ABI every SpareCycles kernel exports, so the worker runtime can run any
 * kernel the same way (DESIGN.md, "Kernels").
 *
 * Protocol, for one unit, on a fresh instance of the module:
 *   1. `p = input_alloc(len)`, then copy the unit's `len` input bytes to `memory` at `p`;
 *   2. `init()` parses the input; 0 means ready, a negative code means the input is bad;
 *   3. `step(budget)` does at most `budget` work units and returns 1 while work remains,
 *      0 when done (a negative code is a kernel error);
 *      `work_done()` / `work_total()` report progress in the same work units;
 *   4. `output_ptr()` / `output_len()` name the canonical output bytes.
 *
 * A kernel imports nothing but `env.abort`; the edge refuses a module with any other
 * import, so a kernel cannot reach the network or the page.
 */

/** The exports a kernel module must provide, with their WebAssembly types. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  input_alloc(len: number): number;
  init(): number;
  step(budget: number): number;
  work_done(): number;
  work_total(): number;
  output_ptr(): number;
  output_len(): number;
}

/** Names of the functions in {@link KernelExports}, checked when a module is loaded. */
export const KERNEL_EXPORT_FUNCTIONS = [
  'input_alloc',
  'init',
  'step',
  'work_done',
  'work_total',
  'output_ptr',
  'output_len',
] as const;

/** The only import a kernel may declare. */
export const KERNEL_ALLOWED_IMPORTS = [{ module: 'env', name: 'abort', kind: 'function' }] as const;

/** `step` return values. */
export const STEP_DONE = 0;
export const STEP_MORE = 1;

/** The bit pattern every NaN in a kernel output is normalised to, so equal results hash equal. */
export const CANONICAL_NAN_BITS = 0x7ff8000000000000n;

/** Why a module is not an acceptable kernel, or `ok`. */
export type KernelModuleCheck =
  | { status: 'ok' }
  | { status: 'forbidden_import'; detail: string }
  | { status: 'missing_export'; detail: string };

/**
 * Checks a compiled module against the ABI: only `env.abort` imported, every ABI function
 * and `memory` exported.
 * @example
 * const check = checkKernelModule(await WebAssembly.compile(bytes));
 * if (check.status !== 'ok') throw new Error(check.detail);
 */
export function checkKernelModule(module: WebAssembly.Module): KernelModuleCheck {
  for (const imp of WebAssembly.Module.imports(module)) {
    const allowed = KERNEL_ALLOWED_IMPORTS.some(
      (a) => a.module === imp.module && a.name === imp.name && a.kind === imp.kind,
    );
    if (!allowed) {
      return { status: 'forbidden_import', detail: `imports ${imp.module}.${imp.name} (${imp.kind})` };
    }
  }
  const exported = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  if (exported.get('memory') !== 'memory') return { status: 'missing_export', detail: 'memory' };
  for (const name of KERNEL_EXPORT_FUNCTIONS) {
    if (exported.get(name) !== 'function') return { status: 'missing_export', detail: name };
  }
  return { status: 'ok' };
}
