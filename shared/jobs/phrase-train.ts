/**
 * @module The phrase-based translation training job kind (`phrase-train`): a real
 * statistical translation system trained and tuned on volunteers' machines, in stages that
 * are the job's iterations:
 *
 *   0 … A−1   word alignment (IBM Model 2 with a diagonal prior, Dyer et al. 2013) by EM,
 *             both directions in every iteration: the forward shards' units, then the
 *             backward ones (kernel `align`);
 *   A         the Viterbi alignments of both directions (kernel `align`, Viterbi mode);
 *             the edge then symmetrises them, extracts and scores phrase pairs, estimates
 *             a Kneser–Ney LM and a truecaser (./phrase-model.ts);
 *   A+1 … A+R tuning: the dev set decoded with n-best lists (kernel `phrase`), MERT (Och
 *             2003) on every list so far choosing the next round's weights.
 *
 * The result is the tuned model. Like `ibm1-train`, nothing but the parameters is stored
 * between iterations: the corpus is prepared again when an edge does not hold it (bounded
 * cache), the alignment state travels in the units' carry, the model is rebuilt from the
 * Viterbi iteration's stored outputs, and each round's weights from the earlier rounds'.
 */
import { z } from 'zod';
import { ALIGN_KERNEL, alignOutputBytesOf, encodeAlignIteration, nextTension, sumAlignIteration, viterbiFromOutputs, type AlignParams } from '../translation/align-em.ts';
import { readCorpus, utf8Bytes, type CorpusText, type ParallelCorpus } from '../translation/corpus.ts';
import { KeyIndex, normalize, prepareCorpus, shardCostPoints, uniformTable, type PreparedCorpus } from '../translation/em.ts';
import { bleuFromStats, bleuStats, mert, type BleuStats, type NbestCandidate } from '../translation/mert.ts';
import { buildPhraseModel, PHRASE_START_WEIGHTS, type PhraseModel } from '../translation/phrase-model.ts';
import { PHRASE_SENTENCE_TOKENS_MAX } from '../kernels/phrase.codes.ts';
import { PHRASE_SENTENCES_PER_UNIT, phraseCostPoints, indexModel, phraseUnits, readPhraseUnit, sentencePieces, sourceIds, type DecodeSettings, type PhraseIndex } from '../translation/phrase-units.ts';
import { corpusHead, reverseCorpus } from '../translation/reverse.ts';
import { IBM1_CORPUS_BYTES_MAX, IBM1_PAIRS_MAX, IBM1_SENTENCE_TOKENS_MAX, IBM1_SHARD_PAIRS_MAX, TRAINING_JOB_BODY_BYTES_MAX } from '../limits.ts';
import { controlCharAt } from '../text.ts';
import { tokenize } from '../translation/tokenize.ts';
import { CorpusRefusedError, publicIbm1Params } from './ibm1.ts';
import type { SplitUnit } from './split.ts';
import { casedTokens } from './translate.ts';

/** The kernels of the stages. */
export const PHRASE_TRAIN_KERNELS = { align: ALIGN_KERNEL, decode: { id: 'phrase', version: 1 } } as const;
/** Alignment EM iterations at most. */
export const PHRASE_ALIGN_ITERATIONS_MAX = 20;
/** Tuning rounds at most. */
export const PHRASE_TUNING_ROUNDS_MAX = 10;
/** Dev-set pairs at most (held out or given). */
export const PHRASE_DEV_PAIRS_MAX = 3_000;
/** n-best list size of a tuning round (Moses' MERT uses 100; 20 per round, accumulated over rounds, is the usual trade-off for a small dev set). */
export const PHRASE_TUNING_NBEST = 20;
/** Longest phrase (Moses' default 7). */
export const PHRASE_LENGTH_MAX = 7;
/** Prepared corpora and built models each edge keeps (oldest out). */
const CACHED_MAX = 2;
/** MERT settings: seeded random restarts and coordinate-ascent passes per round. */
const MERT = { randomRestarts: 10, seed: 2003, maxIterations: 20 } as const;

