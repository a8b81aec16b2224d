/**
 * @module Energy-balance-model ensemble kernel: the kernel ABI of shared/kernels/abi.ts over
 * the byte layout of shared/kernels/ebm.codec.ts. One work unit is one time step of one
 * member; a member that reaches equilibrium early counts its remaining steps as done.
 *
 * The model (North 1975; Budyko 1969, Sellers 1969), in x = sin(latitude) on [0, 1] with
 * hemispheric symmetry, T in °C:
 *   C ∂T/∂t = Q·s(x)·(1 − α(x, T)) − (A + B·T) + F + D ∂/∂x[(1 − x²) ∂T/∂x]
 * with Q = S0/4, s(x) = 1 + s2·P2(x), ice-free albedo αw + a2·P2(x), ice albedo αi below
 * Tf − w, linear in T between Tf − w and Tf + w (w = 0: a step at Tf). Finite volumes on N
 * cells of width dx = 1/N (no flux at the equator by symmetry, none at the pole where
 * 1 − x² = 0); time steps are backward Euler for diffusion and radiation with the albedo
 * taken from the old temperature, so each step is one tridiagonal (Thomas) solve.
 *
 * Floating-point operation order, shared bit for bit with ../reference.ts and ../ebm.c
 * (IEEE binary64, round to nearest, no fused multiply-add, nothing reassociated):
 *   dx = 1 / N;  x_i = (i + 0.5)·dx;  P2_i = ((3·x_i)·x_i − 1)·0.5;  s_i = 1 + s2·P2_i
 *   k_i = (1 − xf·xf) / (dx·dx), xf = (i + 1)·dx, for faces i+½, i < N−1;  k_{N−1} = 0
 * per member:
 *   cdt = C / dt;  q = S0·0.25;  lo_i = −(D·k_{i−1}) (k_{−1} = 0);  up_i = −(D·k_i)
 *   diag_i = ((cdt + B) − lo_i) − up_i
 *   inv_0 = 1 / diag_0;  inv_i = 1 / (diag_i − lo_i·cp_{i−1});  cp_i = up_i·inv_i;  g_i = lo_i·inv_i
 *   aw_i = (q·s_i)·(1 − (αw + a2·P2_i));  ai_i = (q·s_i)·(1 − αi);  fa = F − A
 *   tLo = Tf − w;  tHi = Tf + w;  h = w > 0 ? 1 / (2·w) : 0;  T_i = Tinit
 * one step:
 *   abs_i = no ice feedback or T_i ≥ tHi ? aw_i : T_i ≤ tLo ? ai_i : ai_i + (aw_i − ai_i)·((T_i − tLo)·h)
 *   r_i = (cdt·T_i + abs_i) + fa
 *   d_0 = r_0·inv_0;  d_i = r_i·inv_i − g_i·d_{i−1}
 *   T'_{N−1} = d_{N−1};  T'_i = d_i − cp_i·T'_{i+1}   (i descending)
 *   δ = |T'_{N−1} − T_{N−1}|, then for i descending: δ = |T'_i − T_i| > δ ? |T'_i − T_i| : δ
 *   residual = cdt·δ;  equilibrium when residual < tolerance
 * per member output:
 *   mean = (Σ_i T_i, ascending from 0.0) / N
 *   ice edge: the first i with T_i < Tf: none → 1, i = 0 → 0, else
 *             (i − 1 + 0.5)·dx + ((T_{i−1} − Tf) / (T_{i−1} − T_i))·dx
 *   status: mean not finite → −1, equilibrium → 1, else 0
 *
 * Memory (one instance runs one unit, so nothing is ever freed): the input at a 16-aligned
 * base; after `init`, the grid (k, P2, s: 3·N f64), the member's work vectors (cp, inv, g,
 * aw, ai, T, d: 7·N f64), then the output.
 */
import {
  EBM_ERR_CELLS,
  EBM_ERR_FLAGS,
  EBM_ERR_GRID_PARAMS,
  EBM_ERR_INIT_TWICE,
  EBM_ERR_INPUT_LENGTH,
  EBM_ERR_LAYOUT,
  EBM_ERR_MEMBER_PARAM,
  EBM_ERR_MEMBERS,
  EBM_ERR_NOT_READY,
  EBM_ERR_OUT_OF_MEMORY,
  EBM_ERR_RESERVED,
  EBM_ERR_SHORT_INPUT,
  EBM_ERR_STEPS,
  EBM_ERR_TIME,
} from '../codes';
import { ensureMemory, inLen, inPtr, storeCanonical } from '../../common/assembly/memory';
/** The ABI's input_alloc (shared/kernels/abi.ts), the same for every kernel. */
export { input_alloc } from '../../common/assembly/memory';

