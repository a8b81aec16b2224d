/**
 * @module The natural logarithm of the ibm1 kernel: fdlibm's e_log.c (Sun Microsystems,
 * 1993; also V8's Math.log), written with + − × / and bit operations only, so the kernel,
 * its TypeScript reference and its C build compute it bit for bit alike.
 */

@inline function withHigh(x: f64, hi: i32): f64 {
  return reinterpret<f64>((<u64><u32>hi << 32) | (reinterpret<u64>(x) & 0xffffffff));
}

/** fdlibm e_log.c (Sun Microsystems, 1993), line for line. */
export function fdlog(x: f64): f64 {
  const ln2Hi: f64 = 6.93147180369123816490e-1;
  const ln2Lo: f64 = 1.90821492927058770002e-10;
  const two54: f64 = 1.80143985094819840000e16;
  const lg1: f64 = 6.666666666666735130e-1;
  const lg2: f64 = 3.999999999940941908e-1;
  const lg3: f64 = 2.857142874366239149e-1;
  const lg4: f64 = 2.222219843214978396e-1;
  const lg5: f64 = 1.818357216161805012e-1;
  const lg6: f64 = 1.531383769920937332e-1;
  const lg7: f64 = 1.479819860511658591e-1;
  let hx = <i32>(reinterpret<u64>(x) >> 32);
  const lx = <u32>reinterpret<u64>(x);
  let k: i32 = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= two54;
    hx = <i32>(reinterpret<u64>(x) >> 32);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  x = withHigh(x, hx | (i0 ^ 0x3ff00000));
  k += i0 >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f == 0) {
      if (k == 0) return 0;
      const dk0 = <f64>k;
      return dk0 * ln2Hi + dk0 * ln2Lo;
    }
    const r0 = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - r0;
    const dk1 = <f64>k;
    return dk1 * ln2Hi - ((r0 - dk1 * ln2Lo) - f);
  }
  const s = f / (2.0 + f);
  const dk = <f64>k;
  const z = s * s;
  let i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (lg2 + w * (lg4 + w * lg6));
  const t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)));
  i |= j;
  const r = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + r));
    return dk * ln2Hi - ((hfsq - (s * (hfsq + r) + dk * ln2Lo)) - f);
  }
  if (k == 0) return f - s * (f - r);
  return dk * ln2Hi - ((s * (f - r) - dk * ln2Lo) - f);
}
