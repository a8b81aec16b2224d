/**
 * @module Plain TypeScript reference of the EBM kernel: the "plain JS" baseline of the bench
 * and the oracle of the tests. Same algorithm and the same floating-point operation order as
 * assembly/index.ts (fixed there), so its output bytes are identical.
 */
import { CANONICAL_NAN_BITS } from '../../shared/kernels/abi.ts';
import {
  EBM_DIAGNOSTICS,
  EBM_FLAG_ICE,
  EBM_FLAG_PROFILE,
  EBM_HEADER_BYTES,
  EBM_PARAMS_PER_MEMBER,
  EBM_STATUS,
  ebmInputBytes,
} from '../../shared/kernels/ebm.codec.ts';
import {
  EBM_ERR_CELLS,
  EBM_ERR_FLAGS,
  EBM_ERR_GRID_PARAMS,
  EBM_ERR_INPUT_LENGTH,
  EBM_ERR_LAYOUT,
  EBM_ERR_MEMBER_PARAM,
  EBM_ERR_MEMBERS,
  EBM_ERR_RESERVED,
  EBM_ERR_SHORT_INPUT,
  EBM_ERR_STEPS,
  EBM_ERR_TIME,
} from './codes.ts';

const positiveFinite = (v: number) => Number.isFinite(v) && v > 0;

/**
 * The code the kernel's `init` returns for these input bytes (0 when they are a valid unit),
 * checking in the kernel's order so the first problem found is the same.
 */
export function ebmInputProblem(input: Uint8Array): number {
  if (input.byteLength < EBM_HEADER_BYTES) return EBM_ERR_SHORT_INPUT;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const [layout, cells, m, maxSteps, flags, reserved] = [0, 4, 8, 12, 16, 20].map((at) => view.getUint32(at, true)) as [number, number, number, number, number, number];
  if (layout !== 1) return EBM_ERR_LAYOUT;
  if (cells < 2) return EBM_ERR_CELLS;
  if (m < 1) return EBM_ERR_MEMBERS;
  if (maxSteps < 1) return EBM_ERR_STEPS;
  if ((flags & ~(EBM_FLAG_ICE | EBM_FLAG_PROFILE)) !== 0) return EBM_ERR_FLAGS;
  if (reserved !== 0) return EBM_ERR_RESERVED;
  if (input.byteLength !== ebmInputBytes(m)) return EBM_ERR_INPUT_LENGTH;
  const f = (at: number) => view.getFloat64(at, true);
  if (!positiveFinite(f(24)) || !positiveFinite(f(32)) || !positiveFinite(f(40))) return EBM_ERR_TIME;
  if (!Number.isFinite(f(48)) || !Number.isFinite(f(56)) || !Number.isFinite(f(64)) || f(64) < 0) return EBM_ERR_GRID_PARAMS;
  for (let i = 0; i < m * EBM_PARAMS_PER_MEMBER; i++) if (!Number.isFinite(f(EBM_HEADER_BYTES + 8 * i))) return EBM_ERR_MEMBER_PARAM;
  return 0;
}

/**
 * Runs one EBM unit and returns its output bytes, as the kernel would.
 * @throws RangeError when the kernel would refuse the input (the message names its code).
 */
