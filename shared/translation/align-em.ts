/**
 * @module fast_align training on the edge's side (Dyer, Chahuneau & Smith 2013: IBM Model 2
 * with a diagonal prior, run by kernel `align`): the corpus is prepared and sharded exactly as
 * for IBM Model 1 (em.ts: the same shards, entries and tables, so an IBM1 table may seed it),
 * each iteration's units are those ibm1 units with the tension λ, p0 and the mode added
 * (shared/kernels/align.codec.ts), the E-step outputs are summed in unit order, and the M-step
 * is em.ts's `normalize`. A last round in Viterbi mode gives every target token its source
 * position. The reverse direction is the same driver on the corpus with its sides swapped
 * (reverse.ts).
 *
 * The tension update (paper §3): log δ(a_j = i) = −λ·h(i, j) − log Z_λ + log(1 − p0) for
 * i ≥ 1, and p0 (no λ) for NULL, so the log-likelihood's derivative in λ is
 *   Σ_j Σ_{i≥1} P(a_j = i)·(E_δ'[h] − h(i, j)) = model − empirical,
 * with empirical = Σ_j Σ_{i≥1} P(a_j = i)·h and model = Σ_j (1 − P(a_j = 0))·E_δ'[h] (δ' the
 * prior over i ≥ 1), both summed by the kernel. One gradient-ascent step on the per-token
 * mean: λ ← λ + η·(model − empirical) / (target tokens), kept in [ALIGN_TENSION_MIN,
 * ALIGN_TENSION_MAX]. (With features −h, as the paper writes them, that is λ + η·(empirical
 * − model).) Weighting E_δ'[h] by the non-NULL posterior mass makes it the exact derivative
 * with the NULL word too.
 */
import {
  ALIGN_KERNEL_TENSION_MAX,
  alignEStepOutputBytes,
  alignInputFromIbm1,
  alignViterbiOutputBytes,
  decodeAlignEStepOutput,
  decodeAlignViterbiOutput,
  type AlignMode,
} from '../kernels/align.codec.ts';
import { IBM1_ITERATIONS_MAX } from '../limits.ts';
import { encodeIteration, type PreparedCorpus, type Shard } from './em.ts';

/** Kernel that runs the units of this module, and the version they are encoded for. */
export const ALIGN_KERNEL = { id: 'align', version: 1 } as const;

/** The prior's parameters: the tension λ of the diagonal and the NULL word's probability p0. */
export interface AlignParams {
  tension: number;
  p0: number;
}

/** fast_align's defaults (Dyer et al. 2013): λ = 4, p0 = 0.08. */
export const ALIGN_DEFAULT_PARAMS: Readonly<AlignParams> = Object.freeze({ tension: 4, p0: 0.08 });
/** Least tension the update gives (no unit): near 0 the prior is flat, IBM Model 1 with a NULL share. */
export const ALIGN_TENSION_MIN = 0.1;
/** Greatest tension the update gives: at 50 a link one tenth off the diagonal weighs e^−5 of one on it. */
export const ALIGN_TENSION_MAX = 50;
/**
 * Step η of the tension's gradient ascent, on the per-token mean gradient (model − empirical)
 * / tokens, whose magnitude is below 1 (h ≤ 1). The per-token curvature in λ is −Var_δ'(h):
 * about 0.047 at λ = 1, 0.027 at λ = 4 and 0.008 at λ = 10 (sentences of 10 to 40 words on
 * both sides), so a step of 20 stays below Newton's 1/Var for λ ≥ 1 and does not overshoot.
 */
export const ALIGN_TENSION_STEP = 20;
/**
 * Carried f64 values at most: em.ts leaves 8·IBM1_ITERATIONS_MAX bytes of each unit's input
 * bound for the carry, and an align unit's header takes 16 of them (λ and p0).
 */
export const ALIGN_CARRY_MAX = IBM1_ITERATIONS_MAX - 2;

/**
 * The units of one round: each shard with the current t of its entries, the carry and the
 * prior's parameters, in `mode` (expected counts, or the Viterbi alignment).
 * @throws RangeError when λ or p0 is outside what the kernel takes, or the carry is too long.
 */
export function encodeAlignIteration(prep: PreparedCorpus, t: Float64Array, carry: Float64Array, params: AlignParams, mode: AlignMode): Uint8Array[] {
  if (!(params.tension >= 0 && params.tension <= ALIGN_KERNEL_TENSION_MAX)) throw new RangeError(`align: tension ${params.tension} outside 0..${ALIGN_KERNEL_TENSION_MAX}`);
  if (!(params.p0 >= 0 && params.p0 <= 1)) throw new RangeError(`align: p0 ${params.p0} outside 0..1`);
  if (carry.length > ALIGN_CARRY_MAX) throw new RangeError(`align: at most ${ALIGN_CARRY_MAX} carried values`);
  return encodeIteration(prep, t, carry).map((unit) => alignInputFromIbm1(unit, params.tension, params.p0, mode));
}

/** Target tokens of a shard (its Viterbi output has one u16 per token). */
export function shardTargetTokens(shard: Shard): number {
  let m = 0;
  for (let p = 0; p < shard.pairs; p++) m += shard.lens[2 * p + 1]!;
  return m;
}