const text = z.string().max(TRAINING_JOB_BODY_BYTES_MAX);
const lang = z.string().min(1).max(35);
const corpusText = z.union([z.strictObject({ tsv: text }), z.strictObject({ source: text, target: text })]);

/** Parameters of a phrase-based training job. */
export const PhraseTrainParamsSchema = z.object({
  srcLang: lang,
  tgtLang: lang,
  corpus: corpusText,
  /** Target-language text for the language model besides the corpus' target side, one sentence a line. */
  monolingual: z
    .string()
    .max(TRAINING_JOB_BODY_BYTES_MAX)
    .refine((s) => utf8Bytes(s) <= IBM1_CORPUS_BYTES_MAX, { message: `the monolingual text may have at most ${IBM1_CORPUS_BYTES_MAX} bytes of UTF-8` })
    .refine((s) => controlCharAt(s) < 0 && !s.includes('\uFFFD'), { message: 'the monolingual text must be valid UTF-8 text without control characters (tabs and line breaks allowed)' })
    .optional(),
  /** A development set for tuning; without one, the last `devPairs` pairs of the corpus are held out. */
  dev: corpusText.optional(),
  devPairs: z.int().min(1).max(PHRASE_DEV_PAIRS_MAX).default(500),
  alignIterations: z.int().min(1).max(PHRASE_ALIGN_ITERATIONS_MAX).default(5),
  tuningRounds: z.int().min(0).max(PHRASE_TUNING_ROUNDS_MAX).default(5),
  maxPhraseLength: z.int().min(1).max(PHRASE_LENGTH_MAX).default(5),
  lmOrder: z.int().min(2).max(5).default(4),
  shardPairs: z.int().min(1).max(IBM1_SHARD_PAIRS_MAX).default(2000),
});
export type PhraseTrainParams = z.output<typeof PhraseTrainParamsSchema>;

/** A corpus ready to train on: both directions prepared, the dev set as ids and reference tokens. */
interface Prepared {
  train: ParallelCorpus;
  forward: PreparedCorpus;
  backward: PreparedCorpus;
  dev: { src: string[][]; refs: string[][] };
  casedTargets: string[][];
  monolingual: number[][];
}

const preparedCache = new Map<string, Prepared>();
const modelCache = new Map<string, PhraseModel>();
/** Weights of each tuning round, by job key: the chain MERT makes, kept so a round does not redo the earlier ones. */
const weightsCache = new Map<string, number[][]>();
const cutCache = new Map<string, number[]>();

