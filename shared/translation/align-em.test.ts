/**
 * @module The edge's side of fast_align training without the kernel (the kernel-driven EM
 * tests are kernels/align/em.test.ts): units are the ibm1 units with λ, p0 and the mode added,
 * output sizes per shard and mode, outputs summed and split per pair, and the tension step,
 * all on Koehn's three-pair corpus worked by hand.
 */
import { describe, expect, it } from 'vitest';
import { decodeAlignInput } from '../kernels/align.codec.ts';
import { decodeIbm1Input } from '../kernels/ibm1.codec.ts';
import {
  ALIGN_CARRY_MAX,
  ALIGN_KERNEL,
  ALIGN_TENSION_MAX,
  ALIGN_TENSION_MIN,
  alignOutputBytes,
  alignOutputBytesOf,
  alignmentLinks,
  encodeAlignIteration,
  nextTension,
  sumAlignIteration,
  viterbiFromOutputs,
} from './align-em.ts';
import { readCorpus } from './corpus.ts';
import { encodeIteration, prepareCorpus, uniformTable, type PreparedCorpus } from './em.ts';

function koehn(): PreparedCorpus {
  const read = readCorpus({ tsv: 'das Haus\tthe house\ndas Buch\tthe book\nein Buch\ta book\n' }, 'de', 'en');
  if (read.status !== 'ok') throw new Error(read.detail);
  const prep = prepareCorpus(read.corpus, 2, true);
  if ('tooLarge' in prep) throw new Error(prep.tooLarge);
  return prep;
}

/** Output bytes from f64 values (and u16 links after them). */
function bytesOf(values: number[], links: number[] = []): Uint8Array {
  const out = new Uint8Array(8 * values.length + 8 * Math.ceil(links.length / 4));
  new Float64Array(out.buffer, 0, values.length).set(values);
  new Uint16Array(out.buffer, 8 * values.length, links.length).set(links);
  return out;
}

