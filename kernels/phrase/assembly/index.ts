/**
 * @module Phrase-based translation decoding kernel: the kernel ABI of shared/kernels/abi.ts
 * over the byte layout of shared/kernels/phrase.codec.ts. Moses' stack decoder with future
 * costs (Koehn, Och & Marcu 2003; Koehn 2010 ch. 6): stack t holds hypotheses covering t
 * source words; each hypothesis of stack t is extended by the options of every allowed
 * uncovered span into stack t + |span|. One work unit is the expansion of one stack.
 *
 * Model. Score = Σ_k w_tm[k]·(Σ phrases' scores[k]) + w_lm·(LM log prob of the target words,
 * from <s>, with </s> when complete) + w_word·words + w_phrase·phrases + w_distortion·Σ |start −
 * previous phrase's end| (the first phrase's previous end is 0). The output's features are
 * those raw totals, so score = dot(weights, features) up to rounding.
 *
 * Arithmetic (IEEE binary64, no fused multiply-add; shared bit for bit with ../reference.ts and
 * ../phrase.c; every sum is left to right from 0 unless it says otherwise):
 * - lp(w | c_0 … c_{k−1}) (context oldest first, k ≤ N − 1): acc = 0; for j = 0 … k − 1: if the
 *   entry (c_j … c_{k−1}, w) exists return acc + its log p, else acc = acc + bow(c_j … c_{k−1})
 *   (0 when that is no entry); finally return acc + log p of w's unigram (the unknown word's
 *   log p when none).
 * - Per option o (init): tm(o) = Σ_k w_tm[k]·scores[k]; static(o) = (tm(o) + w_word·len) +
 *   w_phrase; alone(o) = Σ_i lp(t_i | t_{max(0, i−N+1)} … t_{i−1}); est(o) = static(o) +
 *   w_lm·alone(o).
 * - Future costs per sentence: fc[i][j] = the highest est(o) of the options of [i, j) (−∞ when
 *   none); then for lengths 1 … n, i ascending: fc[i][j] = max(fc[i][j], fc[i][k] + fc[k][j]
 *   for k = i + 1 … j − 1 ascending, replacing only when strictly higher). A hypothesis's future
 *   is Σ fc[a][b] over its maximal uncovered runs [a, b), left to right.
 * - LM state: after the words h (the state, then the phrase), the last min(N − 1, |h|) of them;
 *   then, while it is not empty and droppable, its oldest word is dropped (KenLM's state
 *   minimisation). Droppable: no LM entry extends the state (none starts with it and is longer)
 *   and its backoff weight is 0 (or it is no entry): then no probability changes. The empty
 *   hypothesis's state is that of the words (<s>).
 * - Extension of h (score, coverage, state, last end) by option o of span [s, e): allowed when
 *   s … e − 1 are uncovered, |s − last| ≤ D, and, when s is not the first uncovered position f,
 *   e − f ≤ D (so the decoder can always come back to f; D = 0 is monotone). base = h.score +
 *   w_distortion·|s − last|; fut = the future of the new coverage; sc = base + static(o);
 *   lm = Σ_i lp(t_i | the last N − 1 words of (h's state, t_0 … t_{i−1})); sc = sc + w_lm·lm;
 *   estimate = sc + fut.
 * - Order: stacks t = 0 … n − 1; in a stack, slots ascending; per hypothesis, s ascending, then
 *   e ascending, then the span's options in input order.
 * - Stack t (B slots): an extension is dropped when the stack is full and its estimate is not
 *   strictly higher than the worst's (the lowest estimate, the earlier slot among equals).
 *   Otherwise, if the stack holds a hypothesis of the same state (coverage, LM state, last end),
 *   the higher score stays (a tie keeps the one there; its estimate becomes the new score + its
 *   future, its path the new one's); else the extension is appended, or takes the worst's slot
 *   when the stack is full.
 * - End of a sentence: final = score + w_lm·lp(</s> | state) for every hypothesis of stack n;
 *   the candidates are the first K of them by final score, highest first, ties by slot. A
 *   candidate's features along its path, first phrase first: tm[k] = Σ scores[k]; lm = Σ of each
 *   phrase's lm (as in its extension, after its predecessor's state) + lp(</s> | state); words,
 *   phrases and distortion are integers.
 * Every score is finite: init refuses any weight or value over PHRASE_VALUE_ABS_MAX.
 *
 * Pruning shortcuts, which change no result: when w_lm ≥ 0, a phrase's lm is at most ub(o) =
 * Σ_i (bowUb + maxLp(t_i)) (maxLp: the highest log p any entry, or the unknown word, gives the
 * word; bowUb: N − 1 times the largest backoff weight, at least 0; rounding is monotonic), so a
 * full stack drops a span (on its options' highest static and ub) or an option before its LM is
 * looked up when even that bound does not beat the worst.
 *
 * Memory: the input at a 16-aligned base, then the work memory init lays out after it
 * (unit.ts says what goes where), fixed scratch in static data. The modules: unit.ts reads and
 * checks the unit, lm.ts the LM table and lookups, options.ts per-option numbers and a
 * sentence's span table and future costs, search.ts one stack's expansion, finish.ts the
 * n-best output; this file is the kernel ABI.
 */
