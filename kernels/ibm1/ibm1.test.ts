/**
 * @module The IBM Model 1 E-step kernel against its TypeScript reference (byte for byte,
 * whatever the step budget), against Koehn's toy corpus worked by hand (2010, ch. 4.2.3:
 * das Haus / das Buch / ein Buch), and against EM's properties on a synthetic corpus: the
 * log-likelihood never decreases and every row of the table sums to 1. Also its fdlibm
 * logarithm against V8's Math.log (also fdlibm), and its refusals.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CANONICAL_NAN_BITS } from '../../shared/kernels/abi.ts';
import { decodeIbm1Output, encodeIbm1Input, type Ibm1UnitInput } from '../../shared/kernels/ibm1.codec.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { readCorpus, type CorpusText } from '../../shared/translation/corpus.ts';
import { encodeIteration, normalize, prepareCorpus, sumIteration, uniformTable, type PreparedCorpus } from '../../shared/translation/em.ts';
import { syntheticCorpus, toTsv } from '../../tests/translation/synthetic.ts';
import { KERNELS_DIST, buildKernels } from '../build.ts';
import { KERNEL_MANIFEST_FILE, loadKernelModule } from '../manifest.ts';
import * as codes from './codes.ts';
import { fdlog, ibm1InputProblem, ibm1Reference } from './reference.ts';

let kernel: WebAssembly.Module;
beforeAll(async () => {
  if (!existsSync(join(KERNELS_DIST, KERNEL_MANIFEST_FILE))) await buildKernels();
  kernel = await loadKernelModule(KERNELS_DIST, 'ibm1', 1);
});

function prepare(text: CorpusText, shardPairs: number, withNull: boolean, src = 'de', tgt = 'en'): PreparedCorpus {
  const read = readCorpus(text, src, tgt);
  if (read.status !== 'ok') throw new Error(read.detail);
  const prep = prepareCorpus(read.corpus, shardPairs, withNull);
  if ('tooLarge' in prep) throw new Error(prep.tooLarge);
  return prep;
}

/** One EM iteration through the kernel: the table after the M-step and the log-likelihood of the table before. */
async function iterate(prep: PreparedCorpus, t: Float64Array, carry = new Float64Array(0)) {
  const outputs = await Promise.all(encodeIteration(prep, t, carry).map((u) => runKernel(kernel, u, { budget: 1e9 })));
  const sum = sumIteration(prep, outputs);
  return { t: normalize(prep, sum.counts), ll: sum.logLikelihood, sum };
}

/** t(f | e) by word, from a global table. */
function lookup(prep: PreparedCorpus, t: Float64Array) {
  const { srcVocab, tgtVocab } = prep.corpus;
  return (e: string, f: string) => t[prep.index.get(srcVocab.indexOf(e) * tgtVocab.length + tgtVocab.indexOf(f))]!;
}

