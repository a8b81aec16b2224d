/**
 * @module Lorenz-96 ensemble kernel: the kernel ABI of shared/kernels/abi.ts over the byte
 * layout of shared/kernels/lorenz96.codec.ts. One work unit is one RK4 step of one member.
 *
 * Floating-point operation order, shared bit for bit with ../reference.ts and ../lorenz96.c
 * (IEEE binary64, round to nearest, no fused multiply-add, nothing reassociated):
 *   f_v(y) = ((y[v+1] − y[v−2]) · y[v−1] − y[v]) + F          indices cyclic mod n
 *   h2 = dt · 0.5,  h6 = dt / 6
 *   k1 = f(x);  y2 = x + h2·k1;  k2 = f(y2);  y3 = x + h2·k2;  k3 = f(y3);  y4 = x + dt·k3
 *   k4 = f(y4); x' = x + h6·(((k1 + 2·k2) + 2·k3) + k4)
 *   energy E = (Σ_v x_v·x_v) / (2·n), sum from 0.0 in ascending v
 *   spatial mean = (Σ_v x_v) / n, sum from 0.0 in ascending v
 *   time-mean energy = (Σ_j E_j) / steps, sum from 0.0 over steps j = 1..steps in order
 *
 * Memory (one instance runs one unit, so nothing is ever freed): the input at a 16-aligned
 * base; after `init`, three work vectors of n f64 (y, y', accumulated k) and the output. A
 * member is integrated in place in its own slice of the input, so x0 is read exactly once.
 */
import {
  L96_ERR_DT,
  L96_ERR_FORCING,
  L96_ERR_INIT_TWICE,
  L96_ERR_INPUT_LENGTH,
  L96_ERR_LAYOUT,
  L96_ERR_MEMBERS,
  L96_ERR_NOT_READY,
  L96_ERR_OUT_OF_MEMORY,
  L96_ERR_RESERVED,
  L96_ERR_SHORT_INPUT,
  L96_ERR_SNAP_DIVIDES,
  L96_ERR_SNAP_EVERY,
  L96_ERR_STEPS,
  L96_ERR_VARS,
} from '../codes';
import { rk4Steps } from './rk4';
import { ensureMemory, inLen, inPtr, storeCanonical } from '../../common/assembly/memory';
/** The ABI's input_alloc (shared/kernels/abi.ts), the same for every kernel. */
export { input_alloc } from '../../common/assembly/memory';

const HEADER: usize = 40;
const DIAGNOSTICS: u32 = 3;
// The memory stays under MEMORY_PAGES_MAX (2 GiB, ../../common/assembly/memory.ts), so
// n·m < 2^28, which keeps the u64 size arithmetic in init() far from overflow.

// The unit, as init() parsed it.
let initCalled = false;
let ready = false;
let n: u32 = 0;
let m: u32 = 0;
let steps: u32 = 0;
let snapEvery: u32 = 0;
let snaps: u32 = 0;
let dt: f64 = 0;
let forcing: f64 = 0;
let work: usize = 0;
let outPtr: usize = 0;
let outLen: usize = 0;

// Progress, kept between step() calls.
let member: u32 = 0;
let stepInMember: u32 = 0;
let snapIndex: u32 = 0;
let energySum: f64 = 0;
let workDone: f64 = 0;

