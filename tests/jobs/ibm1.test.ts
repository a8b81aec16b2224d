/**
 * @module The ibm1-train job kind with the kernel's TypeScript reference computing its units
 * on a synthetic corpus: stopping, iterations rebuilt from the parameters, the model and its
 * n-gram counts.
 */
import { describe, expect, it } from 'vitest';
import { ibm1Reference } from '../../kernels/ibm1/reference.ts';
import { syntheticCorpus, toTsv } from '../translation/synthetic.ts';
import { decodeIbm1Input } from '../../shared/kernels/ibm1.codec.ts';
import { IBM1_PRUNE_P_MIN, IBM1_PRUNE_ROW_MAX } from '../../shared/limits.ts';
import { readCorpus } from '../../shared/translation/corpus.ts';
import { encodeIteration, normalize, prepareCorpus, sumIteration, uniformTable, type PreparedCorpus } from '../../shared/translation/em.ts';
import { BOS_TGT_ID, EOS_TGT_ID } from '../../shared/translation/model.ts';
import { Ibm1ParamsSchema, assimilateIbm1, nextIbm1, publicIbm1Params, splitIbm1, stopReason } from '../../shared/jobs/ibm1.ts';

const corpus = syntheticCorpus({ seed: 4, pairs: 600 });
const params = (extra: Record<string, unknown> = {}) => Ibm1ParamsSchema.parse({ srcLang: 'en', tgtLang: 'fr', corpus: { tsv: toTsv(corpus.pairs) }, shardPairs: 250, ...extra });

function prepared(): PreparedCorpus {
  const read = readCorpus({ tsv: toTsv(corpus.pairs) }, 'en', 'fr');
  if (read.status !== 'ok') throw new Error(read.detail);
  const prep = prepareCorpus(read.corpus, 250, true);
  if ('tooLarge' in prep) throw new Error(prep.tooLarge);
  return prep;
}

describe('ibm1-train job kind', () => {
  it('stops on the relative gain or the iteration bound, and on a likelihood that is not finite', () => {
    const p = params({ maxIterations: 4, minGain: 0.01 });
    expect(stopReason(p, [-100])).toBeNull();
    expect(stopReason(p, [-100, -50])).toBeNull();
    expect(stopReason(p, [-100, -50, -49.8])).toBe('converged');
    expect(stopReason(p, [-100, -50, -40, -30])).toBe('max-iterations');
    expect(stopReason(p, [-Infinity, -Infinity])).toBe('converged');
    expect(stopReason(params({ maxIterations: 1 }), [-5])).toBe('max-iterations');
  });

  it('rebuilds the same shards and units from the parameters alone (an edge that restarted between iterations)', () => {
    const a = prepared();
    const b = prepared();
    expect(b.shards).toEqual(a.shards);
    expect(Array.from(b.entrySrc)).toEqual(Array.from(a.entrySrc));
    const t = uniformTable(a);
    expect(encodeIteration(b, t, new Float64Array([1]))).toEqual(encodeIteration(a, t, new Float64Array([1])));
  });

  it('makes each next iteration from the counts, carrying the likelihood history, and integrates the model', () => {
    const p = params({ maxIterations: 3, minGain: 0 });
    const first = splitIbm1(p);
    expect(first.map((u) => u.members)).toEqual([250, 250, 100]);
    const second = nextIbm1(p, first.map((u) => ibm1Reference(u.input)), 0)!;
    expect(second).toHaveLength(3);
    const carry0 = decodeIbm1Input(second[0]!.input).carry;
    expect(carry0).toHaveLength(1);
    const outputs2 = second.map((u) => ibm1Reference(u.input));
    const third = nextIbm1(p, outputs2, 1)!;
    expect(Array.from(decodeIbm1Input(third[2]!.input).carry)).toHaveLength(2);
    // The third iteration's table is the M-step of the second's counts.
    const prep = prepared();
    const t2 = normalize(prep, sumIteration(prep, outputs2).counts);
    const input = decodeIbm1Input(third[1]!.input);
    expect(Array.from(input.t)).toEqual(Array.from(prep.shards[1]!.entryGlobal, (g) => t2[g]));
    const outputs3 = third.map((u) => ibm1Reference(u.input));
    expect(nextIbm1(p, outputs3, 2)).toBeNull();

    const result = assimilateIbm1(p, outputs3);
    expect(result).toMatchObject({ kind: 'ibm1-train', iterations: 3, stopped: 'max-iterations', pairs: 600, membersDone: 600 });
    expect(result.params).not.toHaveProperty('corpus');
    const ll = result.logLikelihood;
    expect(ll[1]!).toBeGreaterThan(ll[0]!);
    expect(ll[2]!).toBeGreaterThan(ll[1]!);
    const { model } = result;
    expect(model.srcVocab[0]).toBe('');
    expect(model.tgtVocab.slice(0, 2)).toEqual(['<s>', '</s>']);
    for (const row of model.table) {
      expect(row.tgt.length).toBeLessThanOrEqual(IBM1_PRUNE_ROW_MAX);
      expect(row.p.every((x) => x >= IBM1_PRUNE_P_MIN)).toBe(true);
      for (let i = 1; i < row.p.length; i++) expect(row.p[i]!).toBeLessThanOrEqual(row.p[i - 1]!);
      expect(row.p.reduce((s, x) => s + x, 0)).toBeLessThanOrEqual(1 + 1e-12);
    }
  });

  it('counts target n-grams of orders 1 to 3 with the sentence boundaries', () => {
    const p = Ibm1ParamsSchema.parse({ srcLang: 'de', tgtLang: 'en', corpus: { tsv: 'das Haus\tthe house\nein Haus\ta house\n' }, maxIterations: 1 });
    const r = assimilateIbm1(p, splitIbm1(p).map((u) => ibm1Reference(u.input)));
    const id = (w: string) => r.model.tgtVocab.indexOf(w);
    const count = (...ids: number[]) => r.model.lm.entries.find((e) => e.length === ids.length + 1 && ids.every((x, i) => e[i] === x))?.[ids.length];
    expect(count(id('house'))).toBe(2);
    expect(count(BOS_TGT_ID)).toBe(2);
    expect(count(id('house'), EOS_TGT_ID)).toBe(2);
    expect(count(BOS_TGT_ID, id('the'), id('house'))).toBe(1);
    expect(count(id('the'), id('house'), EOS_TGT_ID)).toBe(1);
    // 2 sentences of 4 symbols: 8 unigrams (5 types), 6 bigrams (5 types), 4 trigrams (4 types).
    expect(r.model.lm.entries).toHaveLength(5 + 5 + 4);
    const sorted = [...r.model.lm.entries].sort((a, b) => {
      for (let i = 0; i < Math.min(a.length, b.length) - 1; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
      return a.length - b.length;
    });
    expect(r.model.lm.entries).toEqual(sorted);
  });

  it('shows the corpus by its size in the API', () => {
    expect(publicIbm1Params({ srcLang: 'de', corpus: { tsv: 'a\tb\nc\td\n' } })).toEqual({ srcLang: 'de', corpus: { format: 'tsv', characters: 8, lines: 2 } });
    expect(publicIbm1Params({ corpus: { source: 'a\nb', target: 'c\nd' } }).corpus).toEqual({ format: 'two-texts', characters: 6, lines: 2 });
  });
});