import { PHRASE_ERR_INIT_TWICE, PHRASE_ERR_NOT_READY } from '../codes';
import { BOS_ID, buildLm, minimise } from './lm';
import { buildOptions, prepareSentence } from './options';
import { counts, expandStack, fc, futureOf, place, sigOf, spanEnd, spanFirst, spanStatic, spanUb } from './search';
import { hist } from './phraselm';
import { finishSentence } from './finish';
import { hypAt, u32At } from './layout';
import { bucketMask, bucketP, checkSentences, checkValues, countsP, heapP, hypP, lensP, outLen, outPtr, placeWorkMemory, readHeader, sCount, sentenceWidth, wordCount } from './unit';
import { PHRASE_SENTENCE_TOKENS_MAX } from '../codes';
/** The ABI's input_alloc (shared/kernels/abi.ts), the same for every kernel. */
export { input_alloc } from '../../common/assembly/memory';

/** Scratch for a sentence width's longest-path table. */
const widthScratch = memory.data((PHRASE_SENTENCE_TOKENS_MAX + 1) << 2, 16);

let initCalled = false;
let ready = false;
let workTotal: f64 = 0;

// Progress, kept between step() calls.
let sentence: u32 = 0;
let sentenceStarted = false;
let stack: u32 = 0;
let n: u32 = 0;
let firstOption: u32 = 0;
let outAt: usize = 0;
let workDone: f64 = 0;

/** Parses and checks the unit, builds the LM table and the per-option numbers; 0 or a PHRASE_ERR_* code (the first problem found). */
export function init(): i32 {
  if (initCalled) return PHRASE_ERR_INIT_TWICE;
  initCalled = true;
  let err = readHeader();
  if (err == 0) err = checkSentences();
  if (err == 0) err = checkValues();
  if (err == 0) err = placeWorkMemory(widthScratch);
  if (err == 0) err = buildLm();
  if (err != 0) return err;
  buildOptions();
  workTotal = <f64>wordCount;
  outAt = outPtr;
  ready = true;
  return 0;
}

/** Clears the stacks of the current sentence and puts the empty hypothesis in stack 0. */
function startSentence(): void {
  n = u32At(lensP, sentence);
  const count = u32At(countsP, sentence);
  prepareSentence(n, firstOption, count, spanFirst, spanEnd, spanStatic, spanUb, fc);
  memory.fill(counts, 0, (<usize>n + 1) << 2);
  memory.fill(bucketP, 0xff, ((<usize>n + 1) * (<usize>bucketMask + 1)) << 2);
  store<u32>(hist, BOS_ID);
  const fut = futureOf(0, n);
  const from = minimise(hist, 1);
  place(0, 0, 0, fut, 0 + fut, 0, from, 1, 0, -1, 0, sigOf(0, from, 1, 0));
  store<u32>(heapP, 0);
  hypAt(hypP, 0).heapPos = 0;
  store<u32>(counts, 1);
  stack = 0;
  sentenceStarted = true;
}

/** Writes the current sentence's n-best list and moves on. */
function endSentence(): void {
  const count = u32At(countsP, sentence);
  const width = sentenceWidth(n, firstOption, count, widthScratch);
  outAt += finishSentence(n, width, outAt);
  firstOption += count;
  sentence++;
  sentenceStarted = false;
}

/**
 * Expands at most `budget` stacks, sentences in order. `budget` is an f64 so any JS number
 * arrives unchanged; below 1 or NaN it does nothing.
 */
export function step(budget: f64): i32 {
  if (!ready) return PHRASE_ERR_NOT_READY;
  let left = Math.floor(budget);
  while (sentence < sCount && left >= 1) {
    if (!sentenceStarted) startSentence();
    while (stack < n && left >= 1) {
      expandStack(stack, n);
      stack++;
      left -= 1;
      workDone += 1;
    }
    if (stack == n) endSentence();
  }
  return sentence < sCount ? 1 : 0;
}

/** Stacks expanded so far. */
export function work_done(): f64 {
  return workDone;
}

/** Stacks in the unit: its number of source words; 0 before a successful init. */
export function work_total(): f64 {
  return ready ? workTotal : 0;
}

/** Where the output bytes start (valid once step() returned 0). */
export function output_ptr(): usize {
  return outPtr;
}

/** Output length in bytes: Σ 8 + K·8·(F + 6 + W_i). */
export function output_len(): usize {
  return outLen;
}
