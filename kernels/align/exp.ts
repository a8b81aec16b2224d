/**
 * @module TypeScript twin of the align kernel's exponential (assembly/exp.ts: fdlibm e_exp.c's
 * algorithm, the final scaling by 2^k as a product), the same operations in the same order,
 * so the reference computes the kernel's bits.
 */

const O_THRESHOLD = 7.09782712893383973096e+2;
const U_THRESHOLD = -7.45133219101941108420e+2;
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700e+0;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;
const HUGE = 1.0e+300;
const TWO_M1000 = 9.33263618503218878990e-302;
const TWO_1023 = 8.98846567431157953865e+307;

const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);

/** 2^e for an exponent e of a normal number (−1022 ≤ e ≤ 1023), from its bits. */
function pow2(e: number): number {
  words[0] = 0;
  words[1] = (0x3ff + e) << 20;
  return scratch[0]!;
}

/** exp(x) as the kernel computes it (little-endian word order). */
export function fdexp(x: number): number {
  scratch[0] = x;
  let hx = words[1]!;
  const lx = words[0]!;
  const xsb = hx >>> 31;
  hx &= 0x7fffffff;
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | lx) !== 0) return x + x;
      return xsb === 0 ? x : 0.0;
    }
    if (x > O_THRESHOLD) return HUGE * HUGE;
    if (x < U_THRESHOLD) return TWO_M1000 * TWO_M1000;
  }
  let hi = 0;
  let lo = 0;
  let k = 0;
  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
      hi = xsb === 0 ? x - LN2_HI : x + LN2_HI;
      lo = xsb === 0 ? LN2_LO : -LN2_LO;
      k = 1 - xsb - xsb;
    } else {
      k = Math.trunc(INV_LN2 * x + (xsb === 0 ? 0.5 : -0.5));
      hi = x - k * LN2_HI;
      lo = k * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    return 1.0 + x;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k === 1024) return y * 2.0 * TWO_1023;
    return y * pow2(k);
  }
  return y * pow2(k + 1000) * TWO_M1000;
}
