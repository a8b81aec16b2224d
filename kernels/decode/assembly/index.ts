/**
 * @module Translation decoding kernel: the kernel ABI of shared/kernels/abi.ts over the byte
 * layout of shared/kernels/decode.codec.ts. Stack decoding (Koehn 2010, ch. 6) of each
 * sentence with word-based options: stack s holds hypotheses covering s source words; each
 * hypothesis of stack s is extended by one untranslated word within the reordering window
 * (at most D positions past the first untranslated word) and one of that word's options, into
 * stack s + 1. One work unit is the expansion of one stack.
 *
 * Score of an extension (operation order shared bit for bit with ../reference.ts and
 * ../decode.c; IEEE binary64, no fused multiply-add):
 *   s = h.score + option.score;  s = s − dw·|j − (h.last + 1)|
 *   per target word t (t1, then t2): s = s + (λ·lm(w1, w2, t) + wp); (w1, w2) = (w2, t)
 *   future = h.future − fw[type_j];  estimate = s + future
 * where fw[v] = max over v's options of option.score + Σ_t (λ·lm(t) + wp) (unigram LM, the
 * optimistic cost of translating v later), and a sentence starts with future = Σ_j fw[type_j]
 * (ascending j, from 0), state (NONE, <s>), last = −1. A finished hypothesis scores
 * s + λ·lm(w1, w2, </s>).
 * lm(a, b, w) in backoff form (ARPA): the trigram's log p if held; else bow(a b) (0 if not
 * held) + the bigram's log p if held; else + bow(b) + the unigram's log p, or the unknown
 * word's log probability.
 * Stacks: an extension into a full stack (B hypotheses) is dropped unless its estimate is
 * strictly higher than the stack's worst (the first in slot order among equals); otherwise it
 * is recombined with the hypothesis of the same state (coverage, w1, w2, last) if there is one
 * (the higher score stays, a tie keeps the one already there, the estimate becomes the new
 * score + the kept future), else appended, or put in the worst's slot when full. The best
 * finished hypothesis is the first in slot order with the highest final score.
 *
 * Memory (one instance runs one unit, nothing is freed): the input at a 16-aligned base, then
 * the work memory init lays out after it (unit.ts says what goes where). Every record in it,
 * and in the input, is a class of layout.ts.
 *
 * The modules: unit.ts reads and checks the unit and places the work memory, tables.ts builds
 * the LM table, future costs and bounds, stack.ts expands one stack (the hot loops), lookup.ts
 * holds the LM lookups and state signatures; this file is the kernel ABI and one sentence's
 * start and finish.
 */
import { DECODE_ERR_INIT_TWICE, DECODE_ERR_NOT_READY, DECODE_ERR_TARGET_ID, DECODE_TARGET_IDS_MAX } from '../codes';
import { BOS, EOS, NONE, contextAll, contextBow, lmIn } from './lookup';
import { ALIGNED_BYTES, Aligned, HYP_BYTES, SENTENCE_HEAD_BYTES, SentenceHead, f64At, hypAt, optAt, u32At } from './layout';
import { buildBounds, buildFutureCosts, buildLmTable, buildUnigrams } from './tables';
import { expandStack } from './stack';
import {
  beam,
  checkWordsAndOptions,
  countP,
  fwP,
  highestTarget,
  hypP,
  lensP,
  lmP,
  lmW,
  optP,
  outLen,
  outPtr,
  pathP,
  placeWorkMemory,
  readHeader,
  readSections,
  sCount,
  tabMask,
  tabP,
  uniBowP,
  uniHasP,
  uniLpP,
  wordCount,
  wordsP,
} from './unit';
import { storeCanonical } from '../../common/assembly/memory';
/** The ABI's input_alloc (shared/kernels/abi.ts), the same for every kernel. */
export { input_alloc } from '../../common/assembly/memory';

let initCalled = false;
let ready = false;
let workTotal: f64 = 0;

// Progress, kept between step() calls.
let sentence: u32 = 0;
let sentenceStarted = false;
let stack: u32 = 0;
let n: u32 = 0;
let wordAt: usize = 0;
let outAt: usize = 0;
let workDone: f64 = 0;

/**
 * Parses and checks the unit, builds the LM table, the future costs and the bounds; 0 or a
 * DECODE_ERR_* code (the first problem found, in the order the steps below check).
 */
