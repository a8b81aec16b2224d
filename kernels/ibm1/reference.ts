/**
 * @module Plain TypeScript reference of the IBM Model 1 E-step kernel: the "plain JS"
 * baseline of the bench and the oracle of the tests. Same algorithm and the same
 * floating-point operation order as assembly/index.ts (fixed there), including its own
 * fdlibm logarithm, so its output bytes are identical.
 */
import { CANONICAL_NAN_BITS } from '../../shared/kernels/abi.ts';
import { IBM1_FLAG_NULL, IBM1_HEADER_BYTES, IBM1_LAYOUT, IBM1_LOCAL_TYPES_MAX, ibm1InputBytes, ibm1OutputBytes } from '../../shared/kernels/ibm1.codec.ts';
import {
  IBM1_ERR_DUPLICATE_ENTRY,
  IBM1_ERR_ENTRY,
  IBM1_ERR_FLAGS,
  IBM1_ERR_INPUT_LENGTH,
  IBM1_ERR_KEY_SPACE,
  IBM1_ERR_LAYOUT,
  IBM1_ERR_LENGTHS,
  IBM1_ERR_MISSING_ENTRY,
  IBM1_ERR_PAIRS,
  IBM1_ERR_SHORT_INPUT,
  IBM1_ERR_TOKEN,
  IBM1_ERR_T_VALUE,
} from './codes.ts';

const LN2 = 6.93147180559945286227e-1;
const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);

/** fdlibm e_log.c, as assembly/index.ts writes it (little-endian word order). */
export function fdlog(x: number): number {
  const ln2Hi = 6.93147180369123816490e-1;
  const ln2Lo = 1.90821492927058770002e-10;
  const two54 = 1.80143985094819840000e16;
  scratch[0] = x;
  let hx = words[1]! | 0;
  const lx = words[0]!;
  let k = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= two54;
    scratch[0] = x;
    hx = words[1]! | 0;
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  scratch[0] = x;
  words[1] = hx | (i0 ^ 0x3ff00000);
  x = scratch[0]!;
  k += i0 >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f === 0) {
      if (k === 0) return 0;
      return k * ln2Hi + k * ln2Lo;
    }
    const r0 = f * f * (0.5 - 0.33333333333333333 * f);
    if (k === 0) return f - r0;
    return k * ln2Hi - ((r0 - k * ln2Lo) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  let i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (3.999999999940941908e-1 + w * (2.222219843214978396e-1 + w * 1.531383769920937332e-1));
  const t2 = z * (6.666666666666735130e-1 + w * (2.857142874366239149e-1 + w * (1.818357216161805012e-1 + w * 1.479819860511658591e-1)));
  i |= j;
  const r = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k === 0) return f - (hfsq - s * (hfsq + r));
    return k * ln2Hi - ((hfsq - (s * (hfsq + r) + k * ln2Lo)) - f);
  }
  if (k === 0) return f - s * (f - r);
  return k * ln2Hi - ((s * (f - r) - k * ln2Lo) - f);
}

interface Parsed {
  withNull: boolean;
  P: number;
  C: number;
  carry: Float64Array;
  t: Float64Array;
  lens: Uint16Array;
  links: Uint32Array;
}