/** Stores `v` with every NaN replaced by the canonical quiet NaN (abi.ts). */
/** Parses the header; 0 when ready, else one of the L96_ERR_* codes of ../codes.ts. */
export function init(): i32 {
  if (initCalled) return L96_ERR_INIT_TWICE;
  initCalled = true;
  if (inPtr == 0 || inLen < HEADER) return L96_ERR_SHORT_INPUT;
  if (load<u32>(inPtr) != 1) return L96_ERR_LAYOUT;
  n = load<u32>(inPtr, 4);
  m = load<u32>(inPtr, 8);
  steps = load<u32>(inPtr, 12);
  snapEvery = load<u32>(inPtr, 16);
  if (n < 4) return L96_ERR_VARS;
  if (m < 1) return L96_ERR_MEMBERS;
  if (steps < 1) return L96_ERR_STEPS;
  if (snapEvery < 1) return L96_ERR_SNAP_EVERY;
  if (steps % snapEvery != 0) return L96_ERR_SNAP_DIVIDES;
  if (load<u32>(inPtr, 20) != 0) return L96_ERR_RESERVED;
  // n·m < 2^64 always, but 8·n·m could wrap around to match a short input: divide instead.
  const stateBytes = <u64>inLen - <u64>HEADER;
  if (stateBytes % 8 != 0 || stateBytes / 8 != <u64>n * <u64>m) return L96_ERR_INPUT_LENGTH;
  dt = load<f64>(inPtr, 24);
  forcing = load<f64>(inPtr, 32);
  if (!isFinite(dt)) return L96_ERR_DT;
  if (!isFinite(forcing)) return L96_ERR_FORCING;
  snaps = steps / snapEvery;

  const workAt = (<u64>inPtr + <u64>inLen + 15) & ~(<u64>15);
  const outAt = workAt + 3 * 8 * <u64>n;
  const bytes = 8 * <u64>m * (<u64>snaps * <u64>n + <u64>DIAGNOSTICS);
  if (!ensureMemory(outAt + bytes)) return L96_ERR_OUT_OF_MEMORY;
  work = <usize>workAt;
  outPtr = <usize>outAt;
  outLen = <usize>bytes;
  ready = true;
  return 0;
}

/** Writes member `member`'s final diagnostics; x is its final state. */
function finishMember(x: usize): void {
  let sum: f64 = 0;
  let sumSq: f64 = 0;
  for (let v: u32 = 0; v < n; v++) {
    const xv = load<f64>(x + (<usize>v << 3));
    sum += xv;
    sumSq += xv * xv;
  }
  const d = outPtr + 8 * (<usize>m * <usize>snaps * <usize>n + <usize>member * DIAGNOSTICS);
  storeCanonical(d, sum / <f64>n);
  storeCanonical(d + 8, sumSq / (2.0 * <f64>n));
  storeCanonical(d + 16, energySum / <f64>steps);
}

/** Copies state x into the member's next snapshot slot. */
function snapshot(x: usize): void {
  const dst = outPtr + 8 * ((<usize>member * <usize>snaps + <usize>snapIndex) * <usize>n);
  for (let v: usize = 0; v < <usize>n; v++) storeCanonical(dst + (v << 3), load<f64>(x + (v << 3)));
  snapIndex++;
}

/**
 * Does at most `budget` member-steps, members in order. `budget` is an f64 so any JS number
 * arrives unchanged (an i32 would wrap 2^32 to 0); below 1 or NaN it does nothing.
 */
export function step(budget: f64): i32 {
  if (!ready) return L96_ERR_NOT_READY;
  let left = Math.floor(budget);
  const twoN = 2.0 * <f64>n;
  while (member < m && left >= 1) {
    const x = inPtr + HEADER + 8 * <usize>member * <usize>n;
    // Run up to the next snapshot, the end of the member or the budget, whichever is first.
    const toSnap = snapEvery - stepInMember % snapEvery;
    const count = <f64>toSnap <= left ? toSnap : <u32>left;
    energySum = rk4Steps(x, work, <usize>n, count, dt, forcing, twoN, energySum);
    stepInMember += count;
    left -= <f64>count;
    workDone += <f64>count;
    if (stepInMember % snapEvery == 0) snapshot(x);
    if (stepInMember == steps) {
      finishMember(x);
      member++;
      stepInMember = 0;
      snapIndex = 0;
      energySum = 0;
    }
  }
  return member < m ? 1 : 0;
}

/** Member-steps done so far (f64: m·steps may pass 2^31). */
export function work_done(): f64 {
  return workDone;
}

/** Member-steps in the unit, m·steps; 0 before a successful init. */
export function work_total(): f64 {
  return ready ? <f64>m * <f64>steps : 0;
}

/** Where the output bytes start (valid once step() returned 0). */
export function output_ptr(): usize {
  return outPtr;
}

/** Output length in bytes: 8·m·(snapshots·n + 3). */
export function output_len(): usize {
  return outLen;
}