const HEADER: usize = 72;
const PARAMS: u32 = 9;
const DIAGNOSTICS: u32 = 5;
const FLAG_ICE: u32 = 1;
const FLAG_PROFILE: u32 = 2;

// The unit, as init() parsed it.
let initCalled = false;
let ready = false;
let n: u32 = 0;
let m: u32 = 0;
let maxSteps: u32 = 0;
let ice = false;
let profile = false;
let dt: f64 = 0;
let heatCapacity: f64 = 0;
let tolerance: f64 = 0;
let a2: f64 = 0;
let rampW: f64 = 0;
let outPtr: usize = 0;
let outLen: usize = 0;

// Grid vectors, then the current member's work vectors (byte addresses).
let kP: usize = 0;
let p2P: usize = 0;
let sP: usize = 0;
let cpP: usize = 0;
let invP: usize = 0;
let gP: usize = 0;
let awP: usize = 0;
let aiP: usize = 0;
let tP: usize = 0;
let dP: usize = 0;

// The current member's constants, set when it starts.
let cdt: f64 = 0;
let fa: f64 = 0;
let tFreeze: f64 = 0;
let tLo: f64 = 0;
let tHi: f64 = 0;
let rampH: f64 = 0;

// Progress, kept between step() calls.
let member: u32 = 0;
let memberStarted = false;
let stepInMember: u32 = 0;
let residual: f64 = 0;
let workDone: f64 = 0;

/** Stores `v` with every NaN replaced by the canonical quiet NaN (abi.ts). */
@inline function at(base: usize, i: u32): usize {
  return base + (<usize>i << 3);
}

@inline function positiveFinite(v: f64): bool {
  return isFinite(v) && v > 0;
}

/** Member j's parameter k (see EBM_MEMBER_PARAMS). */
@inline function param(j: u32, k: u32): f64 {
  return load<f64>(inPtr + HEADER + 8 * (<usize>j * PARAMS + k));
}

/** Parses the header and builds the grid; 0 when ready, else one of the EBM_ERR_* codes. */
export function init(): i32 {
  if (initCalled) return EBM_ERR_INIT_TWICE;
  initCalled = true;
  if (inPtr == 0 || inLen < HEADER) return EBM_ERR_SHORT_INPUT;
  if (load<u32>(inPtr) != 1) return EBM_ERR_LAYOUT;
  n = load<u32>(inPtr, 4);
  m = load<u32>(inPtr, 8);
  maxSteps = load<u32>(inPtr, 12);
  const flags = load<u32>(inPtr, 16);
  if (n < 2) return EBM_ERR_CELLS;
  if (m < 1) return EBM_ERR_MEMBERS;
  if (maxSteps < 1) return EBM_ERR_STEPS;
  if ((flags & ~(FLAG_ICE | FLAG_PROFILE)) != 0) return EBM_ERR_FLAGS;
  if (load<u32>(inPtr, 20) != 0) return EBM_ERR_RESERVED;
  const paramBytes = <u64>inLen - <u64>HEADER;
  if (paramBytes % 72 != 0 || paramBytes / 72 != <u64>m) return EBM_ERR_INPUT_LENGTH;
  dt = load<f64>(inPtr, 24);
  heatCapacity = load<f64>(inPtr, 32);
  tolerance = load<f64>(inPtr, 40);
  const s2 = load<f64>(inPtr, 48);
  a2 = load<f64>(inPtr, 56);
  rampW = load<f64>(inPtr, 64);
  if (!positiveFinite(dt) || !positiveFinite(heatCapacity) || !positiveFinite(tolerance)) return EBM_ERR_TIME;
  if (!isFinite(s2) || !isFinite(a2) || !isFinite(rampW) || rampW < 0) return EBM_ERR_GRID_PARAMS;
  for (let j: u32 = 0; j < m; j++) {
    for (let k: u32 = 0; k < PARAMS; k++) if (!isFinite(param(j, k))) return EBM_ERR_MEMBER_PARAM;
  }
  ice = (flags & FLAG_ICE) != 0;
  profile = (flags & FLAG_PROFILE) != 0;

  const vec = 8 * <u64>n;
  const gridAt = (<u64>inPtr + <u64>inLen + 15) & ~(<u64>15);
  const outAt = gridAt + 10 * vec;
  const bytes = 8 * <u64>m * (<u64>DIAGNOSTICS + (profile ? <u64>n : 0));
  if (!ensureMemory(outAt + bytes)) return EBM_ERR_OUT_OF_MEMORY;
  kP = <usize>gridAt;
  p2P = kP + <usize>vec;
  sP = p2P + <usize>vec;
  cpP = sP + <usize>vec;
  invP = cpP + <usize>vec;
  gP = invP + <usize>vec;
  awP = gP + <usize>vec;
  aiP = awP + <usize>vec;
  tP = aiP + <usize>vec;
  dP = tP + <usize>vec;
  outPtr = <usize>outAt;
  outLen = <usize>bytes;

  const dx = 1.0 / <f64>n;
  for (let i: u32 = 0; i < n; i++) {
    const x = (<f64>i + 0.5) * dx;
    const p2 = (3.0 * x * x - 1.0) * 0.5;
    store<f64>(at(p2P, i), p2);
    store<f64>(at(sP, i), 1.0 + s2 * p2);
    let k: f64 = 0;
    if (i < n - 1) {
      const xf = <f64>(i + 1) * dx;
      k = (1.0 - xf * xf) / (dx * dx);
    }
    store<f64>(at(kP, i), k);
  }
  ready = true;
  return 0;
}