function keep<T>(cache: Map<string, T>, key: string, value: T): T {
  cache.delete(key);
  if (cache.size >= CACHED_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}

function cacheKey(p: PhraseTrainParams): string {
  return JSON.stringify(p);
}

function readOrRefuse(c: CorpusText, p: PhraseTrainParams): ParallelCorpus {
  const read = readCorpus(c, p.srcLang, p.tgtLang);
  if (read.status !== 'ok') throw new CorpusRefusedError(read.status, read.detail);
  return read.corpus;
}

/** Lines of the target side as written (for the truecaser). */
function targetLines(c: CorpusText): string[] {
  const lines = ('tsv' in c ? c.tsv : c.target).split(/\r?\n/);
  return 'tsv' in c ? lines.map((l) => l.slice(l.indexOf('\t') + 1)) : lines;
}

const words = (vocab: string[], toks: Uint32Array, from: number, to: number) => Array.from(toks.subarray(from, to), (id) => vocab[id]!);

/** The prepared corpus of a job (cached per edge). @throws CorpusRefusedError */
function prepared(p: PhraseTrainParams): Prepared {
  const key = cacheKey(p);
  const hit = preparedCache.get(key);
  if (hit) return keep(preparedCache, key, hit);
  const all = readOrRefuse(p.corpus, p);
  let train = all;
  let dev: Prepared['dev'];
  if (p.dev) {
    const d = readOrRefuse(p.dev, p);
    if (d.pairs > PHRASE_DEV_PAIRS_MAX) throw new CorpusRefusedError('corpus-too-large', `the dev set has ${d.pairs} sentence pairs, at most ${PHRASE_DEV_PAIRS_MAX} (PHRASE_DEV_PAIRS_MAX)`);
    dev = { src: [], refs: [] };
    for (let k = 0; k < d.pairs; k++) {
      dev.src.push(words(d.srcVocab, d.srcTok, d.srcOff[k]!, d.srcOff[k + 1]!));
      dev.refs.push(words(d.tgtVocab, d.tgtTok, d.tgtOff[k]!, d.tgtOff[k + 1]!));
    }
  } else {
    const held = Math.min(p.devPairs, Math.floor(all.pairs / 2));
    if (held < 1) throw new CorpusRefusedError('corpus-empty', 'the corpus needs at least 2 sentence pairs to hold one out for tuning, or a dev set');
    train = corpusHead(all, all.pairs - held);
    dev = { src: [], refs: [] };
    for (let k = all.pairs - held; k < all.pairs; k++) {
      dev.src.push(words(all.srcVocab, all.srcTok, all.srcOff[k]!, all.srcOff[k + 1]!));
      dev.refs.push(words(all.tgtVocab, all.tgtTok, all.tgtOff[k]!, all.tgtOff[k + 1]!));
    }
  }
  const forward = prepareCorpus(train, p.shardPairs, true);
  const backward = prepareCorpus(reverseCorpus(train), p.shardPairs, true);
  if ('tooLarge' in forward) throw new CorpusRefusedError('corpus-too-large', forward.tooLarge);
  if ('tooLarge' in backward) throw new CorpusRefusedError('corpus-too-large', backward.tooLarge);
  const casedTargets = targetLines(p.corpus).map((l) => casedTokens(l, p.tgtLang)).filter((t) => t.length > 0);
  return keep(preparedCache, key, { train, forward, backward, dev, casedTargets, monolingual: monolingualIds(p, train) });
}

/** The monolingual text's sentences as target ids (a word the corpus lacks: one id past its vocabulary), at most IBM1_PAIRS_MAX lines. */
function monolingualIds(p: PhraseTrainParams, c: ParallelCorpus): number[][] {
  if (!p.monolingual) return [];
  const ids = new Map(c.tgtVocab.map((w, i) => [w, i] as const));
  const out: number[][] = [];
  for (const line of p.monolingual.split(/\r?\n/).slice(0, IBM1_PAIRS_MAX)) {
    const toks = tokenize(line, p.tgtLang).slice(0, IBM1_SENTENCE_TOKENS_MAX);
    if (toks.length > 0) out.push(toks.map((w) => ids.get(w) ?? c.tgtVocab.length));
  }
  return out;
}

/** Alignment state carried in every E-step unit: the two tensions, then the two log-likelihoods of each iteration so far. */
function alignUnits(prep: Prepared, tF: Float64Array, tB: Float64Array, carry: number[], params: [AlignParams, AlignParams], mode: 'estep' | 'viterbi'): SplitUnit[] {
  const c = Float64Array.from(carry);
  const make = (pc: PreparedCorpus, t: Float64Array, ap: AlignParams) =>
    encodeAlignIteration(pc, t, c, ap, mode).map((input, i) => ({
      input,
      outputBytes: alignOutputBytesOf(pc, i, c.length, mode),
      costPoints: shardCostPoints(pc.shards[i]!),
      members: pc.shards[i]!.pairs,
      kernel: ALIGN_KERNEL,
    }));
  return [...make(prep.forward, tF, params[0]), ...make(prep.backward, tB, params[1])];
}

const START_ALIGN: AlignParams = { tension: 4, p0: 0.08 };

/** The first iteration: both directions' E-step from uniform tables. */
export function splitPhraseTrain(p: PhraseTrainParams): SplitUnit[] {
  const prep = prepared(p);
  return alignUnits(prep, uniformTable(prep.forward), uniformTable(prep.backward), [START_ALIGN.tension, START_ALIGN.tension], [START_ALIGN, START_ALIGN], 'estep');
}

/**
 * Every iteration's units for the quote (an upper bound where the stage is open-ended):
 * the E-steps, the Viterbi pass (priced as an E-step), and each tuning round's dev-set
 * decoding in units of PHRASE_SENTENCES_PER_UNIT sentences (a unit the byte bounds halve
 * costs at most one point more; the decoding units' inputs are made once the model exists).
 */
export function phraseTrainQuote(p: PhraseTrainParams, first: SplitUnit[]): SplitUnit[] {
  const prep = prepared(p);
  const pieces = prep.dev.src.flatMap((toks) => sentencePieces(toks.map(() => 0)));
  const round: SplitUnit[] = [];
  for (let k = 0; k < pieces.length; k += PHRASE_SENTENCES_PER_UNIT) {
    const batch = pieces.slice(k, k + PHRASE_SENTENCES_PER_UNIT);
    round.push({ input: new Uint8Array(0), outputBytes: 0, costPoints: phraseCostPoints(batch) + 1, members: batch.length });
  }
  return [...Array.from({ length: p.alignIterations + 1 }, () => first).flat(), ...Array.from({ length: p.tuningRounds }, () => round).flat()];
}

/** Takes this thread's prepared corpus of `p` out of its cache (a worker thread hands it to the edge's main thread). */
export function takePhraseTrainCorpus(p: PhraseTrainParams): unknown {
  const key = cacheKey(p);
  const hit = preparedCache.get(key);
  preparedCache.delete(key);
  return hit;
}

/** Caches a corpus another thread prepared for `p` (a structured clone: the key indexes revived). */
export function adoptPhraseTrainCorpus(p: PhraseTrainParams, state: unknown): void {
  const prep = state as Prepared | undefined;
  if (!prep) return;
  prep.forward.index = KeyIndex.revive(prep.forward.index);
  prep.backward.index = KeyIndex.revive(prep.backward.index);
  keep(preparedCache, cacheKey(p), prep);
}

/** Empties this thread's caches (a worker thread keeps nothing between the bodies it reads). */
export function forgetPhraseTrainCorpora(): void {
  preparedCache.clear();
  modelCache.clear();
  weightsCache.clear();
  cutCache.clear();
}

/** The stage an iteration belongs to. */
export function stageOf(p: PhraseTrainParams, iteration: number): { stage: 'align' } | { stage: 'viterbi' } | { stage: 'tuning'; round: number } {
  if (iteration < p.alignIterations) return { stage: 'align' };
  if (iteration === p.alignIterations) return { stage: 'viterbi' };
  return { stage: 'tuning', round: iteration - p.alignIterations };
}

/** The outputs of one iteration split into the forward and backward units. */
function byDirection(prep: Prepared, outputs: Uint8Array[]): [Uint8Array[], Uint8Array[]] {
  const n = prep.forward.shards.length;
  return [outputs.slice(0, n), outputs.slice(n)];
}

/** The model built from the Viterbi iteration's outputs (cached per edge). */
function modelOf(p: PhraseTrainParams, viterbiOutputs: Uint8Array[]): PhraseModel {
  const key = cacheKey(p);
  const hit = modelCache.get(key);
  if (hit) return keep(modelCache, key, hit);
  const prep = prepared(p);
  const [f, b] = byDirection(prep, viterbiOutputs);
  const model = buildPhraseModel(prep.train, viterbiFromOutputs(prep.forward, f), viterbiFromOutputs(prep.backward, b), {
    maxPhraseLength: p.maxPhraseLength,
    lmOrder: p.lmOrder,
    casedTargets: prep.casedTargets,
    monolingual: prep.monolingual,
  });
  return keep(modelCache, key, model);
}

/** Decoder sentences of the dev set (pieces of at most the kernel's length). */
function devSentences(ix: PhraseIndex, prep: Prepared): number[][] {
  return prep.dev.src.flatMap((toks) => sentencePieces(sourceIds(ix, toks)));
}

/** A dev sentence's candidates joined from its pieces' best candidates (pieces beyond the first use their 1-best). */
interface RoundRead {
  nbests: NbestCandidate[][];
  oneBest: BleuStats[];
  texts: string[][];
}

/** Reads a tuning round's outputs into per-sentence n-best lists with BLEU statistics against the dev references. */
function readRound(p: PhraseTrainParams, ix: PhraseIndex, prep: Prepared, outputs: Uint8Array[], settings: DecodeSettings): RoundRead {
  const pieces = devCut(p, ix, prep).flatMap((n, k) => readPhraseUnit(outputs[k]!, n, settings.nbest));
  const read: RoundRead = { nbests: [], oneBest: [], texts: [] };
  let at = 0;
  for (let s = 0; s < prep.dev.src.length; s++) {
    const src = prep.dev.src[s]!;
    const n = Math.max(1, Math.ceil(src.length / PHRASE_SENTENCE_TOKENS_MAX));
    const mine = pieces.slice(at, at + n);
    at += n;
    const wordsOf = (tgt: number[], srcStart: number[], piece: number) => tgt.map((id, k) => (id === ix.unknownId ? src[piece * PHRASE_SENTENCE_TOKENS_MAX + srcStart[k]!]! : ix.model.tgtVocab[id]!));
    // The rest of a long sentence: each later piece's 1-best, features added.
    const restWords: string[] = [];
    const restFeatures = new Array<number>(ix.model.weights.length).fill(0);
    mine.slice(1).forEach((cands, i) => {
      const best = cands[0];
      if (!best) return;
      restWords.push(...wordsOf(best.tgt, best.srcStart, i + 1));
      best.features.forEach((v, k) => (restFeatures[k] = restFeatures[k]! + v));
    });
    const list: NbestCandidate[] = (mine[0] ?? []).map((c) => {
      const hyp = [...wordsOf(c.tgt, c.srcStart, 0), ...restWords];
      return { features: c.features.map((v, k) => v + restFeatures[k]!), stats: bleuStats(hyp, [prep.dev.refs[s]!.join(' ')]) };
    });
    read.nbests.push(list);
    read.oneBest.push(list[0]?.stats ?? bleuStats([], [prep.dev.refs[s]!.join(' ')]));
    const best = mine[0]?.[0];
    read.texts.push(best ? [...wordsOf(best.tgt, best.srcStart, 0), ...restWords] : []);
  }
  return read;
}

/** Weights of tuning rounds 1 … upTo, from the rounds' outputs (`rounds[r-1]`: round r's). */
function weightsChain(p: PhraseTrainParams, ix: PhraseIndex, rounds: Uint8Array[][], upTo: number): { weights: number[][]; bleu: number[] } {
  const prep = prepared(p);
  const key = cacheKey(p);
  const chain = weightsCache.get(key) ?? [[...PHRASE_START_WEIGHTS]];
  const pooled: NbestCandidate[][] = prep.dev.src.map(() => []);
  const bleu: number[] = [];
  for (let r = 1; r <= upTo; r++) {
    const settings = { weights: chain[r - 1]!, nbest: PHRASE_TUNING_NBEST };
    const read = readRound(p, ix, prep, rounds[r - 1]!, settings);
    bleu.push(bleuFromStats(sumStats(read.oneBest)));
    read.nbests.forEach((list, s) => pooled[s]!.push(...list));
    if (chain.length <= r) chain.push(mert(pooled, chain[r - 1]!, MERT).weights);
  }
  keep(weightsCache, key, chain);
  return { weights: chain.slice(0, upTo + 1), bleu };
}

function sumStats(all: BleuStats[]): BleuStats {
  const total = structuredClone(all[0]!);
  for (const s of all.slice(1)) for (const k of Object.keys(s) as (keyof BleuStats)[]) (total[k] as unknown) = addStat(total[k], s[k]);
  return total;
}

function addStat<T>(a: T, b: T): T {
  if (typeof a === 'number') return ((a as number) + (b as number)) as T;
  if (Array.isArray(a)) return a.map((x, i) => x + (b as number[])[i]!) as T;
  return a;
}

/**
 * Decoder sentences per dev-set unit: the same cut every round (it depends on the model's
 * options and LM, not on the weights), kept per edge so reading a round's outputs does not
 * encode its units again.
 */
function devCut(p: PhraseTrainParams, ix: PhraseIndex, prep: Prepared): number[] {
  const key = cacheKey(p);
  const hit = cutCache.get(key);
  if (hit) return keep(cutCache, key, hit);
  return keep(cutCache, key, phraseUnits(ix, devSentences(ix, prep), { weights: [...PHRASE_START_WEIGHTS], nbest: PHRASE_TUNING_NBEST }).map((u) => u.members));
}

/** Units of a tuning round with `weights`. */
function tuningUnits(p: PhraseTrainParams, ix: PhraseIndex, prep: Prepared, weights: number[]): SplitUnit[] {
  const units = phraseUnits(ix, devSentences(ix, prep), { weights, nbest: PHRASE_TUNING_NBEST });
  keep(cutCache, cacheKey(p), units.map((u) => u.members));
  return units.map((u) => ({
    input: u.input,
    outputBytes: u.outputBytes,
    costPoints: u.costPoints,
    members: u.members,
    kernel: PHRASE_TRAIN_KERNELS.decode,
  }));
}

/**
 * Earlier iterations `next` and `assimilate` read: from the Viterbi iteration on, the last
 * E-step (its carry holds the likelihood history), the Viterbi iteration and every tuning
 * round before this one.
 */
export function phraseTrainEarlier(p: PhraseTrainParams, iteration: number): number[] {
  if (iteration < p.alignIterations) return [];
  return Array.from({ length: iteration - p.alignIterations + 1 }, (_, k) => p.alignIterations - 1 + k).filter((it) => it < iteration);
}

/** The alignment stage's log-likelihoods per direction and its last tensions, from the last E-step's outputs. */
function alignmentHistory(p: PhraseTrainParams, lastEstep: Uint8Array[] | undefined): PhraseTrainResult['alignment'] {
  const none = { logLikelihood: { forward: [], backward: [] }, tension: { forward: START_ALIGN.tension, backward: START_ALIGN.tension } };
  if (!lastEstep) return none;
  const prep = prepared(p);
  const [f, b] = byDirection(prep, lastEstep);
  const sf = sumAlignIteration(prep.forward, f);
  const sb = sumAlignIteration(prep.backward, b);
  const [tensionF, tensionB, ...history] = sf.carry;
  const all = [...history, sf.logLikelihood, sb.logLikelihood];
  return {
    logLikelihood: { forward: all.filter((_, k) => k % 2 === 0), backward: all.filter((_, k) => k % 2 === 1) },
    tension: { forward: tensionF!, backward: tensionB! },
  };
}

/** The next iteration's units, or null after the last tuning round. */
export function nextPhraseTrain(p: PhraseTrainParams, outputs: Uint8Array[], iteration: number, earlier: ReadonlyMap<number, Uint8Array[]>): SplitUnit[] | null {
  const prep = prepared(p);
  const st = stageOf(p, iteration);
  if (st.stage === 'align') {
    const [f, b] = byDirection(prep, outputs);
    const sf = sumAlignIteration(prep.forward, f);
    const sb = sumAlignIteration(prep.backward, b);
    const [tensionF, tensionB, ...history] = sf.carry;
    const nextF = nextTension(tensionF!, sf);
    const nextB = nextTension(tensionB!, sb);
    const carry = [nextF, nextB, ...history, sf.logLikelihood, sb.logLikelihood];
    const mode = iteration + 1 === p.alignIterations ? 'viterbi' : 'estep';
    return alignUnits(prep, normalize(prep.forward, sf.counts), normalize(prep.backward, sb.counts), carry, [{ ...START_ALIGN, tension: nextF }, { ...START_ALIGN, tension: nextB }], mode);
  }
  if (p.tuningRounds === 0) return null;
  const viterbi = st.stage === 'viterbi' ? outputs : earlier.get(p.alignIterations)!;
  const ix = indexModel(modelOf(p, viterbi));
  if (st.stage === 'viterbi') return tuningUnits(p, ix, prep, [...PHRASE_START_WEIGHTS]);
  if (st.round >= p.tuningRounds) return null;
  const rounds = [...tuningOutputs(p, earlier, iteration), outputs];
  const { weights } = weightsChain(p, ix, rounds, st.round);
  return tuningUnits(p, ix, prep, weights[st.round]!);
}

function tuningOutputs(p: PhraseTrainParams, earlier: ReadonlyMap<number, Uint8Array[]>, iteration: number): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let it = p.alignIterations + 1; it < iteration; it++) out.push(earlier.get(it)!);
  return out;
}

