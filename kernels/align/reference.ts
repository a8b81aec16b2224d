/**
 * @module Plain TypeScript reference of the align kernel (fast_align, Dyer et al. 2013): the
 * "plain JS" baseline of the bench and the oracle of the tests. Same algorithm and the same
 * floating-point operation order as assembly/index.ts (fixed there), with the same fdlibm
 * exp (./exp.ts) and log (the ibm1 reference's), so its output bytes are identical. The
 * checks an align unit shares with an ibm1 unit are the ibm1 reference's, on the ibm1 input
 * inside it.
 */
import { CANONICAL_NAN_BITS } from '../../shared/kernels/abi.ts';
import {
  ALIGN_ESTEP_HEAD,
  ALIGN_FLAG_NULL,
  ALIGN_FLAG_VITERBI,
  ALIGN_HEADER_BYTES,
  ALIGN_KERNEL_TENSION_MAX,
  ALIGN_LAYOUT,
  alignEStepOutputBytes,
  alignViterbiOutputBytes,
  ibm1InputOfAlign,
} from '../../shared/kernels/align.codec.ts';
import { decodeIbm1Input } from '../../shared/kernels/ibm1.codec.ts';
import { fdlog, ibm1InputProblem } from '../ibm1/reference.ts';
import { ALIGN_ERR_P0, ALIGN_ERR_TENSION, IBM1_ERR_FLAGS, IBM1_ERR_LAYOUT, IBM1_ERR_SHORT_INPUT } from './codes.ts';
import { fdexp } from './exp.ts';

const LN2 = 6.93147180559945286227e-1;
const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);

/** The code the kernel's `init` (or, for a missing entry, `step`) returns for these bytes; 0 for a valid unit. */
export function alignInputProblem(input: Uint8Array): number {
  if (input.byteLength < ALIGN_HEADER_BYTES) return IBM1_ERR_SHORT_INPUT;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if (view.getUint32(0, true) !== ALIGN_LAYOUT) return IBM1_ERR_LAYOUT;
  if ((view.getUint32(4, true) & ~(ALIGN_FLAG_NULL | ALIGN_FLAG_VITERBI)) !== 0) return IBM1_ERR_FLAGS;
  const tension = view.getFloat64(32, true);
  const p0 = view.getFloat64(40, true);
  if (!(tension >= 0 && tension <= ALIGN_KERNEL_TENSION_MAX)) return ALIGN_ERR_TENSION;
  if (!(p0 >= 0 && p0 <= 1)) return ALIGN_ERR_P0;
  return ibm1InputProblem(ibm1InputOfAlign(input)!);
}

/**
 * Runs one unit and returns its output bytes, as the kernel would.
 * @throws RangeError when the kernel would refuse the input (the message names its code).
 */
export function alignReference(input: Uint8Array): Uint8Array {
  const problem = alignInputProblem(input);
  if (problem !== 0) throw new RangeError(`align input refused (kernel code ${problem})`);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const viterbi = (view.getUint32(4, true) & ALIGN_FLAG_VITERBI) !== 0;
  const lambda = view.getFloat64(32, true);
  const p0 = view.getFloat64(40, true);
  const u = decodeIbm1Input(ibm1InputOfAlign(input)!);
  const { t, lens, tokens, carry } = u;
  const T = u.tgtTypes;
  const index = new Map<number, number>();
  for (let e = 0; e < t.length; e++) index.set(u.entrySrc[e]! * T + u.entryTgt[e]!, e);
  const P = lens.length / 2;
  const C = carry.length;
  let targetTokens = 0;
  let longest = 0;
  for (let p = 0; p < P; p++) {
    longest = Math.max(longest, lens[2 * p]!);
    targetTokens += lens[2 * p + 1]!;
  }
  const bytes = new Uint8Array(viterbi ? alignViterbiOutputBytes(C, targetTokens) : alignEStepOutputBytes(C, t.length));
  const out = new Float64Array(bytes.buffer);
  out.set(carry, 0);
  const links = viterbi ? new Uint16Array(bytes.buffer, 8 * (C + 1), targetTokens) : new Uint16Array(0);
  const counts = new Float64Array(t.length);
  // Per source slot (0 = NULL): h, w, a and the entry of the current target word.
  const h = new Float64Array(longest + 1);
  const w = new Float64Array(longest + 1);
  const a = new Float64Array(longest + 1);
  const ent = new Int32Array(longest + 1);
  const q = u.withNull ? 1.0 - p0 : 1.0;
  let link = 0;
  let unitLL = 0;
  let emp = 0;
  let mod = 0;
  for (let p = 0, k = 0; p < P; p++) {
    const n = lens[2 * p]!;
    const m = lens[2 * p + 1]!;
    const nm = n * m;
    let prod = 1;
    let exps = 0;
    for (let j = 1; j <= m; j++) {
      const f = tokens[k + n + j - 1]!;
      let z = 0;
      for (let i = 1; i <= n; i++) {
        h[i] = Math.abs(i * m - j * n) / nm;
        w[i] = fdexp(-(lambda * h[i]!));
        z += w[i]!;
      }
      const s = q / z;
      let denom = 0;
      if (u.withNull) {
        ent[0] = index.get(f)!;
        a[0] = p0 * t[ent[0]]!;
        denom += a[0]!;
      }
      for (let i = 1; i <= n; i++) {
        ent[i] = index.get(tokens[k + i - 1]! * T + f)!;
        a[i] = (w[i]! * s) * t[ent[i]!]!;
        denom += a[i]!;
      }
      if (viterbi) {
        let best = u.withNull ? 0 : 1;
        for (let i = best + 1; i <= n; i++) if (a[i]! > a[best]!) best = i;
        links[link++] = best;
        continue;
      }
      const inv = 1.0 / denom;
      let pNull = 0;
      if (u.withNull) {
        pNull = a[0]! * inv;
        counts[ent[0]!] = counts[ent[0]!]! + pNull;
      }
      let zh = 0;
      for (let i = 1; i <= n; i++) {
        const pi = a[i]! * inv;
        counts[ent[i]!] = counts[ent[i]!]! + pi;
        emp += pi * h[i]!;
        zh += w[i]! * h[i]!;
      }
      mod += (1.0 - pNull) * (zh / z);
      prod *= denom;
      scratch[0] = prod;
      const hi = words[1]!;
      const e = (hi >>> 20) & 0x7ff;
      if (e !== 0 && e !== 0x7ff) {
        exps += e - 1023;
        words[1] = (hi & 0x800fffff) | 0x3ff00000;
        prod = scratch[0]!;
      }
    }
    if (!viterbi) unitLL += fdlog(prod) + exps * LN2;
    k += n + m;
  }
  if (viterbi) {
    out[C] = P;
  } else {
    out.set([unitLL, P, emp, mod], C);
    out.set(counts, C + ALIGN_ESTEP_HEAD);
  }
  // Every NaN of the f64 part canonical (the Viterbi links are integers).
  const outView = new DataView(bytes.buffer);
  const f64s = viterbi ? C + 1 : out.length;
  for (let i = 0; i < f64s; i++) if (Number.isNaN(out[i])) outView.setBigUint64(8 * i, CANONICAL_NAN_BITS, true);
  return bytes;
}