export function init(): i32 {
  if (initCalled) return DECODE_ERR_INIT_TWICE;
  initCalled = true;
  let err = readHeader();
  if (err == 0) err = readSections();
  if (err == 0) err = checkWordsAndOptions();
  if (err != 0) return err;
  const maxT = highestTarget();
  if (maxT >= <u32>DECODE_TARGET_IDS_MAX) return DECODE_ERR_TARGET_ID;
  const ids = <u64>maxT + 1;
  err = placeWorkMemory(ids);
  if (err == 0) err = buildLmTable();
  if (err != 0) return err;
  buildUnigrams(ids);
  buildFutureCosts();
  buildBounds(ids);
  workTotal = <f64>wordCount;
  wordAt = wordsP;
  outAt = outPtr;
  ready = true;
  return 0;
}

/** log p(w | a b), the context's weights looked up here. */
function lm(a: u32, b: u32, w: u32): f64 {
  const boAB = contextBow(tabP, tabMask, lmP, a, b);
  return lmIn(tabP, tabMask, lmP, uniLpP, a, b, w, boAB, contextAll(uniHasP, uniBowP, boAB, b));
}

/**
 * Clears the stacks and puts the empty hypothesis of the current sentence in stack 0: nothing
 * covered, context (NONE, <s>), last = −1.
 */
function startSentence(): void {
  n = u32At(lensP, sentence);
  memory.fill(countP, 0, (<usize>n + 1) << 2);
  let future: f64 = 0;
  for (let j: u32 = 0; j < n; j++) future += f64At(fwP, u32At(wordAt, j));
  const h = hypAt(hypP, 0);
  h.score = 0;
  h.future = future;
  h.cov = 0;
  h.w1 = NONE;
  h.w2 = BOS;
  h.last = -1;
  h.back = -1;
  store<u32>(countP, 1);
  stack = 0;
  sentenceStarted = true;
}

/**
 * Picks the best finished hypothesis (the first with the highest score + λ·lm(w1, w2, </s>)),
 * follows it back and writes the sentence's output.
 */
function finishSentence(): void {
  const b = beam;
  const finished = hypP + HYP_BYTES * <usize>n * <usize>b;
  const cnt = u32At(countP, n);
  let best: u32 = 0;
  let bestScore: f64 = 0;
  for (let k: u32 = 0; k < cnt; k++) {
    const h = hypAt(finished, k);
    const f = h.score + lmW * lm(h.w1, h.w2, EOS);
    if (k == 0 || f > bestScore) {
      bestScore = f;
      best = k;
    }
  }
  // Back pointers from the best to the empty hypothesis: one hop per source word.
  let hi = <i32>(n * b + best);
  for (let s = <i32>n - 1; s >= 0; s--) {
    store<i32>(pathP + (<usize>s << 2), hi);
    hi = hypAt(hypP, <usize>hi).back;
  }
  const o = outAt;
  storeCanonical(o + offsetof<SentenceHead>('score'), bestScore);
  changetype<SentenceHead>(o).count = writeAlignment(o + SENTENCE_HEAD_BYTES);
  outAt = o + SENTENCE_HEAD_BYTES + 2 * ALIGNED_BYTES * <usize>n;
  wordAt += <usize>n << 2;
  sentence++;
  sentenceStarted = false;
}

/** Writes the path's target words, each with the source position it translates, from `at`; returns how many. */
@inline function writeAlignment(at: usize): u32 {
  let m: u32 = 0;
  for (let s: u32 = 0; s < n; s++) {
    const h = hypAt(hypP, <usize>load<i32>(pathP + (<usize>s << 2)));
    const src = <u32>h.last;
    const opt = optAt(optP, h.opt);
    const t1 = opt.t1;
    const t2 = opt.t2;
    if (t1 != NONE) {
      const a = changetype<Aligned>(at + <usize>m * ALIGNED_BYTES);
      a.target = t1;
      a.source = src;
      m++;
    }
    if (t2 != NONE) {
      const a = changetype<Aligned>(at + <usize>m * ALIGNED_BYTES);
      a.target = t2;
      a.source = src;
      m++;
    }
  }
  return m;
}

/**
 * Expands at most `budget` stacks, sentences in order. `budget` is an f64 so any JS number
 * arrives unchanged (an i32 would wrap 2^32 to 0); below 1 or NaN it does nothing.
 */
export function step(budget: f64): i32 {
  if (!ready) return DECODE_ERR_NOT_READY;
  let left = Math.floor(budget);
  while (sentence < sCount && left >= 1) {
    if (!sentenceStarted) startSentence();
    while (stack < n && left >= 1) {
      expandStack(stack, wordAt, n);
      stack++;
      left -= 1;
      workDone += 1;
    }
    if (stack == n) finishSentence();
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

/** Output length in bytes: Σ (16 + 16·n_i). */
export function output_len(): usize {
  return outLen;
}