/** The result of a phrase-based training job. */
export interface PhraseTrainResult {
  kind: 'phrase-train';
  params: Omit<PhraseTrainParams, 'corpus' | 'dev' | 'monolingual'>;
  model: PhraseModel;
  pairs: number;
  devPairs: number;
  skipped: number;
  membersDone: number;
  alignment: { logLikelihood: { forward: number[]; backward: number[] }; tension: { forward: number; backward: number } };
  phrasePairs: number;
  lmEntries: number;
  /** Dev-set BLEU of each tuning round's 1-best (the weights that round decoded with), in 0–100. */
  tuning: { round: number; devBleu: number; weights: number[] }[];
}

/** The final result: the model with the weights MERT chose from every round's n-best lists. */
export function assimilatePhraseTrain(p: PhraseTrainParams, outputs: Uint8Array[], earlier: ReadonlyMap<number, Uint8Array[]>): PhraseTrainResult {
  const prep = prepared(p);
  const last = p.alignIterations + p.tuningRounds;
  const viterbi = p.tuningRounds === 0 ? outputs : earlier.get(p.alignIterations)!;
  const base = modelOf(p, viterbi);
  const ix = indexModel(base);
  let weights = [...PHRASE_START_WEIGHTS];
  let tuning: PhraseTrainResult['tuning'] = [];
  if (p.tuningRounds > 0) {
    const rounds = [...tuningOutputs(p, earlier, last), outputs];
    const chain = weightsChain(p, ix, rounds, p.tuningRounds);
    weights = chain.weights[p.tuningRounds]!;
    tuning = chain.bleu.map((b, r) => ({ round: r + 1, devBleu: b, weights: chain.weights[r]! }));
  }
  const alignment = alignmentHistory(p, p.alignIterations === 0 ? undefined : earlier.get(p.alignIterations - 1));
  const { corpus: _c, dev: _d, monolingual: _m, ...rest } = p;
  return {
    kind: 'phrase-train',
    params: rest,
    model: { ...base, weights },
    pairs: prep.train.pairs,
    devPairs: prep.dev.src.length,
    skipped: prep.train.skipped,
    membersDone: prep.train.pairs,
    alignment,
    phrasePairs: base.phraseCount,
    lmEntries: base.lm.entryCount,
    tuning,
  };
}

