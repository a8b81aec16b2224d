/**
 * @module Plausibility of a Lorenz-96 result (kernel `lorenz96`, layout 1, see
 * shared/kernels/lorenz96.codec.ts): states bounded by the model's absorbing ball when the
 * integration is resolved, non-finite values that stay non-finite, and diagnostics that agree
 * with the snapshots and with one RK4 step recomputed from the unit's initial states.
 *
 * The bound. With E = Σ x_v² / 2, the advection term conserves E (Lorenz 1996), so
 * dE/dt = −2E + F·Σ x_v ≤ −2E + |F|·√n·√(2E): the ball ‖x‖ ≤ |F|·√n absorbs, and a trajectory
 * never leaves the ball of radius max(‖x₀‖, |F|·√n). Per member, with the codec's energy
 * e = Σ x_v² / (2n), that is e(t) ≤ max(e₀, F²/2) for the exact flow. The kernel's RK4 keeps
 * this only when its step resolves the dynamics: for schema-valid units with dt × amplitude
 * ≳ 0.9 (F = 1000, dt = 0.001; F = 8, dt = 0.1 from perturbations of 10) the reference run
 * itself overflows to NaN. Such an output is the honest, deterministic answer, so it must
 * pass: the finite-and-bounded rule applies to resolved members only, and the consistency
 * rules apply to every member.
 */
import { L96_DIAGNOSTICS, L96_HEADER_BYTES, L96_LAYOUT, l96InputBytes, l96OutputBytes, l96Snapshots } from '../../../shared/kernels/lorenz96.codec.ts';
import { F64_UNIT_ROUNDOFF as U, PLAUSIBLE, UNCHECKED, fmt, implausible, nonFinite, viewOf, type Plausibility } from './answer.ts';

/**
 * Largest dt × amplitude (amplitude √(2·max(e₀, F²/2)) = max(rms x₀, |F|); dimensionless) for
 * which a member counts as resolved and must stay finite and bounded. RK4 is stable for
 * |λ·dt| up to about 2.8 on the imaginary axis; the Jacobian's spectral radius is at most
 * 1 + 4·max|x_v| (Gershgorin), and reference runs reach max|x_v| ≈ 3.4 × amplitude, so
 * linear stability holds up to dt ≈ 2.8 / (1 + 4 · 3.4 · amplitude) ≈ 0.2 / amplitude.
 * Reference runs first blew up at 0.89 (n = 4…40, F from 0.3 to ±1000, perturbations up to
 * 10): 0.2 keeps a factor 4.4 from any blow-up seen.
 */
export const L96_RESOLVED_DT_AMPLITUDE_MAX = 0.2;

/**
 * Factor on the absorbing-ball energy max(e₀, F²/2) that a resolved member's energy may reach.
 * The exact flow stays at ≤ 1; reference runs of resolved members stayed at ≤ 1 + 1e-15, and
 * even unresolved ones that did not blow up at ≤ 1.006. 2 (a radius √2 larger) leaves room for
 * RK4's truncation error at any resolved step.
 */
export const L96_ENERGY_BOUND_FACTOR = 2;

/**
 * Relative slack on the state and energy after step 1, recomputed here from the unit's initial
 * states: with a snapshot every step it must match snapshot 0 (state differences relative to
 * its rms amplitude), and otherwise its energy enters the time-mean's lower bound. The same
 * operation order gives the same bits; another order (a later kernel build) differs by a few u
 * times the step's condition number, far below this.
 */
export const L96_FIRST_STEP_REL_TOL = 1e-6;

// Local copies of the codec's constants, read in the loops below.
const HEADER = L96_HEADER_BYTES;
const DIAGNOSTICS = L96_DIAGNOSTICS;

/** The unit's header, or null when the input is shorter than one; `ok` is false when the kernel would refuse the unit. */
function header(input: Uint8Array) {
  if (input.byteLength < L96_HEADER_BYTES) return null;
  const view = viewOf(input);
  const u32 = (at: number) => view.getUint32(at, true);
  const [layout, n, m, steps, snapEvery, reserved] = [u32(0), u32(4), u32(8), u32(12), u32(16), u32(20)];
  const [dt, forcing] = [view.getFloat64(24, true), view.getFloat64(32, true)];
  const runs = n >= 4 && m >= 1 && steps >= 1 && snapEvery >= 1 && steps % snapEvery === 0 && reserved === 0;
  const ok = layout === L96_LAYOUT && runs && input.byteLength === l96InputBytes(n, m) && Number.isFinite(dt) && Number.isFinite(forcing);
  return { view, layout, ok, n, m, steps, snapEvery, dt, forcing };
}