export function ebmReference(input: Uint8Array): Uint8Array {
  const problem = ebmInputProblem(input);
  if (problem !== 0) throw new RangeError(`EBM input refused (kernel code ${problem})`);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);
  const f64 = (at: number) => view.getFloat64(at, true);
  const n = u32(4);
  const m = u32(8);
  const maxSteps = u32(12);
  const ice = (u32(16) & EBM_FLAG_ICE) !== 0;
  const profile = (u32(16) & EBM_FLAG_PROFILE) !== 0;
  const [dt, heatCapacity, tolerance, s2, a2, w] = [24, 32, 40, 48, 56, 64].map(f64) as [number, number, number, number, number, number];
  const out = new Float64Array(m * (EBM_DIAGNOSTICS + (profile ? n : 0)));

  // The grid: face coefficients k_i of face i+½, and at cell centres P2(x_i) and the
  // insolation shape s_i.
  const dx = 1 / n;
  const k = new Float64Array(n);
  const p2 = new Float64Array(n);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = (i + 0.5) * dx;
    p2[i] = (3 * x * x - 1) * 0.5;
    s[i] = 1 + s2 * p2[i]!;
    if (i < n - 1) {
      const xf = (i + 1) * dx;
      k[i] = (1 - xf * xf) / (dx * dx);
    }
  }
  const [g, cp, inv, absWarm, absIce, t, d] = Array.from({ length: 7 }, () => new Float64Array(n)) as Float64Array[] as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];

  for (let j = 0; j < m; j++) {
    const p = (idx: number) => f64(EBM_HEADER_BYTES + 8 * (j * EBM_PARAMS_PER_MEMBER + idx));
    const [a, b, diff, solar, albedoWarm, albedoIce, tFreeze, forcing, tInit] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(p) as number[] as [number, number, number, number, number, number, number, number, number];
    const cdt = heatCapacity / dt;
    const q = solar * 0.25;
    const coIce = 1 - albedoIce;
    for (let i = 0; i < n; i++) {
      const lo = -(diff * (i === 0 ? 0 : k[i - 1]!));
      const up = -(diff * k[i]!);
      const diag = cdt + b - lo - up;
      const invI = 1 / (i === 0 ? diag : diag - lo * cp[i - 1]!);
      inv[i] = invI;
      cp[i] = up * invI;
      g[i] = lo * invI;
      const qs = q * s[i]!;
      absWarm[i] = qs * (1 - (albedoWarm + a2 * p2[i]!));
      absIce[i] = qs * coIce;
      t[i] = tInit;
    }
    const fa = forcing - a;
    const tLo = tFreeze - w;
    const tHi = tFreeze + w;
    const invTwoW = w > 0 ? 1 / (2 * w) : 0;
    // Absorbed sunlight: ice-free above tHi, ice below tLo, linear in T between.
    const absorbed = (i: number, ti: number) =>
      !ice || ti >= tHi ? absWarm[i]! : ti <= tLo ? absIce[i]! : absIce[i]! + (absWarm[i]! - absIce[i]!) * ((ti - tLo) * invTwoW);

    let steps = 0;
    let residual = 0;
    let converged = false;
    while (steps < maxSteps) {
      steps++;
      for (let i = 0; i < n; i++) {
        const ti = t[i]!;
        const r = cdt * ti + absorbed(i, ti) + fa;
        d[i] = i === 0 ? r * inv[0]! : r * inv[i]! - g[i]! * d[i - 1]!;
      }
      let next = d[n - 1]!;
      let maxDelta = Math.abs(next - t[n - 1]!);
      t[n - 1] = next;
      for (let i = n - 2; i >= 0; i--) {
        next = d[i]! - cp[i]! * next;
        const delta = Math.abs(next - t[i]!);
        maxDelta = delta > maxDelta ? delta : maxDelta;
        t[i] = next;
      }
      residual = cdt * maxDelta;
      if (residual < tolerance) {
        converged = true;
        break;
      }
    }

    let sum = 0;
    for (let i = 0; i < n; i++) sum += t[i]!;
    const mean = sum / n;
    let edge = 1;
    for (let i = 0; i < n; i++) {
      if (t[i]! < tFreeze) {
        edge = i === 0 ? 0 : (i - 1 + 0.5) * dx + ((t[i - 1]! - tFreeze) / (t[i - 1]! - t[i]!)) * dx;
        break;
      }
    }
    const status = !Number.isFinite(mean) ? EBM_STATUS.diverged : converged ? EBM_STATUS.converged : EBM_STATUS.notConverged;
    out.set([mean, edge, status, steps, residual], j * EBM_DIAGNOSTICS);
    if (profile) out.set(t, m * EBM_DIAGNOSTICS + j * n);
  }

  // DataView may write any NaN bit pattern; the output contract wants the canonical one.
  const bytes = new Uint8Array(out.length * 8);
  const outView = new DataView(bytes.buffer);
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (Number.isNaN(v)) outView.setBigUint64(8 * i, CANONICAL_NAN_BITS, true);
    else outView.setFloat64(8 * i, v, true);
  }
  return bytes;
}