/** Factorises member `member`'s matrix and sets its constants and initial state. */
function startMember(): void {
  const j = member;
  const a = param(j, 0);
  const b = param(j, 1);
  const diff = param(j, 2);
  const q = param(j, 3) * 0.25;
  const albedoWarm = param(j, 4);
  const coIce = 1.0 - param(j, 5);
  tFreeze = param(j, 6);
  fa = param(j, 7) - a;
  const tInit = param(j, 8);
  cdt = heatCapacity / dt;
  const cdtB = cdt + b;
  let cpPrev: f64 = 0;
  let kPrev: f64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const lo = -(diff * kPrev);
    const kI = load<f64>(at(kP, i));
    const up = -(diff * kI);
    const diag = cdtB - lo - up;
    const inv = 1.0 / (i == 0 ? diag : diag - lo * cpPrev);
    cpPrev = up * inv;
    store<f64>(at(invP, i), inv);
    store<f64>(at(cpP, i), cpPrev);
    store<f64>(at(gP, i), lo * inv);
    const qs = q * load<f64>(at(sP, i));
    store<f64>(at(awP, i), qs * (1.0 - (albedoWarm + a2 * load<f64>(at(p2P, i)))));
    store<f64>(at(aiP, i), qs * coIce);
    store<f64>(at(tP, i), tInit);
    kPrev = kI;
  }
  tLo = tFreeze - rampW;
  tHi = tFreeze + rampW;
  rampH = rampW > 0 ? 1.0 / (2.0 * rampW) : 0;
  stepInMember = 0;
  residual = 0;
  memberStarted = true;
}

/** r_i = (C/dt·T_i + absorbed_i) + (F − A) for the cell at byte offset `off`. */
@inline function rhs(t0: usize, aw0: usize, ai0: usize, off: usize, c: f64, f: f64, feedback: bool, hi: f64, lo: f64, h: f64): f64 {
  const t = load<f64>(t0 + off);
  const aw = load<f64>(aw0 + off);
  if (!feedback) return c * t + aw + f;
  // Branch-free (wasm `select`): which side of the freezing ramp a cell is on changes from
  // cell to cell, so a branch would mispredict. The same value as the branching form: the
  // ramp is computed either way and only chosen where it applies (NaN takes the ice-free side).
  const ai = load<f64>(ai0 + off);
  const ramp = ai + (aw - ai) * ((t - lo) * h);
  const absorbed = select<f64>(select<f64>(ai, ramp, t <= lo), aw, t < hi);
  return c * t + absorbed + f;
}

/**
 * One backward-Euler step of the current member; returns the residual (W m⁻²). Globals are
 * read into locals first: V8 keeps wasm locals in registers, but reads a mutable global from
 * memory at every use.
 */
