/**
 * @module fast_align trained by EM through the align kernel and the edge's driver
 * (shared/translation/align-em.ts): the log-likelihood never decreases at a fixed prior (EM),
 * the kernel's two features differ by the log-likelihood's derivative in λ and the update climbs, and the diagonal prior aligns a monotone
 * toy corpus correctly where IBM Model 1 can only tie.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { alignmentErrorRate } from '../../shared/translation/align.ts';
import {
  ALIGN_DEFAULT_PARAMS,
  alignOutputBytes,
  alignmentLinks,
  encodeAlignIteration,
  nextTension,
  sumAlignIteration,
  viterbiFromOutputs,
  type AlignParams,
} from '../../shared/translation/align-em.ts';
import { readCorpus, type CorpusText } from '../../shared/translation/corpus.ts';
import { reverseCorpus } from '../../shared/translation/reverse.ts';
import { encodeIteration, normalize, prepareCorpus, sumIteration, uniformTable, viterbiAlignment, type PreparedCorpus } from '../../shared/translation/em.ts';
import { syntheticCorpus, toTsv } from '../../tests/translation/synthetic.ts';
import { ibm1Reference } from '../ibm1/reference.ts';
import { KERNELS_DIST, buildKernels } from '../build.ts';
import { KERNEL_MANIFEST_FILE, loadKernelModule } from '../manifest.ts';
import { alignReference } from './reference.ts';

let kernel: WebAssembly.Module;
beforeAll(async () => {
  if (!existsSync(join(KERNELS_DIST, KERNEL_MANIFEST_FILE))) await buildKernels();
  kernel = await loadKernelModule(KERNELS_DIST, 'align', 1);
});

function prepare(text: CorpusText, shardPairs: number, withNull: boolean): PreparedCorpus {
  const read = readCorpus(text, 'en', 'fr');
  if (read.status !== 'ok') throw new Error(read.detail);
  const prep = prepareCorpus(read.corpus, shardPairs, withNull);
  if ('tooLarge' in prep) throw new Error(prep.tooLarge);
  return prep;
}

/** One round through the kernel; every output checked against the reference and its announced size. */
async function round(prep: PreparedCorpus, t: Float64Array, params: AlignParams, mode: 'estep' | 'viterbi', carry = new Float64Array(0)) {
  const units = encodeAlignIteration(prep, t, carry, params, mode);
  const outputs = await Promise.all(units.map((u) => runKernel(kernel, u, { budget: 50 })));
  outputs.forEach((out, i) => {
    expect(out.byteLength).toBe(alignOutputBytes(prep.shards[i]!, carry.length, mode));
    expect(Buffer.from(out).equals(Buffer.from(alignReference(units[i]!)))).toBe(true);
  });
  return outputs;
}

describe('fast_align EM through the kernel', () => {
  const synthetic = syntheticCorpus({ seed: 11, pairs: 300 });
  const prep = prepare({ tsv: toTsv(synthetic.pairs) }, 120, true);

  it('never lowers the log-likelihood at a fixed prior', async () => {
    let t = uniformTable(prep);
    const lls: number[] = [];
    for (let k = 0; k < 6; k++) {
      const sum = sumAlignIteration(prep, await round(prep, t, ALIGN_DEFAULT_PARAMS, 'estep', Float64Array.from(lls)));
      expect(sum.carry).toEqual(lls);
      expect(sum.targetTokens).toBe(prep.corpus.tgtTok.length);
      // Every target token spreads one unit of count.
      expect(sum.counts.reduce((a, c) => a + c, 0)).toBeCloseTo(sum.targetTokens, 6);
      lls.push(sum.logLikelihood);
      t = normalize(prep, sum.counts);
    }
    for (let k = 1; k < lls.length; k++) expect(lls[k]!, `iteration ${k}`).toBeGreaterThanOrEqual(lls[k - 1]!);
    expect(lls.at(-1)! - lls[0]!).toBeGreaterThan(100);
  });

  it.each([true, false])('reports features whose difference is dLL/dλ (NULL word %s), and the step climbs', async (withNull) => {
    const p = withNull ? prep : prepare({ tsv: toTsv(synthetic.pairs) }, 120, false);
    let t = uniformTable(p);
    for (let k = 0; k < 3; k++) t = normalize(p, sumAlignIteration(p, await round(p, t, ALIGN_DEFAULT_PARAMS, 'estep')).counts);
    const at = async (tension: number) => sumAlignIteration(p, await round(p, t, { ...ALIGN_DEFAULT_PARAMS, tension }, 'estep'));
    const here = await at(4);
    // Central difference of the log-likelihood in λ at a fixed table: error O(ε²) plus rounding.
    const eps = 1e-4;
    const slope = ((await at(4 + eps)).logLikelihood - (await at(4 - eps)).logLikelihood) / (2 * eps);
    const gradient = here.modelFeature - here.empiricalFeature;
    expect(Math.abs(slope - gradient)).toBeLessThan(1e-4 * Math.abs(gradient) + 1e-3);
    expect(here.empiricalFeature).toBeGreaterThan(0);
    // One step of the update goes uphill, and stays in its bounds.
    const next = nextTension(4, here);
    expect(Math.sign(next - 4)).toBe(Math.sign(gradient));
    expect((await at(next)).logLikelihood).toBeGreaterThan(here.logLikelihood);
  });

  it('gives Viterbi links inside each source sentence, one per target token, in corpus order', async () => {
    const t = normalize(prep, sumAlignIteration(prep, await round(prep, uniformTable(prep), ALIGN_DEFAULT_PARAMS, 'estep')).counts);
    const links = viterbiFromOutputs(prep, await round(prep, t, ALIGN_DEFAULT_PARAMS, 'viterbi'));
    const { srcOff, tgtOff } = prep.corpus;
    expect(links.length).toBe(prep.corpus.pairs);
    links.forEach((l, p) => {
      expect(l.length).toBe(tgtOff[p + 1]! - tgtOff[p]!);
      for (const i of l) expect(i).toBeLessThanOrEqual(srcOff[p + 1]! - srcOff[p]!);
    });
    // Better than chance against the gold links (sure only): a loose bound, the ordering test is below.
    expect(alignmentErrorRate(links.map(alignmentLinks), synthetic.alignments)).toBeLessThan(0.5);
  });
});