describe('ibm1 kernel', () => {
  const synthetic = syntheticCorpus({ seed: 5, pairs: 400 });
  const prep = prepare({ tsv: toTsv(synthetic.pairs) }, 150, true, 'en', 'fr');
  const units = encodeIteration(prep, uniformTable(prep), new Float64Array([-1.5, NaN]));

  it('cuts the corpus into shards in order', () => {
    expect(prep.shards.map((s) => s.pairs)).toEqual([150, 150, 100]);
    expect(prep.shards.map((s) => s.first)).toEqual([0, 150, 300]);
  });

  it.each([1, 7, 2 ** 40])('matches the reference byte for byte with budget %d', async (budget) => {
    for (const input of units) {
      let last = [0, -1];
      const output = await runKernel(kernel, input, { budget, onProgress: (done, total) => (last = [done, total]) });
      expect(output).toEqual(ibm1Reference(input));
      const pairs = new DataView(input.buffer).getUint32(8, true);
      expect(last).toEqual([pairs, pairs]);
    }
  });

  it('matches the reference with the hashed entry table too (a sparse vocabulary space)', async () => {
    for (const unit of units) {
      const input = unit.slice();
      // Unused ids make S·T far more than 16 cells per entry: the kernel hashes instead of a dense table.
      new DataView(input.buffer).setUint32(12, 60_000, true);
      new DataView(input.buffer).setUint32(16, 60_000, true);
      const output = await runKernel(kernel, input, { budget: 5 });
      expect(output).toEqual(ibm1Reference(input));
      expect(output).toEqual(await runKernel(kernel, unit));
    }
    const tooMany = units[0]!.slice();
    new DataView(tooMany.buffer).setUint32(12, 70_000, true);
    new DataView(tooMany.buffer).setUint32(16, 70_000, true);
    await expect(runKernel(kernel, tooMany)).rejects.toMatchObject({ code: codes.IBM1_ERR_KEY_SPACE });
    expect(ibm1InputProblem(tooMany)).toBe(codes.IBM1_ERR_KEY_SPACE);
  });

  it('echoes the carry and reports the pairs; NaNs canonical', async () => {
    const out = decodeIbm1Output(await runKernel(kernel, units[0]!), 2, prep.shards[0]!.entryGlobal.length);
    expect(out.carry[0]).toBe(-1.5);
    expect(Number.isNaN(out.carry[1])).toBe(true);
    expect(out.pairs).toBe(150);
    expect(out.logLikelihood).toBeLessThan(0);
    // A zero table gives 0/0 counts: every NaN written as the canonical one.
    const zero = encodeIteration(prep, new Float64Array(prep.entrySrc.length), new Float64Array(0))[2]!;
    const bytes = await runKernel(kernel, zero);
    expect(bytes).toEqual(ibm1Reference(zero));
    const view = new DataView(bytes.buffer);
    const nanWords = new Set(Array.from({ length: bytes.byteLength / 8 - 2 }, (_, i) => view.getBigUint64(16 + 8 * i, true)));
    expect(nanWords).toEqual(new Set([CANONICAL_NAN_BITS]));
    expect(decodeIbm1Output(bytes, 0, prep.shards[2]!.entryGlobal.length).logLikelihood).toBe(-Infinity);
  });

  it('never lowers the log-likelihood, and every row of the table sums to 1', async () => {
    let t = uniformTable(prep);
    const lls: number[] = [];
    for (let k = 0; k < 8; k++) {
      const r = await iterate(prep, t);
      lls.push(r.ll);
      t = r.t;
      const rows = new Map<number, number>();
      prep.entrySrc.forEach((e, g) => rows.set(e, (rows.get(e) ?? 0) + t[g]!));
      for (const total of rows.values()) expect(Math.abs(total - 1)).toBeLessThan(1e-12);
    }
    for (let k = 1; k < lls.length; k++) expect(lls[k]!).toBeGreaterThanOrEqual(lls[k - 1]!);
    expect(lls.at(-1)! - lls[0]!).toBeGreaterThan(100);
  });
});

