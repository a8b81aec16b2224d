/**
 * @module Plausibility of an energy-balance-model result (kernel `ebm`, layout 1, see
 * shared/kernels/ebm.codec.ts): valid status codes consistent with steps and residual,
 * temperatures inside the bounds the model itself imposes on each member, the global energy
 * budget of the last step, and, with profiles, the mean and ice edge recomputed from them.
 *
 * Why per-member bounds and not one physical range (say 150..400 K): the model's outgoing
 * radiation A + B·T is linear, and the job schema allows parameters whose honest equilibrium is
 * far outside any physical range (A = 1000, S0 = 100, B = 0.1 settles near −9,750 °C; A = −500,
 * S0 = 10,000 near +31,000 °C). A fixed range would reject those honest results, so each
 * member's range is derived from its own parameters instead, by the maximum principle of the
 * kernel's scheme (implicit in T, explicit in albedo; North 1975's model): in the cell holding
 * the new maximum M the diffusion term is ≥ 0 (D ≥ 0, k ≥ 0), so
 *   (C/dt + B)·M ≤ (C/dt)·max Tⁿ + Q_max + F − A,
 * a weighted mean of max Tⁿ and (Q_max + F − A)/B. Hence every temperature, at every step,
 * lies in [min(T₀, (Q_min + F − A)/B), max(T₀, (Q_max + F − A)/B)], Q_min/Q_max the least and
 * largest absorbed sunlight of any cell (ice or not). For the default parameters that is about
 * −65..44 °C. With B ≤ 0 or D < 0 (the kernel runs them; the schema does not allow them) there
 * is no such bound, and divergence is possible, so only the consistency rules apply.
 */
import { EBM_DIAGNOSTICS, EBM_FLAG_ICE, EBM_FLAG_PROFILE, EBM_HEADER_BYTES, EBM_LAYOUT, EBM_PARAMS_PER_MEMBER, EBM_STATUS, ebmInputBytes, ebmOutputBytes } from '../../../shared/kernels/ebm.codec.ts';
import { F64_UNIT_ROUNDOFF as U, PLAUSIBLE, UNCHECKED, fmt, implausible, viewOf, type Plausibility } from './answer.ts';

/**
 * Slack on the maximum-principle bounds, relative to max(|lo|, |hi|, 1 K): each implicit step's
 * tridiagonal solve (Thomas, stable without pivoting for this diagonally dominant M-matrix)
 * errs by a few u times the temperatures, and up to EBM_STEPS_MAX steps can add up to
 * 1e5 × a few u ≈ 1e-10. 1e-6 is far above that and far below any error that matters.
 */
export const EBM_BOUND_REL_SLACK = 1e-6;

/**
 * Tolerance on the last step's global energy budget, relative to the size of its terms
 * (C/dt + B + 4·D/Δx²)·|T| + |A| + |F| + max|Q|: the solve's backward error per row is a few u
 * of those terms. Reference runs over the schema's extremes stayed below 1e-15 of it.
 */
export const EBM_BUDGET_REL_TOL = 1e-9;

/** Tolerance on the ice-edge position recomputed from the profile (x = sin latitude, 0..1): a handful of roundings of numbers ≤ 1. */
export const EBM_ICE_EDGE_TOL = 1e-12;

// Local copies of the codec's constants: the loops below read them per member.
const DIAGNOSTICS = EBM_DIAGNOSTICS;
const PARAMS = EBM_PARAMS_PER_MEMBER;
const HEADER = EBM_HEADER_BYTES;
const CONVERGED = EBM_STATUS.converged;
const NOT_CONVERGED = EBM_STATUS.notConverged;
const DIVERGED = EBM_STATUS.diverged;

/** c0 + c1·p + c2·p². */
const quad = (c0: number, c1: number, c2: number, p: number) => c0 + c1 * p + c2 * p * p;

/** Where c0 + c1·p + c2·p² has its extremum in (lo, hi), or `lo` when it has none there. */
function vertex(c1: number, c2: number, lo: number, hi: number): number {
  const p = c2 === 0 ? lo : -c1 / (2 * c2);
  return p > lo && p < hi ? p : lo;
}

/** Least of c0 + c1·p + c2·p² over p in [lo, hi]: at an end or at the vertex. */
function quadMin(c0: number, c1: number, c2: number, lo: number, hi: number): number {
  return Math.min(quad(c0, c1, c2, lo), quad(c0, c1, c2, hi), quad(c0, c1, c2, vertex(c1, c2, lo, hi)));
}

