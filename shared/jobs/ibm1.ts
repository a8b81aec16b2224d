/**
 * @module The word-alignment training job kind (`ibm1-train`): IBM Model 1 trained by EM on
 * volunteers' machines. Its parameters (validated the same way in the browser form and on
 * the edge), the split into E-step units, the next iteration from this one's counts, and
 * the result.
 *
 * State between iterations, kept stateless: the job's parameters stay the customer's
 * corpus text; the tokenised, sharded corpus is rebuilt from them when an edge does not
 * hold it (a bounded in-memory cache, so an edge restart or another node only costs one
 * re-tokenisation), and the log-likelihood history travels in every unit as its carry,
 * echoed in every output, so `next` sees the previous iterations' likelihoods.
 */
import { z } from 'zod';
import { decodeIbm1Output, ibm1OutputBytes } from '../kernels/ibm1.codec.ts';
import { IBM1_ITERATIONS_MAX, IBM1_PREPARED_CACHED_MAX, IBM1_SHARD_PAIRS_MAX, TRAINING_JOB_BODY_BYTES_MAX } from '../limits.ts';
import { readCorpus, type CorpusRead } from '../translation/corpus.ts';
import { KeyIndex, encodeIteration, normalize, prepareCorpus, shardCostPoints, sumIteration, uniformTable, type PreparedCorpus } from '../translation/em.ts';
import type { TranslationModel } from '../translation/model.ts';
import { buildModel, frequentWords, type FrequentWord } from '../translation/train-result.ts';
import type { SplitUnit } from './split.ts';

/** Kernel that runs this job kind, and the version its units are encoded for. */
export const IBM1_KERNEL = { id: 'ibm1', version: 1 } as const;

// The corpus bound is in UTF-8 bytes and refused with its own problem type (readCorpus); the
// schema only bounds the characters by the body bound, so the browser form stays cheap.
const text = z.string().max(TRAINING_JOB_BODY_BYTES_MAX);
const lang = z.string().min(1).max(35);

/** Parameters of a training job. Languages and corpus contents are checked by {@link readCorpus}, each refusal with its own type. */
export const Ibm1ParamsSchema = z.object({
  /** BCP 47 tag of the corpus's source side (first TSV column); the model translates from it. */
  srcLang: lang,
  tgtLang: lang,
  /** A TSV of sentence pairs (`source TAB target` per line), or two texts aligned by line. */
  corpus: z.union([z.strictObject({ tsv: text }), z.strictObject({ source: text, target: text })]),
  /** EM iterations at most (each is one round of units). */
  maxIterations: z.int().min(1).max(IBM1_ITERATIONS_MAX).default(10),
  /** Training stops once an iteration raises the log-likelihood by less than this share of its magnitude. */
  minGain: z.number().min(0).max(1).default(1e-3),
  /** Sentence pairs per unit (fewer when a unit's bytes would pass their bound). */
  shardPairs: z.int().min(1).max(IBM1_SHARD_PAIRS_MAX).default(2000),
  /** Align target words to the NULL word when no source word explains them (Brown et al. 1993). */
  nullWord: z.boolean().default(true),
});
export type Ibm1Params = z.output<typeof Ibm1ParamsSchema>;

