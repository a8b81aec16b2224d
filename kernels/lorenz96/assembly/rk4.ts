/**
 * @module The hot loop of the Lorenz-96 kernel: classic RK4 steps of one member, in place,
 * in the operation order fixed in index.ts. Everything is inlined into `rk4Steps` so the
 * constants live in locals, and the four stages fold their `mode` branches away.
 *
 * Each stage walks v = 0, 1, 2 … n−2, n−1 once: the cyclic neighbours of v = 0, 1 and n−1
 * are loaded explicitly, and the interior, with no index arithmetic, runs two variables at
 * a time in f64x2 lanes (wasm SIMD; gcc vectorises the C build the same way). Each lane
 * does exactly the scalar operations in the scalar order, so results stay bit-identical.
 */

@inline function rhs(ym2: f64, ym1: f64, y0: f64, yp1: f64, forcing: f64): f64 {
  return (yp1 - ym2) * ym1 - y0 + forcing;
}

/**
 * Consumes k = f(y)_v at byte offset `off`. Stages 1–3 accumulate k into `acc` (k1, then
 * + 2·k2, then + 2·k3) and write the next stage's input x + c·k to `yo`; stage 4 writes
 * x' = x + c·(acc + k) over x and returns the running Σ x'².
 */
@inline function consume(mode: i32, off: usize, k: f64, x: usize, yo: usize, acc: usize, c: f64, sumSq: f64): f64 {
  if (mode == 4) {
    const xn = load<f64>(x + off) + c * (load<f64>(acc + off) + k);
    store<f64>(x + off, xn);
    return sumSq + xn * xn;
  }
  store<f64>(acc + off, mode == 1 ? k : load<f64>(acc + off) + 2.0 * k);
  store<f64>(yo + off, load<f64>(x + off) + c * k);
  return sumSq;
}

/** `consume` for the pair v, v+1 at byte offset `off`, each lane in the same order. */
@inline function consume2(mode: i32, off: usize, k: v128, x: usize, yo: usize, acc: usize, c: v128, sumSq: f64): f64 {
  if (mode == 4) {
    const xn = f64x2.add(v128.load(x + off), f64x2.mul(c, f64x2.add(v128.load(acc + off), k)));
    store<v128>(x + off, xn);
    // The energy sum stays sequential (v, then v+1): a lane-wise sum would reassociate it.
    const sq = f64x2.mul(xn, xn);
    return sumSq + f64x2.extract_lane(sq, 0) + f64x2.extract_lane(sq, 1);
  }
  const twoK = f64x2.mul(f64x2.splat(2.0), k);
  store<v128>(acc + off, mode == 1 ? k : f64x2.add(v128.load(acc + off), twoK));
  store<v128>(yo + off, f64x2.add(v128.load(x + off), f64x2.mul(c, k)));
  return sumSq;
}

/** k = f(y)_v for the variable at byte offset `off`, neighbours at the given offsets. */
@inline function rhsAt(y: usize, m2: usize, m1: usize, off: usize, p1: usize, forcing: f64): f64 {
  return rhs(load<f64>(y + m2), load<f64>(y + m1), load<f64>(y + off), load<f64>(y + p1), forcing);
}

/** One RK4 stage over all n variables; returns Σ x'² for stage 4, else 0. */
@inline function stage(mode: i32, y: usize, yo: usize, x: usize, acc: usize, n: usize, forcing: f64, c: f64): f64 {
  const last = (n - 1) << 3;
  const c2 = f64x2.splat(c);
  const f2 = f64x2.splat(forcing);
  // v = 0 and v = 1: y[v−2] (and y[v−1] for v = 0) wrap to the end.
  let s = consume(mode, 0, rhsAt(y, last - 8, last, 0, 8, forcing), x, yo, acc, c, 0);
  s = consume(mode, 8, rhsAt(y, last, 0, 8, 16, forcing), x, yo, acc, c, s);
  // v = 2 … n−2 in pairs (v, v+1): lo = y[v−2, v−1], mid = y[v, v+1], hi = y[v+2, v+3], and
  // the odd neighbours are shuffled out of them, so each pair costs one load of y. The
  // loop stops while y[v+3] is still inside the vector; the last one or two go scalar.
  let off: usize = 16;
  let lo = v128.load(y);
  let mid = v128.load(y, 16);
  for (; off + 24 <= last; off += 16) {
    const hi = v128.load(y + off, 16);
    const ym1 = v128.shuffle<f64>(lo, mid, 1, 2);
    const yp1 = v128.shuffle<f64>(mid, hi, 1, 2);
    const k = f64x2.add(f64x2.sub(f64x2.mul(f64x2.sub(yp1, lo), ym1), mid), f2);
    s = consume2(mode, off, k, x, yo, acc, c2, s);
    lo = mid;
    mid = hi;
  }
  for (; off < last; off += 8) s = consume(mode, off, rhsAt(y, off - 16, off - 8, off, off + 8, forcing), x, yo, acc, c, s);
  // v = n−1: y[v+1] = y[0].
  return consume(mode, last, rhsAt(y, last - 16, last - 8, last, 0, forcing), x, yo, acc, c, s);
}

/**
 * Advances state `x` (n f64) by `count` RK4 steps, using `work` (3·n f64) as scratch, and
 * returns `energySum` plus the energy Σx²/(2n) after each step, added in step order.
 */
export function rk4Steps(x: usize, work: usize, n: usize, count: u32, dt: f64, forcing: f64, twoN: f64, energySum: f64): f64 {
  const ya = work;
  const yb = work + (n << 3);
  const acc = work + (n << 4);
  const h2 = dt * 0.5;
  const h6 = dt / 6.0;
  for (let i: u32 = 0; i < count; i++) {
    stage(1, x, ya, x, acc, n, forcing, h2);
    stage(2, ya, yb, x, acc, n, forcing, h2);
    stage(3, yb, ya, x, acc, n, forcing, dt);
    energySum += stage(4, ya, 0, x, acc, n, forcing, h6) / twoN;
  }
  return energySum;
}