/** k = f(z): dz_v/dt = (z[v+1] − z[v−2])·z[v−1] − z[v] + F, indices cyclic (the kernel's order). */
function tendency(z: Float64Array, k: Float64Array, n: number, forcing: number): void {
  for (let v = 0; v < n; v++) k[v] = (z[(v + 1) % n]! - z[(v + n - 2) % n]!) * z[(v + n - 1) % n]! - z[v]! + forcing;
}

/** Scratch for one RK4 step of an n-variable member: the state, the stage input and k1…k4. */
interface Rk4Scratch {
  x: Float64Array;
  y: Float64Array;
  k1: Float64Array;
  k2: Float64Array;
  k3: Float64Array;
  k4: Float64Array;
}

/**
 * One RK4 step of `s.x` in place (same operation order as kernels/lorenz96/reference.ts);
 * returns the new energy Σ x_v² / (2n).
 */
function rk4StepEnergy(s: Rk4Scratch, n: number, dt: number, forcing: number): number {
  const { x, y, k1, k2, k3, k4 } = s;
  const h2 = dt * 0.5;
  const h6 = dt / 6;
  tendency(x, k1, n, forcing);
  for (let v = 0; v < n; v++) y[v] = x[v]! + h2 * k1[v]!;
  tendency(y, k2, n, forcing);
  for (let v = 0; v < n; v++) y[v] = x[v]! + h2 * k2[v]!;
  tendency(y, k3, n, forcing);
  for (let v = 0; v < n; v++) y[v] = x[v]! + dt * k3[v]!;
  tendency(y, k4, n, forcing);
  let sum = 0;
  for (let v = 0; v < n; v++) {
    x[v] = x[v]! + h6 * (k1[v]! + 2 * k2[v]! + 2 * k3[v]! + k4[v]!);
    sum += x[v]! * x[v]!;
  }
  return sum / (2 * n);
}

/**
 * Whether a recomputed sum agrees with the kernel's: NaN and ±Infinity (order-independent
 * outcomes of NaN or infinite terms) must match exactly; finite sums within Higham's bound
 * γ_terms·Σ|terms| (any summation order); a sum that overflowed here is not judged.
 */
function agrees(reported: number, recomputed: number, absSum: number, terms: number, termsNonFinite: boolean): boolean {
  if (termsNonFinite) return Object.is(reported, recomputed) || (Number.isNaN(reported) && Number.isNaN(recomputed));
  if (nonFinite(recomputed) || nonFinite(absSum)) return true;
  return Math.abs(reported - recomputed) <= 2 * (terms + 2) * U * absSum;
}

/**
 * Checks a Lorenz-96 unit's output against its input.
 * @example
 * checkLorenz96(unit.input, lorenz96Reference(unit.input)); // { status: 'plausible' }
 */