/** A corpus the edge refuses: `status` names the problem type. */
export class CorpusRefusedError extends Error {
  override name = 'CorpusRefusedError';
  constructor(
    readonly status: Exclude<CorpusRead['status'], 'ok'>,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const prepared = new Map<string, PreparedCorpus>();

function cacheKey(p: Ibm1Params): string {
  const c = p.corpus;
  const parts = 'tsv' in c ? ['tsv', c.tsv] : ['two', c.source, c.target];
  return [p.srcLang, p.tgtLang, String(p.shardPairs), String(p.nullWord), ...parts].join('\u0000');
}

/**
 * The tokenised, sharded corpus of a job (cached per edge, IBM1_PREPARED_CACHED_MAX).
 * @throws CorpusRefusedError when the corpus or its languages are refused.
 */
export function preparedCorpus(p: Ibm1Params): PreparedCorpus {
  const key = cacheKey(p);
  const hit = prepared.get(key);
  if (hit) {
    prepared.delete(key);
    prepared.set(key, hit);
    return hit;
  }
  const read = readCorpus(p.corpus, p.srcLang, p.tgtLang);
  if (read.status !== 'ok') throw new CorpusRefusedError(read.status, read.detail);
  const prep = prepareCorpus(read.corpus, p.shardPairs, p.nullWord);
  if ('tooLarge' in prep) throw new CorpusRefusedError('corpus-too-large', prep.tooLarge);
  if (prepared.size >= IBM1_PREPARED_CACHED_MAX) prepared.delete(prepared.keys().next().value!);
  prepared.set(key, prep);
  return prep;
}

/**
 * Takes the prepared corpus of `p` out of this thread's cache, if it holds it: a worker thread
 * that prepared it hands it to the edge's main thread ({@link adoptPreparedCorpus}).
 */
export function takePreparedCorpus(p: Ibm1Params): PreparedCorpus | undefined {
  const key = cacheKey(p);
  const hit = prepared.get(key);
  prepared.delete(key);
  return hit;
}

/** Caches a corpus another thread prepared for `p` (as it arrives, a structured clone). */
export function adoptPreparedCorpus(p: Ibm1Params, prep: PreparedCorpus): void {
  prep.index = KeyIndex.revive(prep.index);
  const key = cacheKey(p);
  prepared.delete(key);
  if (prepared.size >= IBM1_PREPARED_CACHED_MAX) prepared.delete(prepared.keys().next().value!);
  prepared.set(key, prep);
}

/** Empties this thread's cache (a worker thread keeps nothing between the bodies it reads). */
export function forgetPreparedCorpora(): void {
  prepared.clear();
}

function units(prep: PreparedCorpus, t: Float64Array, history: number[]): SplitUnit[] {
  const carry = Float64Array.from(history);
  return encodeIteration(prep, t, carry).map((input, i) => {
    const sh = prep.shards[i]!;
    return { input, outputBytes: ibm1OutputBytes(carry.length, sh.entryGlobal.length), costPoints: shardCostPoints(sh), members: sh.pairs };
  });
}

/** The first iteration's units: every shard with the uniform table. */
export function splitIbm1(p: Ibm1Params): SplitUnit[] {
  const prep = preparedCorpus(p);
  return units(prep, uniformTable(prep), []);
}

/** Why training ends after the iterations of `history` (one log-likelihood each), or null to go on. */
export function stopReason(p: Ibm1Params, history: number[]): 'max-iterations' | 'converged' | null {
  const k = history.length;
  if (k >= 2) {
    const gain = (history[k - 1]! - history[k - 2]!) / Math.abs(history[k - 2]!);
    // A non-finite likelihood gives no usable gain: stop rather than iterate blindly.
    if (!(gain >= p.minGain)) return 'converged';
  }
  return k >= p.maxIterations ? 'max-iterations' : null;
}

/** The next iteration's units from this one's outputs (unit order), or null when training is done. */
export function nextIbm1(p: Ibm1Params, outputs: Uint8Array[], _iteration: number): SplitUnit[] | null {
  const prep = preparedCorpus(p);
  const sum = sumIteration(prep, outputs);
  const history = [...sum.carry, sum.logLikelihood];
  if (stopReason(p, history) !== null) return null;
  return units(prep, normalize(prep, sum.counts), history);
}

/** The result of a training job, as the customer downloads it. */
export interface Ibm1Result {
  kind: 'ibm1-train';
  params: Omit<Ibm1Params, 'corpus'>;
  model: TranslationModel;
  /** E-steps run. */
  iterations: number;
  /** Corpus log-likelihood (natural log) of the table each E-step used, one per iteration. */
  logLikelihood: number[];
  stopped: 'max-iterations' | 'converged';
  /** Sentence pairs trained on, and lines skipped for a blank side. */
  pairs: number;
  skipped: number;
  membersDone: number;
  vocab: { src: number; tgt: number };
  /** Entries of the table before and after pruning. */
  tableEntries: { trained: number; kept: number };
  frequent: FrequentWord[];
}

/** The final M-step and the model, from the last iteration's outputs (unit order). */
export function assimilateIbm1(p: Ibm1Params, outputs: Uint8Array[]): Ibm1Result {
  const prep = preparedCorpus(p);
  const sum = sumIteration(prep, outputs);
  const history = [...sum.carry, sum.logLikelihood];
  const model = buildModel(prep, normalize(prep, sum.counts));
  const { corpus: _corpus, ...rest } = p;
  return {
    kind: 'ibm1-train',
    params: rest,
    model,
    iterations: history.length,
    logLikelihood: history,
    stopped: stopReason(p, history) ?? 'max-iterations',
    pairs: prep.corpus.pairs,
    skipped: prep.corpus.skipped,
    membersDone: prep.corpus.pairs,
    // Without NULL and the sentence boundaries.
    vocab: { src: prep.corpus.srcVocab.length - 1, tgt: prep.corpus.tgtVocab.length - 2 },
    tableEntries: { trained: prep.entrySrc.length, kept: model.table.reduce((n, r) => n + r.tgt.length, 0) },
    frequent: frequentWords(model, prep),
  };
}

/** The running job's state: pairs done in this iteration and the log-likelihoods so far. */
export function partialIbm1(p: Ibm1Params, done: { index: number; output: Uint8Array }[]) {
  const prep = preparedCorpus(p);
  let history: number[] = [];
  let membersDone = 0;
  for (const u of done) {
    const sh = prep.shards[u.index];
    if (!sh) continue;
    membersDone += sh.pairs;
    const E = sh.entryGlobal.length;
    if (history.length === 0) history = Array.from(decodeIbm1Output(u.output, u.output.byteLength / 8 - 2 - E, E).carry);
  }
  return { kind: 'ibm1-train' as const, membersDone, pairs: prep.corpus.pairs, logLikelihood: history };
}

/**
 * A training job's parameters as the API shows them (job status and listings): the corpus,
 * up to IBM1_CORPUS_BYTES_MAX, replaced by its size, so a listing stays small.
 */
export function publicIbm1Params(params: Record<string, unknown>): Record<string, unknown> {
  const corpus = params.corpus as Record<string, unknown> | undefined;
  if (!corpus || typeof corpus !== 'object') return params;
  const texts = Object.values(corpus).filter((v): v is string => typeof v === 'string');
  const lines = texts.map((t) => t.split('\n').length - (t.endsWith('\n') ? 1 : 0));
  return { ...params, corpus: { format: 'tsv' in corpus ? 'tsv' : 'two-texts', characters: texts.reduce((n, t) => n + t.length, 0), lines: lines[0] ?? 0 } };
}

/** The result without the model (for the job page; the model is in the download). */
export function trimIbm1(r: Ibm1Result) {
  const { model: _model, ...rest } = r;
  return rest;
}
