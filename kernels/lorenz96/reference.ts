/**
 * @module Plain TypeScript reference of the Lorenz-96 kernel: the "plain JS" baseline of the
 * bench and the oracle of the tests. Same algorithm and the same floating-point operation
 * order as assembly/index.ts (fixed there), so its output bytes are identical.
 */
import { CANONICAL_NAN_BITS } from '../../shared/kernels/abi.ts';
import { L96_DIAGNOSTICS, L96_HEADER_BYTES, decodeL96Input, l96InputBytes, l96Snapshots } from '../../shared/kernels/lorenz96.codec.ts';
import {
  L96_ERR_DT,
  L96_ERR_FORCING,
  L96_ERR_INPUT_LENGTH,
  L96_ERR_LAYOUT,
  L96_ERR_MEMBERS,
  L96_ERR_RESERVED,
  L96_ERR_SHORT_INPUT,
  L96_ERR_SNAP_DIVIDES,
  L96_ERR_SNAP_EVERY,
  L96_ERR_STEPS,
  L96_ERR_VARS,
} from './codes.ts';

/**
 * The code the kernel's `init` returns for these input bytes (0 when they are a valid unit),
 * checking in the kernel's order so the first problem found is the same.
 */
export function l96InputProblem(input: Uint8Array): number {
  if (input.byteLength < L96_HEADER_BYTES) return L96_ERR_SHORT_INPUT;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const [layout, n, m, steps, snapEvery, reserved] = [0, 4, 8, 12, 16, 20].map((at) => view.getUint32(at, true)) as [number, number, number, number, number, number];
  if (layout !== 1) return L96_ERR_LAYOUT;
  if (n < 4) return L96_ERR_VARS;
  if (m < 1) return L96_ERR_MEMBERS;
  if (steps < 1) return L96_ERR_STEPS;
  if (snapEvery < 1) return L96_ERR_SNAP_EVERY;
  if (steps % snapEvery !== 0) return L96_ERR_SNAP_DIVIDES;
  if (reserved !== 0) return L96_ERR_RESERVED;
  if (input.byteLength !== l96InputBytes(n, m)) return L96_ERR_INPUT_LENGTH;
  if (!Number.isFinite(view.getFloat64(24, true))) return L96_ERR_DT;
  if (!Number.isFinite(view.getFloat64(32, true))) return L96_ERR_FORCING;
  return 0;
}

/** k = f(y): dy_v/dt = (y[v+1] − y[v−2])·y[v−1] − y[v] + F, indices cyclic. */
function tendency(y: Float64Array, k: Float64Array, forcing: number): void {
  const n = y.length;
  for (let v = 0; v < n; v++) {
    k[v] = (y[(v + 1) % n]! - y[(v + n - 2) % n]!) * y[(v + n - 1) % n]! - y[v]! + forcing;
  }
}

/** Σ x² / (2n), summed in ascending v. */
function energy(x: Float64Array): number {
  let sum = 0;
  for (let v = 0; v < x.length; v++) sum += x[v]! * x[v]!;
  return sum / (2 * x.length);
}

/**
 * Runs one Lorenz-96 unit and returns its output bytes, as the kernel would.
 * @throws RangeError when the kernel would refuse the input (the message names its code).
 */
export function lorenz96Reference(input: Uint8Array): Uint8Array {
  const problem = l96InputProblem(input);
  if (problem !== 0) throw new RangeError(`Lorenz-96 input refused (kernel code ${problem})`);
  const { n, m, steps, snapEvery, dt, forcing, x0 } = decodeL96Input(input);
  const snaps = l96Snapshots(steps, snapEvery);
  const out = new Float64Array(m * (snaps * n + L96_DIAGNOSTICS));
  const diagnosticsAt = m * snaps * n;
  const h2 = dt * 0.5;
  const h6 = dt / 6;
  const [x, y, k1, k2, k3, k4] = Array.from({ length: 6 }, () => new Float64Array(n)) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];

  for (let member = 0; member < m; member++) {
    x.set(x0.subarray(member * n, (member + 1) * n));
    let energySum = 0;
    for (let step = 1; step <= steps; step++) {
      tendency(x, k1, forcing);
      for (let v = 0; v < n; v++) y[v] = x[v]! + h2 * k1[v]!;
      tendency(y, k2, forcing);
      for (let v = 0; v < n; v++) y[v] = x[v]! + h2 * k2[v]!;
      tendency(y, k3, forcing);
      for (let v = 0; v < n; v++) y[v] = x[v]! + dt * k3[v]!;
      tendency(y, k4, forcing);
      for (let v = 0; v < n; v++) x[v] = x[v]! + h6 * (k1[v]! + 2 * k2[v]! + 2 * k3[v]! + k4[v]!);
      energySum += energy(x);
      if (step % snapEvery === 0) out.set(x, (member * snaps + step / snapEvery - 1) * n);
    }
    let sum = 0;
    for (let v = 0; v < n; v++) sum += x[v]!;
    out.set([sum / n, energy(x), energySum / steps], diagnosticsAt + member * L96_DIAGNOSTICS);
  }

  // DataView may write any NaN bit pattern; the output contract wants the canonical one.
  const bytes = new Uint8Array(out.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (Number.isNaN(v)) view.setBigUint64(8 * i, CANONICAL_NAN_BITS, true);
    else view.setFloat64(8 * i, v, true);
  }
  return bytes;
}