describe('align units and outputs (das Haus / das Buch / ein Buch, shards of 2 pairs, NULL)', () => {
  const prep = koehn();
  // Entries per shard, in em.ts's order (per target token: NULL, then each source word):
  // shard 0: (NULL,the) (das,the) (haus,the) (NULL,house) (das,house) (haus,house) (buch,the)
  //          (NULL,book) (das,book) (buch,book): 10, target tokens 4;
  // shard 1: (NULL,a) (ein,a) (buch,a) (NULL,book) (ein,book) (buch,book): 6, target tokens 2.
  const entry = (e: string, f: string) => prep.index.get(prep.corpus.srcVocab.indexOf(e) * prep.corpus.tgtVocab.length + prep.corpus.tgtVocab.indexOf(f));

  it('names its kernel', () => {
    expect(ALIGN_KERNEL).toEqual({ id: 'align', version: 1 });
  });

  it('encodes the ibm1 units of the round with λ, p0 and the mode', () => {
    const t = uniformTable(prep);
    const carry = Float64Array.from([4, 3.5]);
    const ibm1 = encodeIteration(prep, t, carry);
    for (const mode of ['estep', 'viterbi'] as const) {
      const units = encodeAlignIteration(prep, t, carry, { tension: 6.5, p0: 0.125 }, mode);
      expect(units.length).toBe(2);
      units.forEach((u, i) => {
        expect(u.byteLength).toBe(ibm1[i]!.byteLength + 16);
        const { tension, p0, mode: m, ...rest } = decodeAlignInput(u);
        expect([tension, p0, m]).toEqual([6.5, 0.125, mode]);
        expect(rest).toEqual(decodeIbm1Input(ibm1[i]!));
      });
    }
  });

  it('refuses parameters the kernel would refuse, and a carry over its bound', () => {
    const t = uniformTable(prep);
    const none = new Float64Array(0);
    expect(() => encodeAlignIteration(prep, t, none, { tension: -1, p0: 0.08 }, 'estep')).toThrow(RangeError);
    expect(() => encodeAlignIteration(prep, t, none, { tension: 701, p0: 0.08 }, 'estep')).toThrow(RangeError);
    expect(() => encodeAlignIteration(prep, t, none, { tension: 4, p0: NaN }, 'estep')).toThrow(RangeError);
    expect(() => encodeAlignIteration(prep, t, new Float64Array(ALIGN_CARRY_MAX + 1), { tension: 4, p0: 0.08 }, 'estep')).toThrow(RangeError);
    expect(encodeAlignIteration(prep, t, new Float64Array(ALIGN_CARRY_MAX), { tension: 4, p0: 0.08 }, 'estep').length).toBe(2);
  });

  it('gives each shard its output size per mode', () => {
    // E-step 8·(C + 4 + E); Viterbi 8·(C + 1) + 8·⌈target tokens / 4⌉.
    expect(alignOutputBytes(prep.shards[0]!, 3, 'estep')).toBe(8 * (3 + 4 + 10));
    expect(alignOutputBytes(prep.shards[0]!, 3, 'viterbi')).toBe(8 * 4 + 8);
    expect(alignOutputBytesOf(prep, 1, 0, 'estep')).toBe(8 * (4 + 6));
    expect(alignOutputBytesOf(prep, 1, 0, 'viterbi')).toBe(8 + 8);
  });

  it('sums E-step outputs per global entry, with the likelihoods and features', () => {
    // Shard 0: carry (7, 8, 9), LL −3, P 2, features 1.5 and 2, counts 1..10.
    // Shard 1: the same carry, LL −2, P 1, features 0.25 and 0.5, counts 100..105.
    const out0 = bytesOf([7, 8, 9, -3, 2, 1.5, 2, ...Array.from({ length: 10 }, (_, k) => k + 1)]);
    const out1 = bytesOf([7, 8, 9, -2, 1, 0.25, 0.5, 100, 101, 102, 103, 104, 105]);
    const sum = sumAlignIteration(prep, [out0, out1]);
    expect(sum.carry).toEqual([7, 8, 9]);
    expect(sum.logLikelihood).toBe(-5);
    expect(sum.empiricalFeature).toBe(1.75);
    expect(sum.modelFeature).toBe(2.5);
    expect(sum.targetTokens).toBe(6);
    // Both shards hold (NULL,book) (8 and 103) and (buch,book) (10 and 105).
    expect(sum.counts[entry('', 'book')]).toBe(111);
    expect(sum.counts[entry('buch', 'book')]).toBe(115);
    expect(sum.counts[entry('das', 'the')]).toBe(2);
    expect(sum.counts[entry('ein', 'book')]).toBe(104);
    expect(sum.counts[entry('ein', 'a')]).toBe(101);
    expect(sum.counts.length).toBe(14);
    expect(() => sumAlignIteration(prep, [out0])).toThrow(RangeError);
    expect(() => sumAlignIteration(prep, [out1, out0])).toThrow(RangeError);
  });

  it('splits Viterbi outputs per pair, in corpus order', () => {
    // Shard 0 links: "the house" → (1, 2), "the book" → (0, 2); shard 1 "a book" → (2, 1).
    const links = viterbiFromOutputs(prep, [bytesOf([5, 2], [1, 2, 0, 2]), bytesOf([5, 1], [2, 1])]);
    expect(links.map((l) => Array.from(l))).toEqual([[1, 2], [0, 2], [2, 1]]);
    // As 0-based [srcPos, tgtPos], NULL left out.
    expect(alignmentLinks(links[1]!)).toEqual([[1, 1]]);
    expect(alignmentLinks(links[2]!)).toEqual([[1, 0], [0, 1]]);
    expect(() => viterbiFromOutputs(prep, [bytesOf([5, 2], [1, 2, 0, 2])])).toThrow(RangeError);
  });
});

describe('nextTension (one gradient step on the per-token mean)', () => {
  it('steps by η·(model − empirical)/tokens', () => {
    // 4 + 20·(14 − 10)/100 = 4.8; 4 + 20·(10 − 14)/100 = 3.2.
    expect(nextTension(4, { empiricalFeature: 10, modelFeature: 14, targetTokens: 100 })).toBeCloseTo(4.8, 14);
    expect(nextTension(4, { empiricalFeature: 14, modelFeature: 10, targetTokens: 100 })).toBeCloseTo(3.2, 14);
  });

  it('stays within its bounds', () => {
    expect(nextTension(45, { empiricalFeature: 0, modelFeature: 100, targetTokens: 100 })).toBe(ALIGN_TENSION_MAX);
    expect(nextTension(1, { empiricalFeature: 100, modelFeature: 0, targetTokens: 100 })).toBe(ALIGN_TENSION_MIN);
  });

  it('keeps the tension (in bounds) without tokens or with a non-finite feature', () => {
    expect(nextTension(4, { empiricalFeature: 0, modelFeature: 0, targetTokens: 0 })).toBe(4);
    expect(nextTension(4, { empiricalFeature: NaN, modelFeature: 1, targetTokens: 10 })).toBe(4);
    expect(nextTension(60, { empiricalFeature: 1, modelFeature: Infinity, targetTokens: 10 })).toBe(ALIGN_TENSION_MAX);
  });
});
