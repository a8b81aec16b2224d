/**
 * @module Byte layout of Lorenz-96 ensemble units (kernel `lorenz96`, layout version 1),
 * shared by the splitter on the edge, the kernel, the references and the assimilator.
 *
 * Input, little-endian:
 *   u32 layout (=1) | u32 n vars | u32 m members | u32 k steps | u32 snapEvery | u32 0
 *   f64 dt | f64 forcing F | m × n f64 initial states (member-major)
 * Output, little-endian f64:
 *   m × s × n snapshots (member, snapshot, variable), s = k / snapEvery, snapshot j taken
 *   after step (j+1)·snapEvery (the last one is the final state);
 *   then m × 3 diagnostics per member: [final spatial mean, final energy, time-mean energy]
 *   where energy = Σ x_v² / (2n) and the time mean averages the energy after each step.
 * Every NaN in the output is the canonical quiet NaN (see abi.ts).
 */

export const L96_LAYOUT = 1;
export const L96_HEADER_BYTES = 40;
export const L96_DIAGNOSTICS = 3;

/** The numbers a Lorenz-96 unit is made of. */
export interface L96UnitInput {
  n: number;
  m: number;
  steps: number;
  snapEvery: number;
  dt: number;
  forcing: number;
  /** m × n initial states, member-major. */
  x0: Float64Array;
}

/** Decoded output of one Lorenz-96 unit. */
export interface L96UnitOutput {
  /** m × s × n snapshots. */
  snapshots: Float64Array;
  /** m × 3 diagnostics. */
  diagnostics: Float64Array;
}

/** Snapshots per member for a unit. */
export function l96Snapshots(steps: number, snapEvery: number): number {
  return Math.floor(steps / snapEvery);
}

/** Size in bytes of a unit's input. */
export function l96InputBytes(n: number, m: number): number {
  return L96_HEADER_BYTES + 8 * n * m;
}

/** Size in bytes of a unit's output; the edge refuses results of any other size. */
export function l96OutputBytes(n: number, m: number, steps: number, snapEvery: number): number {
  return 8 * m * (l96Snapshots(steps, snapEvery) * n + L96_DIAGNOSTICS);
}

/** Encodes a unit's input bytes. */
export function encodeL96Input(u: L96UnitInput): Uint8Array {
  if (u.x0.length !== u.n * u.m) throw new RangeError(`x0 has ${u.x0.length} values, want ${u.n * u.m}`);
  const bytes = new Uint8Array(l96InputBytes(u.n, u.m));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, L96_LAYOUT, true);
  view.setUint32(4, u.n, true);
  view.setUint32(8, u.m, true);
  view.setUint32(12, u.steps, true);
  view.setUint32(16, u.snapEvery, true);
  view.setUint32(20, 0, true);
  view.setFloat64(24, u.dt, true);
  view.setFloat64(32, u.forcing, true);
  for (let i = 0; i < u.x0.length; i++) view.setFloat64(L96_HEADER_BYTES + 8 * i, u.x0[i]!, true);
  return bytes;
}

/** Decodes a unit's input bytes (the inverse of {@link encodeL96Input}). */
export function decodeL96Input(bytes: Uint8Array): L96UnitInput {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < L96_HEADER_BYTES || view.getUint32(0, true) !== L96_LAYOUT) {
    throw new RangeError('not a Lorenz-96 layout 1 input');
  }
  const n = view.getUint32(4, true);
  const m = view.getUint32(8, true);
  if (bytes.byteLength !== l96InputBytes(n, m)) throw new RangeError('Lorenz-96 input has the wrong size');
  const x0 = new Float64Array(n * m);
  for (let i = 0; i < x0.length; i++) x0[i] = view.getFloat64(L96_HEADER_BYTES + 8 * i, true);
  return {
    n,
    m,
    steps: view.getUint32(12, true),
    snapEvery: view.getUint32(16, true),
    dt: view.getFloat64(24, true),
    forcing: view.getFloat64(32, true),
    x0,
  };
}

/** Decodes a unit's output bytes, given the unit's shape. */
export function decodeL96Output(bytes: Uint8Array, n: number, m: number, steps: number, snapEvery: number): L96UnitOutput {
  if (bytes.byteLength !== l96OutputBytes(n, m, steps, snapEvery)) {
    throw new RangeError('Lorenz-96 output has the wrong size');
  }
  const all = new Float64Array(bytes.byteLength / 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < all.length; i++) all[i] = view.getFloat64(8 * i, true);
  const snapValues = m * l96Snapshots(steps, snapEvery) * n;
  return { snapshots: all.subarray(0, snapValues), diagnostics: all.subarray(snapValues) };
}
