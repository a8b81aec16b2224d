/**
 * @module The exponential of the align kernel: fdlibm's e_exp.c algorithm (Sun Microsystems,
 * 1993; with the final scaling by 2^k as a product, as FreeBSD's msun and V8's Math.exp do it),
 * written with + − × / and bit operations only, so the kernel, its TypeScript twin
 * (../exp.ts) and its C build (../align.c) compute it bit for bit alike.
 *
 * Algorithm: x = k·ln2 + r with |r| ≤ ln2/2 (ln2 split in a high part whose products with k
 * are exact and a low part); exp(r) = 1 + 2r/(R(r) − r) with R a Remez polynomial in r² of
 * degree 5 (c = r − r²·P(r²), exp(r) = 1 − ((r·c)/(c − 2) − r)); then exp(x) = 2^k·exp(r).
 */

const O_THRESHOLD: f64 = 7.09782712893383973096e+2;
const U_THRESHOLD: f64 = -7.45133219101941108420e+2;
const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const INV_LN2: f64 = 1.44269504088896338700e+0;
const P1: f64 = 1.66666666666666019037e-1;
const P2: f64 = -2.77777777770155933842e-3;
const P3: f64 = 6.61375632143793436117e-5;
const P4: f64 = -1.65339022054652515390e-6;
const P5: f64 = 4.13813679705723846039e-8;
const HUGE: f64 = 1.0e+300;
const TWO_M1000: f64 = 9.33263618503218878990e-302;
const TWO_1023: f64 = 8.98846567431157953865e+307;

/** exp(x), fdlibm e_exp.c's algorithm step for step. */
export function fdexp(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  let hx = <u32>(bits >> 32);
  const xsb = <i32>(hx >> 31);
  hx &= 0x7fffffff;
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | <u32>bits) != 0) return x + x;
      return xsb == 0 ? x : 0.0;
    }
    if (x > O_THRESHOLD) return HUGE * HUGE;
    if (x < U_THRESHOLD) return TWO_M1000 * TWO_M1000;
  }
  let hi: f64 = 0;
  let lo: f64 = 0;
  let k: i32 = 0;
  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
      // |x| in (ln2/2, 3·ln2/2): k = ±1.
      hi = xsb == 0 ? x - LN2_HI : x + LN2_HI;
      lo = xsb == 0 ? LN2_LO : -LN2_LO;
      k = 1 - xsb - xsb;
    } else {
      k = <i32>(INV_LN2 * x + (xsb == 0 ? 0.5 : -0.5));
      const tk = <f64>k;
      hi = x - tk * LN2_HI;
      lo = tk * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    // |x| < 2^-28: 1 + x is exp(x) rounded.
    return 1.0 + x;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * TWO_1023;
    return y * reinterpret<f64>(<u64>(0x3ff + k) << 52);
  }
  return y * reinterpret<f64>(<u64>(0x3ff + k + 1000) << 52) * TWO_M1000;
}
