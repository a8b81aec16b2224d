/**
 * @module Tiny hand-assembled kernels for the pool's tests: each follows the ABI
 * (shared/kernels/abi.ts: imports only `env.abort`, exports `memory` and the seven
 * functions) and misbehaves in one chosen way. Written as bytes (WebAssembly Core
 * Specification 2.0, chapter 5, "Binary Format") so the tests need no compiler.
 */

/** What `step(budget)` does. */
export type TestStep =
  /** Executes `unreachable`: a trap. */
  | 'trap'
  /** Calls `env.abort(0, 0, 7, 3)`, as AssemblyScript's runtime does on a failed assertion. */
  | 'abort'
  /** Spins `budget × 1024` loop iterations and asks for more, forever. */
  | 'spin'
  /** Calls itself until the stack overflows. */
  | 'recurse'
  /** Finishes at once. */
  | 'finish';

/** Options of {@link testKernel}. */
export interface TestKernelOptions {
  step: TestStep;
  /** What `init()` returns; non-zero refuses the input. @default 0 */
  initCode?: number;
  /** Output bytes the kernel names (zeros at offset 1024). @default 8 */
  outputLen?: number;
}

const I32 = 0x7f;
const op = { unreachable: 0x00, loop: 0x03, end: 0x0b, brIf: 0x0d, call: 0x10, localGet: 0x20, localSet: 0x21, localTee: 0x22, i32Const: 0x41, i32Sub: 0x6b, i32Shl: 0x74 };

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const i32 = (n: number): number[] => [op.i32Const, ...sleb(n)];
/** A function body: local declarations, then code, then `end`. */
const body = (locals: number[][], code: number[]): number[] => {
  const bytes = [...vec(locals), ...code, op.end];
  return [...uleb(bytes.length), ...bytes];
};

function stepCode(step: TestStep): { locals: number[][]; code: number[] } {
  switch (step) {
    case 'trap':
      return { locals: [], code: [op.unreachable] };
    case 'abort':
      return { locals: [], code: [...i32(0), ...i32(0), ...i32(7), ...i32(3), op.call, 0, ...i32(1)] };
    case 'finish':
      return { locals: [], code: i32(0) };
    case 'recurse':
      // Function 3 is `step` itself (0 is the import, then input_alloc, init, step …).
      return { locals: [], code: [op.localGet, 0, op.call, 3] };
    case 'spin':
      // n = budget << 10; do { n = n - 1 } while (n != 0); return 1
      return {
        locals: [[1, I32]],
        code: [
          op.localGet, 0, ...i32(10), op.i32Shl, op.localSet, 1,
          op.loop, 0x40, op.localGet, 1, ...i32(1), op.i32Sub, op.localTee, 1, op.brIf, 0, op.end,
          ...i32(1),
        ],
      };
  }
}

/**
 * The bytes of a kernel module that misbehaves as told.
 * @example
 * const module = new WebAssembly.Module(testKernel({ step: 'trap' }));
 */
export function testKernel(options: TestKernelOptions): Uint8Array<ArrayBuffer> {
  const { step, initCode = 0, outputLen = 8 } = options;
  const types = section(1, vec([
    [0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([])], // 0: abort(i32 × 4)
    [0x60, ...vec([[I32]]), ...vec([[I32]])], // 1: (i32) → i32
    [0x60, ...vec([]), ...vec([[I32]])], // 2: () → i32
  ]));
  const imports = section(2, vec([[...name('env'), ...name('abort'), 0x00, 0]]));
  const exported = ['input_alloc', 'init', 'step', 'work_done', 'work_total', 'output_ptr', 'output_len'] as const;
  const typeOf = { input_alloc: 1, init: 2, step: 1, work_done: 2, work_total: 2, output_ptr: 2, output_len: 2 } as const;
  const functions = section(3, vec(exported.map((f) => [typeOf[f]])));
  const memory = section(5, vec([[0x00, 1]]));
  // Function 0 is the import; the module's own functions follow in `exported` order.
  const exports = section(7, vec([[...name('memory'), 0x02, 0], ...exported.map((f, i) => [...name(f), 0x00, i + 1])]));
  const s = stepCode(step);
  const code = section(10, vec([
    body([], i32(1024)), // input_alloc: the input goes at 1024
    body([], i32(initCode)),
    body(s.locals, s.code),
    body([], i32(0)),
    body([], i32(1)),
    body([], i32(1024)),
    body([], i32(outputLen)),
  ]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...functions, ...memory, ...exports, ...code]);
}