/** Parses and checks in the kernel's order; a number is the kernel's refusal code. */
function parse(input: Uint8Array): Parsed | number {
  if (input.byteLength < IBM1_HEADER_BYTES) return IBM1_ERR_SHORT_INPUT;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const [layout, flags, P, S, T, E, C, N] = Array.from({ length: 8 }, (_, i) => view.getUint32(4 * i, true)) as [number, number, number, number, number, number, number, number];
  if (layout !== IBM1_LAYOUT) return IBM1_ERR_LAYOUT;
  if ((flags & ~IBM1_FLAG_NULL) !== 0) return IBM1_ERR_FLAGS;
  const withNull = (flags & IBM1_FLAG_NULL) !== 0;
  if (ibm1InputBytes(C, E, P, N) !== input.byteLength) return IBM1_ERR_INPUT_LENGTH;
  if (P === 0) return IBM1_ERR_PAIRS;
  if (S > IBM1_LOCAL_TYPES_MAX || T > IBM1_LOCAL_TYPES_MAX) return IBM1_ERR_KEY_SPACE;
  const copy = (at: number, len: number) => input.slice(at, at + len).buffer;
  let at = IBM1_HEADER_BYTES;
  const carry = new Float64Array(copy(at, 8 * C));
  const t = new Float64Array(copy((at += 8 * C), 8 * E));
  const eSrc = new Uint16Array(copy((at += 8 * E), 2 * E));
  const eTgt = new Uint16Array(copy((at += 2 * E), 2 * E));
  const lens = new Uint16Array(copy((at += 2 * E), 4 * P));
  const tokens = new Uint16Array(copy((at += 4 * P), 2 * N));
  let sum = 0;
  let links = 0;
  for (let p = 0; p < P; p++) {
    const l = lens[2 * p]!;
    const m = lens[2 * p + 1]!;
    if (l === 0 || m === 0) return IBM1_ERR_LENGTHS;
    sum += l + m;
    links += m * (l + (withNull ? 1 : 0));
  }
  if (sum !== N) return IBM1_ERR_LENGTHS;
  for (let p = 0, k = 0; p < P; p++) {
    for (let i = 0; i < lens[2 * p]!; i++, k++) if (tokens[k]! >= S || (withNull && tokens[k] === 0)) return IBM1_ERR_TOKEN;
    for (let j = 0; j < lens[2 * p + 1]!; j++, k++) if (tokens[k]! >= T) return IBM1_ERR_TOKEN;
  }
  for (let e = 0; e < E; e++) {
    if (!Number.isFinite(t[e]!) || t[e]! < 0) return IBM1_ERR_T_VALUE;
    if (eSrc[e]! >= S || eTgt[e]! >= T) return IBM1_ERR_ENTRY;
  }
  const index = new Map<number, number>();
  for (let e = 0; e < E; e++) {
    const key = eSrc[e]! * T + eTgt[e]!;
    if (index.has(key)) return IBM1_ERR_DUPLICATE_ENTRY;
    index.set(key, e);
  }
  const link = new Uint32Array(links);
  let q = 0;
  for (let p = 0, k = 0; p < P; p++) {
    const l = lens[2 * p]!;
    const m = lens[2 * p + 1]!;
    for (let j = 0; j < m; j++) {
      const f = tokens[k + l + j]!;
      for (let i = withNull ? -1 : 0; i < l; i++) {
        const e = index.get((i < 0 ? 0 : tokens[k + i]!) * T + f);
        if (e === undefined) return IBM1_ERR_MISSING_ENTRY;
        link[q++] = e;
      }
    }
    k += l + m;
  }
  return { withNull, P, C, carry, t, lens, links: link };
}

/** The code the kernel's `init` returns for these input bytes (0 when they are a valid unit). */
export function ibm1InputProblem(input: Uint8Array): number {
  const parsed = parse(input);
  return typeof parsed === 'number' ? parsed : 0;
}

/**
 * Runs one E-step unit and returns its output bytes, as the kernel would.
 * @throws RangeError when the kernel would refuse the input (the message names its code).
 */
export function ibm1Reference(input: Uint8Array): Uint8Array {
  const u = parse(input);
  if (typeof u === 'number') throw new RangeError(`ibm1 input refused (kernel code ${u})`);
  const { t, lens, links, C } = u;
  const out = new Float64Array(ibm1OutputBytes(C, t.length) / 8);
  const counts = out.subarray(C + 2);
  const nullLink = u.withNull ? 1 : 0;
  let q = 0;
  let shardLL = 0;
  for (let p = 0; p < u.P; p++) {
    const l1 = lens[2 * p]! + nullLink;
    const m = lens[2 * p + 1]!;
    let prod = 1;
    let exps = 0;
    for (let j = 0; j < m; j++) {
      let denom = 0;
      for (let i = 0; i < l1; i++) denom += t[links[q + i]!]!;
      const inv = 1.0 / denom;
      for (let i = 0; i < l1; i++) {
        const e = links[q + i]!;
        counts[e] = counts[e]! + t[e]! * inv;
      }
      q += l1;
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
    shardLL += (fdlog(prod) + exps * LN2) - m * fdlog(l1);
  }
  out.set(u.carry, 0);
  out[C] = shardLL;
  out[C + 1] = u.P;
  const bytes = new Uint8Array(out.buffer);
  const view = new DataView(out.buffer);
  for (let i = 0; i < out.length; i++) if (Number.isNaN(out[i])) view.setBigUint64(8 * i, CANONICAL_NAN_BITS, true);
  return bytes;
}