export function checkLorenz96(input: Uint8Array, output: Uint8Array): Plausibility {
  const h = header(input);
  if (h && h.layout !== L96_LAYOUT) return UNCHECKED;
  if (!h || !h.ok) return implausible('the unit input is not one the Lorenz-96 kernel runs, so no output can exist');
  const { view: inView, n, m, steps, snapEvery, dt, forcing } = h;
  const s = l96Snapshots(steps, snapEvery);
  const want = l96OutputBytes(n, m, steps, snapEvery);
  if (output.byteLength !== want) return implausible(`the output has ${output.byteLength} bytes; this unit's has ${want}`);
  const out = viewOf(output);
  const x = (member: number, snap: number, v: number) => out.getFloat64(8 * ((member * s + snap) * n + v), true);
  const x0 = (member: number, v: number) => inView.getFloat64(HEADER + 8 * (member * n + v), true);
  const f64s = () => new Float64Array(n);
  const scratch: Rk4Scratch = { x: f64s(), y: f64s(), k1: f64s(), k2: f64s(), k3: f64s(), k4: f64s() };
  const ballEnergy = (forcing * forcing) / 2;

  for (let j = 0; j < m; j++) {
    let e0 = 0;
    for (let v = 0; v < n; v++) {
      const xv = x0(j, v);
      scratch.x[v] = xv;
      e0 += xv * xv;
    }
    e0 /= 2 * n;
    const bound = Math.max(e0, ballEnergy);
    const dtAmplitude = dt * Math.sqrt(2 * bound);
    const resolved = dt > 0 && dtAmplitude <= L96_RESOLVED_DT_AMPLITUDE_MAX;
    const energyMax = L96_ENERGY_BOUND_FACTOR * bound;
    const e1 = rk4StepEnergy(scratch, n, dt, forcing);
    if (snapEvery === 1 && Number.isFinite(e1)) {
      // Snapshot 0 is the state after step 1, which is known.
      const slack = L96_FIRST_STEP_REL_TOL * Math.sqrt(2 * e1);
      for (let v = 0; v < n; v++) {
        const got = x(j, 0, v);
        const exact = scratch.x[v]!;
        if (!(Math.abs(got - exact) <= slack + L96_FIRST_STEP_REL_TOL * Math.abs(exact))) {
          return implausible(`member ${j} variable ${v} is ${fmt(got)} after step 1; one RK4 step from the unit's initial state gives ${fmt(exact)}`);
        }
      }
    }

    // Snapshots: finite and bounded when resolved; a non-finite variable stays non-finite
    // (x + h·k is NaN or ±Inf whenever x is), from x₀ on.
    let snapEnergySum = 0;
    for (let k = 0; k < s; k++) {
      let sq = 0;
      for (let v = 0; v < n; v++) {
        const xv = x(j, k, v);
        if (nonFinite(xv)) {
          if (resolved) return implausible(`member ${j} snapshot ${k} variable ${v} is ${fmt(xv)}; its step is resolved (dt·amplitude ${fmt(dtAmplitude)} ≤ ${L96_RESOLVED_DT_AMPLITUDE_MAX}), so every state is finite`);
        } else if (nonFinite(k === 0 ? x0(j, v) : x(j, k - 1, v))) {
          return implausible(`member ${j} variable ${v} is finite (${fmt(xv)}) at snapshot ${k} after being NaN or infinite, which never happens`);
        }
        sq += xv * xv;
      }
      const energy = sq / (2 * n);
      if (resolved && !(energy <= energyMax)) {
        return implausible(`member ${j} snapshot ${k} has energy ${fmt(energy)}, above ${fmt(energyMax)} (${L96_ENERGY_BOUND_FACTOR} × the absorbing bound max(e₀, F²/2))`);
      }
      snapEnergySum += energy;
    }

    // Diagnostics: the final state's mean and energy, recomputed from the last snapshot.
    const d = 8 * (m * s * n + j * DIAGNOSTICS);
    const meanD = out.getFloat64(d, true);
    const energyD = out.getFloat64(d + 8, true);
    const timeMeanD = out.getFloat64(d + 16, true);
    let sum = 0;
    let absSum = 0;
    let sq = 0;
    let finalNaN = false;
    let finalNonFinite = false;
    for (let v = 0; v < n; v++) {
      const xv = x(j, s - 1, v);
      if (nonFinite(xv)) finalNonFinite = true;
      if (Number.isNaN(xv)) finalNaN = true;
      sum += xv;
      absSum += Math.abs(xv);
      sq += xv * xv;
    }
    if (!agrees(meanD, sum / n, absSum / n, n, finalNonFinite)) return implausible(`member ${j} final mean ${fmt(meanD)} disagrees with its last snapshot's ${fmt(sum / n)}`);
    if (!agrees(energyD, sq / (2 * n), sq / (2 * n), n, finalNonFinite)) {
      return implausible(`member ${j} final energy ${fmt(energyD)} disagrees with its last snapshot's ${fmt(sq / (2 * n))}`);
    }

    // Time-mean energy: NaN exactly when a NaN ever appeared (NaN states stay NaN, so then the
    // last snapshot holds one); otherwise at least the mean of the energies it summed that we
    // know (every snapshot's, and step 1's), since every summed term is ≥ 0.
    if (Number.isNaN(timeMeanD) !== finalNaN) {
      return implausible(`member ${j} time-mean energy is ${fmt(timeMeanD)} while its last snapshot ${finalNaN ? 'holds' : 'holds no'} NaN`);
    }
    if (finalNaN) continue;
    const known = snapEnergySum + (snapEvery > 1 && Number.isFinite(e1) ? e1 * (1 - L96_FIRST_STEP_REL_TOL) : 0);
    // An energy that overflowed here may not have in another summation order: no bound then.
    if (!Number.isFinite(known)) continue;
    const sumTol = 2 * (steps + n + 4) * U;
    const lower = ((known * (1 - sumTol)) / steps) * (1 - sumTol);
    if (!(timeMeanD >= lower)) return implausible(`member ${j} time-mean energy ${fmt(timeMeanD)} is below ${fmt(lower)}, the mean of the energies it includes`);
    if (resolved && !(timeMeanD <= energyMax)) return implausible(`member ${j} time-mean energy ${fmt(timeMeanD)} is above the bound ${fmt(energyMax)}`);
    if (snapEvery === 1) {
      // Every step is a snapshot: the time mean is known to rounding.
      const upper = ((known * (1 + sumTol)) / steps) * (1 + sumTol);
      if (!(timeMeanD <= upper)) return implausible(`member ${j} time-mean energy ${fmt(timeMeanD)} is above ${fmt(upper)}, the mean of its snapshots' energies`);
    }
  }
  return PLAUSIBLE;
}