/** Largest of c0 + c1·p + c2·p² over p in [lo, hi]. */
function quadMax(c0: number, c1: number, c2: number, lo: number, hi: number): number {
  return Math.max(quad(c0, c1, c2, lo), quad(c0, c1, c2, hi), quad(c0, c1, c2, vertex(c1, c2, lo, hi)));
}

/** Sunlight absorbed at temperature t by a cell absorbing `warm` ice-free and `cold` as ice (the kernel's ramp). */
function absorbedAt(t: number, warm: number, cold: number, ice: boolean, tFreeze: number, w: number, invTwoW: number): number {
  if (!ice || t >= tFreeze + w) return warm;
  if (t <= tFreeze - w) return cold;
  return cold + (warm - cold) * ((t - (tFreeze - w)) * invTwoW);
}

/** The unit's header, or null when it is not an input the kernel runs (checks in ebmInputProblem's spirit). */
function header(input: Uint8Array) {
  if (input.byteLength < EBM_HEADER_BYTES) return null;
  const view = viewOf(input);
  const u32 = (at: number) => view.getUint32(at, true);
  const f64 = (at: number) => view.getFloat64(at, true);
  const layout = u32(0);
  const [n, m, maxSteps, flags] = [u32(4), u32(8), u32(12), u32(16)];
  const [dt, heatCapacity, tolerance, s2, a2, w] = [f64(24), f64(32), f64(40), f64(48), f64(56), f64(64)];
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  let ok = layout === EBM_LAYOUT && n >= 2 && m >= 1 && maxSteps >= 1 && (flags & ~(EBM_FLAG_ICE | EBM_FLAG_PROFILE)) === 0 && u32(20) === 0;
  ok = ok && input.byteLength === ebmInputBytes(m) && positive(dt) && positive(heatCapacity) && positive(tolerance);
  ok = ok && Number.isFinite(s2) && Number.isFinite(a2) && Number.isFinite(w) && w >= 0;
  for (let i = 0; ok && i < m * PARAMS; i++) ok = Number.isFinite(f64(HEADER + 8 * i));
  return { view, layout, ok, n, m, maxSteps, ice: (flags & EBM_FLAG_ICE) !== 0, profile: (flags & EBM_FLAG_PROFILE) !== 0, dt, heatCapacity, tolerance, s2, a2, w };
}

/**
 * Checks an EBM unit's output against its input.
 * @example
 * checkEbm(unit.input, ebmReference(unit.input)); // { status: 'plausible' }
 */