describe('Koehn 2010, ch. 4.2.3: das Haus, das Buch, ein Buch (no NULL)', () => {
  const toy = { source: 'das Haus\ndas Buch\nein Buch\n', target: 'the house\nthe book\na book\n' };

  it('gives the hand-computed tables after iterations 1 and 2, and the likelihoods', async () => {
    const prep = prepare(toy, 2, false);
    const t0 = uniformTable(prep);
    // Uniform start over the 4 English words: t = 1/4.
    expect(Array.from(new Set(t0))).toEqual([1 / 4]);
    const one = await iterate(prep, t0);
    // E-step 1: each English word splits its count evenly over the 2 German words of its
    // sentence (1/4 / (1/4 + 1/4) = 1/2). c(the|das) = 1/2 + 1/2, c(house|das) = c(book|das) = 1/2:
    // total 2. c(the|haus) = c(house|haus) = 1/2: total 1. c(the|buch) = 1/2, c(book|buch) = 1/2 + 1/2,
    // c(a|buch) = 1/2: total 2. c(a|ein) = c(book|ein) = 1/2: total 1.
    const t1 = lookup(prep, one.t);
    const hand1: [string, string, number][] = [
      ['das', 'the', 1 / 2], ['das', 'house', 1 / 4], ['das', 'book', 1 / 4],
      ['haus', 'the', 1 / 2], ['haus', 'house', 1 / 2],
      ['buch', 'the', 1 / 4], ['buch', 'book', 1 / 2], ['buch', 'a', 1 / 4],
      ['ein', 'a', 1 / 2], ['ein', 'book', 1 / 2],
    ];
    for (const [e, f, p] of hand1) expect(t1(e, f), `t(${f}|${e}) after 1`).toBeCloseTo(p, 14);
    // Log-likelihood of the uniform table: each of the 6 English words has
    // (1/l)·Σ_i t = (1/2)(1/4 + 1/4) = 1/4, so LL = 6·log(1/4).
    expect(one.ll).toBeCloseTo(6 * Math.log(1 / 4), 12);

    const two = await iterate(prep, one.t);
    // E-step 2, sentence by sentence (denominators Σ_i t(f|e_i) with the table above):
    // das Haus: the 1/2+1/2 = 1 → das 1/2, haus 1/2; house 1/4+1/2 = 3/4 → das 1/3, haus 2/3.
    // das Buch: the 1/2+1/4 = 3/4 → das 2/3, buch 1/3; book 1/4+1/2 = 3/4 → das 1/3, buch 2/3.
    // ein Buch: a 1/2+1/4 = 3/4 → ein 2/3, buch 1/3; book 1/2+1/2 = 1 → ein 1/2, buch 1/2.
    // Totals: das 7/6+1/3+1/3 = 11/6; haus 1/2+2/3 = 7/6; buch 1/3+7/6+1/3 = 11/6; ein 2/3+1/2 = 7/6.
    const t2 = lookup(prep, two.t);
    const hand2: [string, string, number][] = [
      ['das', 'the', 7 / 11], ['das', 'house', 2 / 11], ['das', 'book', 2 / 11],
      ['haus', 'the', 3 / 7], ['haus', 'house', 4 / 7],
      ['buch', 'the', 2 / 11], ['buch', 'book', 7 / 11], ['buch', 'a', 2 / 11],
      ['ein', 'a', 4 / 7], ['ein', 'book', 3 / 7],
    ];
    for (const [e, f, p] of hand2) expect(t2(e, f), `t(${f}|${e}) after 2`).toBeCloseTo(p, 14);
    // The table after iteration 1 gives the denominators above: Π over the six words
    // 1·(3/4)·(3/4)·(3/4)·(3/4)·1, each word divided by l = 2.
    expect(two.ll).toBeCloseTo(4 * Math.log(3 / 4) - 6 * Math.log(2), 12);
    expect(two.ll).toBeGreaterThan(one.ll);
  });
});

describe('the kernel logarithm (fdlibm e_log.c)', () => {
  it('equals V8 Math.log (also fdlibm) bit for bit over the range', () => {
    const xs = [0, -0, -1, Infinity, NaN, 1, 2, Number.MIN_VALUE, 2.2250738585072014e-308, Number.MAX_VALUE, 1 + 2 ** -52, 1 - 2 ** -53];
    let s = 12345;
    for (let i = 0; i < 100_000; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      xs.push(2 ** ((s / 2 ** 32) * 200 - 100) * (1 + i / 100_000));
    }
    for (const x of xs) expect(Object.is(fdlog(x), Math.log(x)), `log(${x})`).toBe(true);
  });
});

