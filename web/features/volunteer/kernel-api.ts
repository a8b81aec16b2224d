/**
 * @module The interface the kernel worker exposes over comlink, shared by the worker (which
 * implements it) and the pool (which calls it), so neither realm imports the other's code.
 */

export interface KernelWorkerApi {
  /**
   * Runs one unit on a fresh instance of `module` and resolves with its output bytes.
   * `onProgress` arrives as a comlink proxy; calls to it are throttled.
   */
  run(module: WebAssembly.Module, input: Uint8Array, onProgress: (done: number, total: number) => unknown): Promise<Uint8Array>;
}