export function checkEbm(input: Uint8Array, output: Uint8Array): Plausibility {
  const h = header(input);
  if (h && h.layout !== EBM_LAYOUT) return UNCHECKED;
  if (!h || !h.ok) return implausible('the unit input is not one the EBM kernel runs, so no output can exist');
  const { view: inView, n, m, maxSteps, ice, profile, dt, heatCapacity, tolerance, s2, a2, w } = h;
  const want = ebmOutputBytes(n, m, profile);
  if (output.byteLength !== want) return implausible(`the output has ${output.byteLength} bytes; this unit's has ${want}`);
  const out = viewOf(output);
  const dx = 1 / n;
  const cdt = heatCapacity / dt;
  const kMax = 1 / (dx * dx);
  // The cells' P2(x) span [P2(x₀), P2(x_{n−1})] (P2 rises on 0..1), with these means of p and p².
  const p2 = (i: number) => {
    const x = (i + 0.5) * dx;
    return (3 * x * x - 1) * 0.5;
  };
  const pLo = p2(0);
  const pHi = p2(n - 1);
  let pSum = 0;
  let pSqSum = 0;
  for (let i = 0; i < n; i++) {
    const p = p2(i);
    pSum += p;
    pSqSum += p * p;
  }
  const mp = pSum / n;
  const mp2 = pSqSum / n;
  const invTwoW = w > 0 ? 1 / (2 * w) : 0;

  for (let j = 0; j < m; j++) {
    const pAt = HEADER + 8 * j * PARAMS;
    const a = inView.getFloat64(pAt, true);
    const b = inView.getFloat64(pAt + 8, true);
    const diff = inView.getFloat64(pAt + 16, true);
    const solar = inView.getFloat64(pAt + 24, true);
    const albedoWarm = inView.getFloat64(pAt + 32, true);
    const albedoIce = inView.getFloat64(pAt + 40, true);
    const tFreeze = inView.getFloat64(pAt + 48, true);
    const forcing = inView.getFloat64(pAt + 56, true);
    const tInit = inView.getFloat64(pAt + 64, true);
    const at = 8 * j * DIAGNOSTICS;
    const meanT = out.getFloat64(at, true);
    const edge = out.getFloat64(at + 8, true);
    const status = out.getFloat64(at + 16, true);
    const steps = out.getFloat64(at + 24, true);
    const residual = out.getFloat64(at + 32, true);

    if (status !== CONVERGED && status !== NOT_CONVERGED && status !== DIVERGED) {
      return implausible(`member ${j} status ${fmt(status)} is none of 1 (converged), 0 (not converged), -1 (diverged)`);
    }
    if (!Number.isInteger(steps) || steps < 1 || steps > maxSteps) return implausible(`member ${j} took ${fmt(steps)} steps, outside 1..${maxSteps}`);
    if (status === NOT_CONVERGED && steps !== maxSteps) return implausible(`member ${j} is not converged after ${steps} steps, but it had ${maxSteps}`);
    if ((status === DIVERGED) === Number.isFinite(meanT)) return implausible(`member ${j} has mean temperature ${fmt(meanT)} °C and status ${status}; the status is -1 exactly when the mean is not finite`);

    // Absorbed sunlight of a cell as a quadratic in p = P2(x): ice-free q·(1 + s2·p)·(1 − αw − a2·p),
    // ice q·(1 + s2·p)·(1 − αi), and the gap, ice minus ice-free; their extremes over the cells.
    const q = solar * 0.25;
    const w1 = q * (s2 * (1 - albedoWarm) - a2);
    const warmLo = quadMin(q * (1 - albedoWarm), w1, -q * s2 * a2, pLo, pHi);
    const warmHi = quadMax(q * (1 - albedoWarm), w1, -q * s2 * a2, pLo, pHi);
    const iceLo = quadMin(q * (1 - albedoIce), q * (1 - albedoIce) * s2, 0, pLo, pHi);
    const iceHi = quadMax(q * (1 - albedoIce), q * (1 - albedoIce) * s2, 0, pLo, pHi);
    const g1 = q * (a2 + s2 * (albedoWarm - albedoIce));
    const gapLo = quadMin(q * (albedoWarm - albedoIce), g1, q * s2 * a2, pLo, pHi);
    const gapHi = quadMax(q * (albedoWarm - albedoIce), g1, q * s2 * a2, pLo, pHi);
    const qMin = ice ? Math.min(warmLo, iceLo) : warmLo;
    const qMax = ice ? Math.max(warmHi, iceHi) : warmHi;
    const lo = Math.min(tInit, (qMin + forcing - a) / b);
    const hi = Math.max(tInit, (qMax + forcing - a) / b);
    const bounded = b > 0 && diff >= 0 && Number.isFinite(lo) && Number.isFinite(hi);
    const slack = EBM_BOUND_REL_SLACK * Math.max(Math.abs(lo), Math.abs(hi), 1);

    if (status === DIVERGED) {
      if (bounded) return implausible(`member ${j} is reported diverged, but its parameters bound every temperature to ${fmt(lo)}..${fmt(hi)} °C`);
      continue;
    }
    if (!(residual >= 0) || !Number.isFinite(residual)) return implausible(`member ${j} residual ${fmt(residual)} W m⁻² is not a finite number ≥ 0`);
    if (status === CONVERGED && !(residual < tolerance)) return implausible(`member ${j} is converged with residual ${fmt(residual)} W m⁻², not below the tolerance ${fmt(tolerance)}`);
    if (status === NOT_CONVERGED && residual < tolerance) return implausible(`member ${j} is not converged, yet its residual ${fmt(residual)} W m⁻² is below the tolerance ${fmt(tolerance)}`);
    const edgeInside = edge >= 0.5 * dx - EBM_ICE_EDGE_TOL && edge <= 1 - 0.5 * dx + EBM_ICE_EDGE_TOL;
    if (edge !== 0 && edge !== 1 && !edgeInside) return implausible(`member ${j} ice edge x = ${fmt(edge)} is neither 0, 1 nor between cell centres`);
    if (edge === 1 && meanT < tFreeze - slack) return implausible(`member ${j} has no ice (edge x = 1) but mean temperature ${fmt(meanT)} °C below freezing (${fmt(tFreeze)} °C)`);

    if (bounded) {
      if (!(meanT >= lo - slack && meanT <= hi + slack)) return implausible(`member ${j} mean temperature ${fmt(meanT)} °C is outside ${fmt(lo)}..${fmt(hi)} °C, the bounds its parameters impose`);
      if (!(residual <= cdt * (hi - lo + 2 * slack))) return implausible(`member ${j} residual ${fmt(residual)} W m⁻² is above C/dt × (${fmt(lo)}..${fmt(hi)} °C), the largest step possible`);
    }

    // The last step's global budget: the rows of the implicit step summed over the cells (the
    // diffusion fluxes cancel, k is 0 at both ends) give B·mean T + A − F − mean Q(Tⁿ) =
    // (C/dt)·mean(Tⁿ − Tⁿ⁺¹), at most the residual in size. Q(Tⁿ) is known to an interval.
    let qMeanLo: number;
    let qMeanHi: number;
    let tSum = 0;
    let tAbsSum = 0;
    if (profile) {
      const delta = residual / cdt;
      let edgeRe = 1;
      qMeanLo = 0;
      qMeanHi = 0;
      for (let i = 0; i < n; i++) {
        const ti = out.getFloat64(8 * (m * DIAGNOSTICS + j * n + i), true);
        if (!Number.isFinite(ti)) return implausible(`member ${j} cell ${i} temperature is ${fmt(ti)} though the member did not diverge`);
        if (bounded && !(ti >= lo - slack && ti <= hi + slack)) return implausible(`member ${j} cell ${i} temperature ${fmt(ti)} °C is outside ${fmt(lo)}..${fmt(hi)} °C, the bounds its parameters impose`);
        const p = p2(i);
        const qs = q * (1 + s2 * p);
        const warm = qs * (1 - (albedoWarm + a2 * p));
        const cold = qs * (1 - albedoIce);
        const q1 = absorbedAt(ti - delta, warm, cold, ice, tFreeze, w, invTwoW);
        const q2 = absorbedAt(ti + delta, warm, cold, ice, tFreeze, w, invTwoW);
        qMeanLo += Math.min(q1, q2);
        qMeanHi += Math.max(q1, q2);
        tSum += ti;
        tAbsSum += Math.abs(ti);
        if (edgeRe === 1 && ti < tFreeze) {
          const prev = i === 0 ? 0 : out.getFloat64(8 * (m * DIAGNOSTICS + j * n + i - 1), true);
          edgeRe = i === 0 ? 0 : (i - 1 + 0.5) * dx + ((prev - tFreeze) / (prev - ti)) * dx;
        }
      }
      qMeanLo /= n;
      qMeanHi /= n;
      if (!(Math.abs(meanT - tSum / n) <= 2 * (n + 2) * U * (tAbsSum / n))) return implausible(`member ${j} mean temperature ${fmt(meanT)} °C disagrees with its profile's mean ${fmt(tSum / n)} °C`);
      if (!(Math.abs(edge - edgeRe) <= EBM_ICE_EDGE_TOL)) return implausible(`member ${j} ice edge x = ${fmt(edge)} disagrees with its profile's ${fmt(edgeRe)}`);
    } else {
      // Cell means of the two albedos' sunlight, exact; with ice each cell takes a value between them.
      const warmMean = q * ((1 - albedoWarm) * (1 + s2 * mp) - a2 * (mp + s2 * mp2));
      const iceMean = q * (1 - albedoIce) * (1 + s2 * mp);
      qMeanLo = ice ? Math.max(warmMean + Math.min(gapLo, 0), iceMean - Math.max(gapHi, 0)) : warmMean;
      qMeanHi = ice ? Math.min(warmMean + Math.max(gapHi, 0), iceMean - Math.min(gapLo, 0)) : warmMean;
    }
    if (bounded) {
      const tAbs = profile ? Math.max(Math.abs(lo), Math.abs(hi), tAbsSum / n) : Math.max(Math.abs(lo), Math.abs(hi));
      const scale = (cdt + b + 4 * diff * kMax) * tAbs + Math.abs(a) + Math.abs(forcing) + Math.max(Math.abs(qMin), Math.abs(qMax));
      const tol = EBM_BUDGET_REL_TOL * scale;
      const budget = b * meanT + a - forcing;
      if (!(budget >= qMeanLo - residual - tol && budget <= qMeanHi + residual + tol)) {
        return implausible(`member ${j} energy budget B·T̄ + A − F = ${fmt(budget)} W m⁻² is outside ${fmt(qMeanLo - residual)}..${fmt(qMeanHi + residual)}, the absorbed sunlight ± the residual`);
      }
    }
  }
  return PLAUSIBLE;
}