/** Progress within the current stage. */
export function partialPhraseTrain(p: PhraseTrainParams, iteration: number, done: { index: number; output: Uint8Array }[]) {
  const prep = prepared(p);
  const st = stageOf(p, iteration);
  const members = st.stage === 'tuning' ? done.length : done.reduce((a, u) => a + (u.index < prep.forward.shards.length ? prep.forward.shards[u.index]!.pairs : prep.backward.shards[u.index - prep.forward.shards.length]?.pairs ?? 0), 0);
  return { kind: 'phrase-train' as const, iteration, stage: st.stage, round: 'round' in st ? st.round : undefined, membersDone: members, pairs: prep.train.pairs };
}

/** A training job's parameters as the API shows them: the corpus and the dev set by their sizes. */
export function publicPhraseTrainParams(params: Record<string, unknown>): Record<string, unknown> {
  const { monolingual, ...rest } = publicIbm1Params(params);
  const shown = typeof monolingual === 'string' ? { ...rest, monolingual: { characters: monolingual.length, lines: monolingual.split('\n').length } } : rest;
  return params.dev === undefined ? shown : { ...shown, dev: publicIbm1Params({ corpus: params.dev }).corpus };
}

/** The result without the model (the job page; the model is in the download). */
export function trimPhraseTrain(r: PhraseTrainResult) {
  const { model: _model, ...rest } = r;
  return rest;
}