/** Output bytes of a shard's unit in `mode`, carrying `carryLength` values. */
export function alignOutputBytes(shard: Shard, carryLength: number, mode: AlignMode): number {
  return mode === 'estep' ? alignEStepOutputBytes(carryLength, shard.entryGlobal.length) : alignViterbiOutputBytes(carryLength, shardTargetTokens(shard));
}

/** Output bytes of the unit of shard `shardIndex` of `prep` in `mode`, carrying `carryLength` values. */
export function alignOutputBytesOf(prep: PreparedCorpus, shardIndex: number, carryLength: number, mode: AlignMode): number {
  return alignOutputBytes(prep.shards[shardIndex]!, carryLength, mode);
}

/** One E-step round's outputs summed. */
export interface AlignIterationSum {
  /** Expected counts per global entry (em.ts's `normalize` makes the next table of them). */
  counts: Float64Array;
  /** Corpus log-likelihood (natural log) of the table and prior the units used. */
  logLikelihood: number;
  /** The first unit's carry (every unit carries the same). */
  carry: number[];
  /** Σ_j Σ_{i≥1} P(a_j = i)·h(i, j) over the corpus. */
  empiricalFeature: number;
  /** Σ_j (1 − P(a_j = 0))·E_δ'[h] over the corpus. */
  modelFeature: number;
  /** Target tokens of the corpus (the features' count). */
  targetTokens: number;
}

/**
 * Sums the canonical E-step outputs of one round (unit order = shard order): counts per
 * entry, log-likelihoods and features, each left to right from 0.
 * @throws RangeError when the outputs do not match the shards.
 */
export function sumAlignIteration(prep: PreparedCorpus, outputs: Uint8Array[]): AlignIterationSum {
  if (outputs.length !== prep.shards.length) throw new RangeError(`align: ${outputs.length} outputs for ${prep.shards.length} shards`);
  const counts = new Float64Array(prep.entrySrc.length);
  let ll = 0;
  let emp = 0;
  let mod = 0;
  let tokens = 0;
  let carry: number[] = [];
  outputs.forEach((bytes, u) => {
    const sh = prep.shards[u]!;
    const out = decodeAlignEStepOutput(bytes, sh.entryGlobal.length);
    if (u === 0) carry = Array.from(out.carry);
    for (let k = 0; k < sh.entryGlobal.length; k++) {
      const g = sh.entryGlobal[k]!;
      counts[g] = counts[g]! + out.counts[k]!;
    }
    ll += out.logLikelihood;
    emp += out.empiricalFeature;
    mod += out.modelFeature;
    tokens += shardTargetTokens(sh);
  });
  return { counts, logLikelihood: ll, carry, empiricalFeature: emp, modelFeature: mod, targetTokens: tokens };
}

/**
 * The tension after one gradient step (see the module comment), kept in
 * [ALIGN_TENSION_MIN, ALIGN_TENSION_MAX]; the current tension (kept in those bounds) when the
 * sum has no tokens or a non-finite feature.
 * @example nextTension(4, { empiricalFeature: 10, modelFeature: 14, targetTokens: 100 }) // 4 + 20·0.04 = 4.8
 */
export function nextTension(current: number, sum: Pick<AlignIterationSum, 'empiricalFeature' | 'modelFeature' | 'targetTokens'>): number {
  const usable = sum.targetTokens > 0 && Number.isFinite(sum.empiricalFeature) && Number.isFinite(sum.modelFeature);
  const next = usable ? current + (ALIGN_TENSION_STEP * (sum.modelFeature - sum.empiricalFeature)) / sum.targetTokens : current;
  return Math.min(ALIGN_TENSION_MAX, Math.max(ALIGN_TENSION_MIN, next));
}

/**
 * The Viterbi alignment of every pair from a Viterbi round's outputs (unit order): per pair in
 * corpus order, per target token its 1-based source position, or 0 for NULL.
 * @throws RangeError when the outputs do not match the shards.
 */
export function viterbiFromOutputs(prep: PreparedCorpus, outputs: Uint8Array[]): Uint16Array[] {
  if (outputs.length !== prep.shards.length) throw new RangeError(`align: ${outputs.length} outputs for ${prep.shards.length} shards`);
  const all: Uint16Array[] = [];
  outputs.forEach((bytes, u) => {
    const sh = prep.shards[u]!;
    const { links } = decodeAlignViterbiOutput(bytes, shardTargetTokens(sh));
    for (let p = 0, at = 0; p < sh.pairs; p++) {
      const m = sh.lens[2 * p + 1]!;
      all.push(links.slice(at, at + m));
      at += m;
    }
  });
  return all;
}

/** A pair's Viterbi positions as `[srcPos, tgtPos]` links, 0-based, NULL-aligned tokens left out (align.ts's form). */
export function alignmentLinks(positions: Uint16Array): [number, number][] {
  const links: [number, number][] = [];
  positions.forEach((i, j) => {
    if (i > 0) links.push([i - 1, j]);
  });
  return links;
}