describe('ibm1 kernel refusals', () => {
  const base = (): Ibm1UnitInput => ({
    withNull: true,
    srcTypes: 3,
    tgtTypes: 2,
    carry: new Float64Array(0),
    t: Float64Array.from([0.5, 0.5, 0.5, 0.5]),
    entrySrc: Uint16Array.from([0, 1, 2, 0]),
    entryTgt: Uint16Array.from([0, 0, 0, 1]),
    lens: Uint16Array.from([2, 1, 1, 1]),
    tokens: Uint16Array.from([1, 2, 0, 1, 1]),
  });
  const withWord = (at: number, v: number) => {
    const b = encodeIbm1Input(base());
    new DataView(b.buffer).setUint32(at, v, true);
    return b;
  };
  const bad = (patch: Partial<Ibm1UnitInput>) => encodeIbm1Input({ ...base(), ...patch });
  // The second pair (source 1, target 1) needs (1, 1): missing from the good entries.
  const complete = (): Partial<Ibm1UnitInput> => ({
    t: Float64Array.from([0.5, 0.5, 0.5, 0.5, 0.5]),
    entrySrc: Uint16Array.from([0, 1, 2, 0, 1]),
    entryTgt: Uint16Array.from([0, 0, 0, 1, 1]),
  });
  const BAD: [string, Uint8Array, number][] = [
    ['a short header', encodeIbm1Input(base()).subarray(0, 31), codes.IBM1_ERR_SHORT_INPUT],
    ['layout 2', withWord(0, 2), codes.IBM1_ERR_LAYOUT],
    ['an unknown flag', withWord(4, 2), codes.IBM1_ERR_FLAGS],
    ['a token count the bytes do not hold', withWord(28, 9), codes.IBM1_ERR_INPUT_LENGTH],
    ['no pairs', bad({ ...complete(), lens: new Uint16Array(0), tokens: new Uint16Array(0) }), codes.IBM1_ERR_PAIRS],
    ['an empty sentence', bad({ ...complete(), lens: Uint16Array.from([3, 0, 1, 1]) }), codes.IBM1_ERR_LENGTHS],
    ['NULL inside a source sentence', bad({ ...complete(), tokens: Uint16Array.from([0, 2, 0, 1, 1]) }), codes.IBM1_ERR_TOKEN],
    ['a target id past the vocabulary', bad({ ...complete(), tokens: Uint16Array.from([1, 2, 2, 1, 1]) }), codes.IBM1_ERR_TOKEN],
    ['an entry past the vocabulary', bad({ ...complete(), entrySrc: Uint16Array.from([0, 1, 2, 0, 3]) }), codes.IBM1_ERR_ENTRY],
    ['a duplicate entry', bad({ ...complete(), entrySrc: Uint16Array.from([0, 1, 2, 0, 2]), entryTgt: Uint16Array.from([0, 0, 0, 1, 0]) }), codes.IBM1_ERR_DUPLICATE_ENTRY],
    ['a missing entry', bad({}), codes.IBM1_ERR_MISSING_ENTRY],
    ['a missing entry (hashed table)', bad({ srcTypes: 1000, tgtTypes: 1000 }), codes.IBM1_ERR_MISSING_ENTRY],
    ['a duplicate entry (hashed table)', bad({ ...complete(), srcTypes: 1000, tgtTypes: 1000, entrySrc: Uint16Array.from([0, 1, 2, 0, 2]), entryTgt: Uint16Array.from([0, 0, 0, 1, 0]) }), codes.IBM1_ERR_DUPLICATE_ENTRY],
    ['a negative probability', bad({ ...complete(), t: Float64Array.from([0.5, -0.5, 0.5, 0.5, 0.5]) }), codes.IBM1_ERR_T_VALUE],
    ['a NaN probability', bad({ ...complete(), t: Float64Array.from([0.5, NaN, 0.5, 0.5, 0.5]) }), codes.IBM1_ERR_T_VALUE],
  ];

  it('runs the complete unit', async () => {
    const good = bad(complete());
    expect(ibm1InputProblem(good)).toBe(0);
    expect(await runKernel(kernel, good)).toEqual(ibm1Reference(good));
  });

  it.each(BAD)('refuses %s with its own code, like the reference', async (_name, input, code) => {
    await expect(runKernel(kernel, input)).rejects.toMatchObject({ name: 'KernelError', code });
    expect(ibm1InputProblem(input)).toBe(code);
    expect(() => ibm1Reference(input)).toThrow(RangeError);
  });

  it('gives every problem a distinct negative code', () => {
    const all = Object.values(codes);
    expect(all.every((c) => c < 0)).toBe(true);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('ibm1 kernel on random units', () => {
  /** A random unit: all co-occurring entries present, or one (random) left out; t with zeros, −0 and wide magnitudes; sentences up to 40 words with repeats. */
  const randomUnit = (seed: number, opts: { hashed: boolean; withNull: boolean; dropOne: boolean; badToken: boolean }) => {
    let s = seed >>> 0;
    const rnd = (n: number) => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return Math.floor((s / 2 ** 32) * n);
    };
    const srcTypes = opts.hashed ? 2000 : 4 + rnd(12);
    const tgtTypes = opts.hashed ? 2000 : 3 + rnd(12);
    const lo = opts.withNull ? 1 : 0;
    const srcUsed = Math.min(srcTypes - lo, 3 + rnd(10));
    const tgtUsed = Math.min(tgtTypes, 3 + rnd(10));
    const P = 1 + rnd(12);
    const lens: number[] = [];
    const tokens: number[] = [];
    for (let p = 0; p < P; p++) {
      const l = 1 + rnd(rnd(4) === 0 ? 40 : 9);
      const m = 1 + rnd(rnd(4) === 0 ? 40 : 9);
      lens.push(l, m);
      for (let i = 0; i < l; i++) tokens.push(lo + rnd(srcUsed));
      for (let j = 0; j < m; j++) tokens.push(rnd(tgtUsed));
    }
    const keys = new Set<number>();
    for (let p = 0, k = 0; p < P; p++) {
      const l = lens[2 * p]!;
      const m = lens[2 * p + 1]!;
      for (let j = 0; j < m; j++) {
        if (opts.withNull) keys.add(tokens[k + l + j]!);
        for (let i = 0; i < l; i++) keys.add(tokens[k + i]! * tgtTypes + tokens[k + l + j]!);
      }
      k += l + m;
    }
    const all = [...keys].sort((a, b) => a - b);
    if (opts.dropOne) all.splice(rnd(all.length), 1);
    const values = [0, -0, 1e-300, 1e300, 5e-324, 0.25, 1];
    const t = Float64Array.from(all, () => (rnd(5) === 0 ? values[rnd(values.length)]! : rnd(1000) / 997));
    if (opts.badToken) {
      const k = rnd(tokens.length);
      tokens[k] = rnd(3) === 0 && opts.withNull ? 0 : Math.max(srcTypes, tgtTypes) + rnd(5);
    }
    return encodeIbm1Input({
      withNull: opts.withNull,
      srcTypes,
      tgtTypes,
      carry: new Float64Array(0),
      t,
      entrySrc: Uint16Array.from(all, (key) => Math.floor(key / tgtTypes)),
      entryTgt: Uint16Array.from(all, (key) => key % tgtTypes),
      lens: Uint16Array.from(lens),
      tokens: Uint16Array.from(tokens),
    });
  };

  it('gives the reference bytes, or its refusal, on dense and hashed tables', async () => {
    let refused = 0;
    for (let seed = 1; seed <= 240; seed++) {
      const opts = { hashed: seed % 4 === 0, withNull: seed % 3 !== 0, dropOne: seed % 5 === 0, badToken: seed % 7 === 0 };
      const input = randomUnit(seed, opts);
      const problem = ibm1InputProblem(input);
      if (problem === 0) {
        expect(Buffer.from(await runKernel(kernel, input, { budget: 1 + (seed % 3) })).equals(Buffer.from(ibm1Reference(input))), `seed ${seed}`).toBe(true);
      } else {
        refused++;
        await expect(runKernel(kernel, input), `seed ${seed}`).rejects.toMatchObject({ name: 'KernelError', code: problem });
      }
    }
    expect(refused).toBeGreaterThan(20);
  });
});