describe('both directions with one kernel', () => {
  it('aligns a corpus read the other way round (reverse.ts) with the same kernel and driver', async () => {
    const read = readCorpus({ tsv: 'a b c d\tx y\n'.repeat(3) + 'a b\tx z w\n' }, 'en', 'fr');
    if (read.status !== 'ok') throw new Error(read.detail);
    // With a uniform table (every t equal) and no NULL, the prior alone decides: the argmax of
    // w_i = e^(−λh), h = |i/n − j/m|, ties to the smaller i.
    // Forward "a b c d" → "x y" (n 4, m 2): j = 1 (1/2) → i = 2 (h 0); j = 2 (1) → i = 4 (h 0).
    // Reversed "x y" → "a b c d" (n 2, m 4): j = 1 (1/4) → i = 1 (h 1/4, against 3/4);
    // j = 2 (1/2) → i = 1 (h 0); j = 3 (3/4) → i = 1 and 2 tie at h = 1/4 → 1; j = 4 → i = 2 (h 0).
    const cases = [
      { corpus: read.corpus, tokens: 3 * 2 + 3, first: [2, 4] },
      { corpus: reverseCorpus(read.corpus), tokens: 3 * 4 + 2, first: [1, 1, 1, 2] },
    ];
    for (const { corpus, tokens, first } of cases) {
      const prep = prepareCorpus(corpus, 2, false);
      if ('tooLarge' in prep) throw new Error(prep.tooLarge);
      const sum = sumAlignIteration(prep, await round(prep, uniformTable(prep), ALIGN_DEFAULT_PARAMS, 'estep'));
      expect(sum.targetTokens).toBe(tokens);
      expect(sum.counts.reduce((a, c) => a + c, 0)).toBeCloseTo(tokens, 12);
      const viterbi = viterbiFromOutputs(prep, await round(prep, uniformTable(prep), ALIGN_DEFAULT_PARAMS, 'viterbi'));
      expect(Array.from(viterbi[0]!)).toEqual(first);
    }
  });
});

describe('the diagonal prior where IBM Model 1 ties', () => {
  // Every pair is "a b c" ↔ "x y z": every word co-occurs with every other equally, so IBM
  // Model 1 keeps t(x|a) = t(x|b) = t(x|c) for ever and its Viterbi alignment can only tie (to
  // the first word). Only position tells them apart: the gold alignment is the diagonal.
  const prep = prepare({ tsv: 'a b c\tx y z\n'.repeat(6) }, 4, false);

  it('IBM Model 1 ties every link', async () => {
    let t = uniformTable(prep);
    for (let k = 0; k < 3; k++) t = normalize(prep, sumIteration(prep, encodeIteration(prep, t, new Float64Array(0)).map(ibm1Reference)).counts);
    // Each target word to the first source word: [srcPos, tgtPos].
    expect(viterbiAlignment(prep, t, 0)).toEqual([[0, 0], [0, 1], [0, 2]]);
  });

  it('fast_align aligns it on the diagonal, and its posteriors keep doing so after EM', async () => {
    let t = uniformTable(prep);
    for (let k = 0; k < 3; k++) t = normalize(prep, sumAlignIteration(prep, await round(prep, t, ALIGN_DEFAULT_PARAMS, 'estep')).counts);
    // n = m = 3: h(i, j) = |i − j|/3, so the diagonal weighs 1 and its neighbours e^(−4/3):
    // the Viterbi links follow the diagonal whatever the (tied) t.
    const links = viterbiFromOutputs(prep, await round(prep, t, ALIGN_DEFAULT_PARAMS, 'viterbi'));
    for (const l of links) expect(Array.from(l)).toEqual([1, 2, 3]);
  });
});