function timeStep(): f64 {
  const last = <usize>(n - 1) << 3;
  const c = cdt;
  const f = fa;
  const feedback = ice;
  const hi = tHi;
  const lo = tLo;
  const h = rampH;
  const t0 = tP;
  const aw0 = awP;
  const ai0 = aiP;
  const inv0 = invP;
  const g0 = gP;
  const d0 = dP;
  const cp0 = cpP;
  // Forward elimination: d_0 = r_0·inv_0, d_i = r_i·inv_i − g_i·d_{i−1}, with
  // r_i = (C/dt·T_i + absorbed_i) + (F − A) and the absorbed sunlight of the module comment.
  let d = rhs(t0, aw0, ai0, 0, c, f, feedback, hi, lo, h) * load<f64>(inv0);
  store<f64>(d0, d);
  for (let off: usize = 8; off <= last; off += 8) {
    d = rhs(t0, aw0, ai0, off, c, f, feedback, hi, lo, h) * load<f64>(inv0 + off) - load<f64>(g0 + off) * d;
    store<f64>(d0 + off, d);
  }
  // Back substitution, tracking the largest change.
  let next = d;
  let delta = Math.abs(next - load<f64>(t0 + last));
  store<f64>(t0 + last, next);
  for (let off = <isize>last - 8; off >= 0; off -= 8) {
    next = load<f64>(d0 + <usize>off) - load<f64>(cp0 + <usize>off) * next;
    const change = Math.abs(next - load<f64>(t0 + <usize>off));
    delta = change > delta ? change : delta;
    store<f64>(t0 + <usize>off, next);
  }
  return c * delta;
}

/** Writes the current member's diagnostics (and profile) to the output. */
function finishMember(converged: bool): void {
  let sum: f64 = 0;
  for (let i: u32 = 0; i < n; i++) sum += load<f64>(at(tP, i));
  const mean = sum / <f64>n;
  const dx = 1.0 / <f64>n;
  let edge: f64 = 1;
  for (let i: u32 = 0; i < n; i++) {
    const t = load<f64>(at(tP, i));
    if (t < tFreeze) {
      if (i == 0) {
        edge = 0;
      } else {
        const tPrev = load<f64>(at(tP, i - 1));
        edge = (<f64>(i - 1) + 0.5) * dx + ((tPrev - tFreeze) / (tPrev - t)) * dx;
      }
      break;
    }
  }
  const status: f64 = !isFinite(mean) ? -1 : converged ? 1 : 0;
  const o = outPtr + 8 * <usize>member * DIAGNOSTICS;
  storeCanonical(o, mean);
  storeCanonical(o + 8, edge);
  store<f64>(o + 16, status);
  store<f64>(o + 24, <f64>stepInMember);
  storeCanonical(o + 32, residual);
  if (profile) {
    const p = outPtr + 8 * (<usize>m * DIAGNOSTICS + <usize>member * <usize>n);
    for (let i: u32 = 0; i < n; i++) storeCanonical(p + (<usize>i << 3), load<f64>(at(tP, i)));
  }
}

/**
 * Does at most `budget` member-steps, members in order. `budget` is an f64 so any JS number
 * arrives unchanged (an i32 would wrap 2^32 to 0); below 1 or NaN it does nothing.
 */
export function step(budget: f64): i32 {
  if (!ready) return EBM_ERR_NOT_READY;
  let left = Math.floor(budget);
  while (member < m && left >= 1) {
    if (!memberStarted) startMember();
    let converged = false;
    while (stepInMember < maxSteps && left >= 1) {
      residual = timeStep();
      stepInMember++;
      left -= 1;
      workDone += 1;
      if (residual < tolerance) {
        converged = true;
        break;
      }
    }
    if (converged || stepInMember == maxSteps) {
      finishMember(converged);
      // Steps an early equilibrium did not need count as done, so progress reaches the total.
      workDone += <f64>(maxSteps - stepInMember);
      member++;
      memberStarted = false;
    }
  }
  return member < m ? 1 : 0;
}

/** Member-steps done so far (f64: m·maxSteps may pass 2^31). */
export function work_done(): f64 {
  return workDone;
}

/** Member-steps in the unit at most, m·maxSteps; 0 before a successful init. */
export function work_total(): f64 {
  return ready ? <f64>m * <f64>maxSteps : 0;
}

/** Where the output bytes start (valid once step() returned 0). */
export function output_ptr(): usize {
  return outPtr;
}

/** Output length in bytes: 8·m·(5 + N with profiles). */
export function output_len(): usize {
  return outLen;
}
