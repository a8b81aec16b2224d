/**
 * @module The unit as init() reads it: the header, where each section of the input starts,
 * every count, span, id and value checked (each problem its own PHRASE_ERR_* code, in the
 * order init finds them: this file's functions top to bottom), and where the work memory
 * goes. These globals are set once and only read afterwards; the hot loops copy the ones
 * they use into locals (a global is a memory read).
 *
 * Work memory, past the input at 16-aligned starts: the LM table's slots (u64: record index
 * + 1 in the low half, 0 empty; the record's hash in the high half; a power of two at least
 * twice the records) and its records (Gram; at most two per entry: the entry and its
 * prefix's context record), the unigrams by target id (log p, backoff weight, the highest
 * log p: f64; flags: u8), per option its static score, future estimate and LM bound (f64)
 * and where its target ids start (u32), the hypotheses ((maxLen + 1)·B Hyp records; stack t
 * at [t·B, (t + 1)·B)), the heaps (u32 slots, B per stack), the recombination buckets (i32,
 * NB per stack), the final scores and order (B each), then the output (fresh pages: unused
 * candidates and words stay zero). Fixed-size scratch (span table, future costs, counts,
 * path) is static data (search.ts).
 */
import * as C from '../codes';
import { finite } from './lm';
import { GRAM_BYTES, HEADER_BYTES, HYP_BYTES, Header, f64At, u32At } from './layout';
import { ensureMemory, inLen, inPtr } from '../../common/assembly/memory';

/** The layout word of shared/kernels/phrase.codec.ts. */
const LAYOUT: u32 = 1;
/** The LM table's fewest slots; it doubles until it is at least twice the records. */
const GRAM_SLOTS_MIN: u32 = 16;
/** Bytes per output candidate besides its features and words: score, count, pad. */
const CANDIDATE_FIXED_BYTES: u64 = 16;

// The header.
export let sCount: u32 = 0;
export let fCount: u32 = 0;
export let order: u32 = 0;
export let lCount: u32 = 0;
export let beam: u32 = 0;
export let dLimit: u32 = 0;
export let nBest: u32 = 0;
export let oCount: u32 = 0;
export let tCount: u32 = 0;
export let unk: f64 = 0;
export let wLm: f64 = 0;
export let wWord: f64 = 0;
export let wPhrase: f64 = 0;
export let wDist: f64 = 0;
/** Source words in the unit, the longest sentence, the highest target id. */
export let wordCount: u64 = 0;
export let maxLen: u32 = 0;
export let maxId: u32 = 1;

// The input's sections.
export let wTmP: usize = 0;
export let scoresP: usize = 0;
export let logpP: usize = 0;
export let bowP: usize = 0;
export let lensP: usize = 0;
export let countsP: usize = 0;
export let headsP: usize = 0;
export let tgtP: usize = 0;
export let lmIdsP: usize = 0;

// The work memory (see the module comment).
export let slotP: usize = 0;
export let slotMask: u32 = 0;
export let gramP: usize = 0;
export let uniLpP: usize = 0;
export let uniBowP: usize = 0;
export let maxLpP: usize = 0;
export let uniFlagsP: usize = 0;
export let optStaticP: usize = 0;
export let optEstP: usize = 0;
export let optUbP: usize = 0;
export let optTgtAtP: usize = 0;
export let hypP: usize = 0;
export let heapP: usize = 0;
export let bucketP: usize = 0;
export let bucketMask: u32 = 0;
export let finP: usize = 0;
export let orderP: usize = 0;
export let outPtr: usize = 0;
export let outLen: usize = 0;

@inline function inRange(v: f64): bool {
  return finite(v) && abs(v) <= C.PHRASE_VALUE_ABS_MAX;
}

/** Option o's head fields: start, end, target length, reserved byte. */
@inline export function optStart(o: u32): u32 {
  return load<u8>(headsP + (<usize>o << 2));
}
@inline export function optEnd(o: u32): u32 {
  return load<u8>(headsP + (<usize>o << 2), 1);
}
@inline export function optLen(o: u32): u32 {
  return load<u8>(headsP + (<usize>o << 2), 2);
}

/** The header's settings and weights, and where the sections start; 0 or the first problem. */
export function readHeader(): i32 {
  if (inPtr == 0 || inLen < HEADER_BYTES) return C.PHRASE_ERR_SHORT_INPUT;
  const h = changetype<Header>(inPtr);
  if (h.layout != LAYOUT) return C.PHRASE_ERR_LAYOUT;
  sCount = h.sentences;
  fCount = h.features;
  order = h.lmOrder;
  lCount = h.lmEntries;
  beam = h.beam;
  dLimit = h.distortionLimit;
  nBest = h.nbest;
  oCount = h.options;
  tCount = h.targetWords;
  if (fCount < 1 || fCount > <u32>C.PHRASE_FEATURES_MAX) return C.PHRASE_ERR_FEATURES;
  if (order < 1 || order > <u32>C.PHRASE_LM_ORDER_MAX) return C.PHRASE_ERR_LM_ORDER;
  if (beam < 1 || beam > <u32>C.PHRASE_BEAM_MAX) return C.PHRASE_ERR_BEAM;
  if (dLimit > <u32>C.PHRASE_DISTORTION_MAX) return C.PHRASE_ERR_DISTORTION;
  if (nBest < 1 || nBest > <u32>C.PHRASE_NBEST_MAX) return C.PHRASE_ERR_NBEST;
  if (h.reserved1 != 0 || h.reserved2 != 0) return C.PHRASE_ERR_RESERVED;
  const F = <u64>fCount, O = <u64>oCount, L = <u64>lCount, S = <u64>sCount;
  const want = <u64>HEADER_BYTES + 8 * F + 8 * O * F + 16 * L + 8 * S + 4 * O + 4 * <u64>tCount + 4 * L * <u64>order;
  if (want != <u64>inLen) return C.PHRASE_ERR_INPUT_LENGTH;
  unk = h.unkLogProb;
  wLm = h.wLm;
  wWord = h.wWord;
  wPhrase = h.wPhrase;
  wDist = h.wDistortion;
  wTmP = inPtr + HEADER_BYTES;
  if (!inRange(unk) || !inRange(wLm) || !inRange(wWord) || !inRange(wPhrase) || !inRange(wDist)) return C.PHRASE_ERR_WEIGHTS;
  for (let k: u32 = 0; k < fCount; k++) if (!inRange(f64At(wTmP, k))) return C.PHRASE_ERR_WEIGHTS;
  scoresP = wTmP + (<usize>fCount << 3);
  logpP = scoresP + <usize>(8 * O * F);
  bowP = logpP + <usize>(8 * L);
  lensP = bowP + <usize>(8 * L);
  countsP = lensP + <usize>(4 * S);
  headsP = countsP + <usize>(4 * S);
  tgtP = headsP + <usize>(4 * O);
  lmIdsP = tgtP + (<usize>tCount << 2);
  return 0;
}

/** Sentence lengths, option counts, every option's span, length and order, the one-word options; 0 or the first problem. */
export function checkSentences(): i32 {
  let words: u64 = 0;
  for (let i: u32 = 0; i < sCount; i++) {
    const n = u32At(lensP, i);
    if (n > <u32>C.PHRASE_SENTENCE_TOKENS_MAX) return C.PHRASE_ERR_SENTENCE_LENGTH;
    words += n;
    if (n > maxLen) maxLen = n;
  }
  wordCount = words;
  let total: u64 = 0;
  for (let i: u32 = 0; i < sCount; i++) {
    const c = u32At(countsP, i);
    if (c > <u32>C.PHRASE_OPTIONS_PER_SENTENCE_MAX) return C.PHRASE_ERR_OPTION_COUNT;
    total += c;
  }
  if (total != <u64>oCount) return C.PHRASE_ERR_OPTION_COUNT;
  let targets: u64 = 0;
  let o: u32 = 0;
  for (let i: u32 = 0; i < sCount; i++) {
    const n = u32At(lensP, i);
    const c = u32At(countsP, i);
    // Positions with a one-word option, as a 64-bit mask.
    let single: u64 = 0;
    for (let q: u32 = 0; q < c; q++, o++) {
      const s = optStart(o), e = optEnd(o), l = optLen(o);
      if (load<u8>(headsP + (<usize>o << 2), 3) != 0) return C.PHRASE_ERR_OPTION;
      if (s >= e || e > n) return C.PHRASE_ERR_OPTION_RANGE;
      if (e - s > <u32>C.PHRASE_SOURCE_LEN_MAX) return C.PHRASE_ERR_SPAN_LENGTH;
      if (l > <u32>C.PHRASE_TARGET_LEN_MAX) return C.PHRASE_ERR_TARGET_LENGTH;
      if (q > 0 && (s < optStart(o - 1) || (s == optStart(o - 1) && e < optEnd(o - 1)))) return C.PHRASE_ERR_OPTION_ORDER;
      targets += l;
      if (e == s + 1) single |= <u64>1 << <u64>s;
    }
    const all: u64 = n == 64 ? ~(<u64>0) : (<u64>1 << <u64>n) - 1;
    if (single != all) return C.PHRASE_ERR_MISSING_WORD_OPTION;
  }
  if (targets != <u64>tCount) return C.PHRASE_ERR_TARGET_WORDS;
  return 0;
}

/** Target ids, option feature values and LM entries; 0 or the first problem (duplicates are found when the table is built). */
export function checkValues(): i32 {
  for (let k: u32 = 0; k < tCount; k++) {
    const t = u32At(tgtP, k);
    if (t <= 1 || t >= <u32>C.PHRASE_TARGET_IDS_MAX) return C.PHRASE_ERR_TARGET_ID;
    if (t > maxId) maxId = t;
  }
  const values = <usize>oCount * <usize>fCount;
  for (let k: usize = 0; k < values; k++) if (!inRange(f64At(scoresP, k))) return C.PHRASE_ERR_OPTION_SCORE;
  const N = order;
  for (let k: u32 = 0; k < lCount; k++) {
    const row = lmIdsP + ((<usize>k * <usize>N) << 2);
    let pad: u32 = 0;
    while (pad < N && u32At(row, pad) == 0xffffffff) pad++;
    if (pad == N) return C.PHRASE_ERR_LM_ENTRY;
    for (let i = pad; i < N; i++) {
      const id = u32At(row, i);
      if (id >= <u32>C.PHRASE_TARGET_IDS_MAX) return C.PHRASE_ERR_LM_ENTRY;
      if (id > maxId) maxId = id;
    }
    if (!inRange(f64At(logpP, k)) || !inRange(f64At(bowP, k))) return C.PHRASE_ERR_LM_ENTRY;
  }
  return 0;
}

/** W of the sentence whose `c` options start at option `o`, `n` words (phraseSentenceWidth of the codec); `best` is scratch for n + 1 i32. */
export function sentenceWidth(n: u32, o: u32, c: u32, best: usize): u32 {
  store<i32>(best, 0);
  for (let j: u32 = 1; j <= n; j++) store<i32>(best + (<usize>j << 2), -1);
  for (let q: u32 = 0; q < c; q++) {
    const s = optStart(o + q), e = optEnd(o + q);
    const from = load<i32>(best + (<usize>s << 2));
    const to = best + (<usize>e << 2);
    if (from >= 0 && from + <i32>optLen(o + q) > load<i32>(to)) store<i32>(to, from + <i32>optLen(o + q));
  }
  return <u32>load<i32>(best + (<usize>n << 2));
}

/** Bytes of a candidate slot for sentences of width W. */
@inline export function candidateBytes(width: u32): usize {
  return <usize>(8 * (<u64>fCount + <u64>C.PHRASE_EXTRA_FEATURES) + CANDIDATE_FIXED_BYTES + 8 * <u64>width);
}

@inline function align16(at: u64): u64 {
  return (at + 15) & ~(<u64>15);
}

/** Places the work memory (the module comment's order) and grows the memory to hold it; PHRASE_ERR_OUT_OF_MEMORY if it cannot. */
export function placeWorkMemory(best: usize): i32 {
  const L = <u64>lCount, O = <u64>oCount, ids = <u64>maxId + 1;
  let cap = GRAM_SLOTS_MIN;
  while (<u64>cap < 4 * L) cap <<= 1;
  let nb: u32 = 1;
  while (nb < 2 * beam) nb <<= 1;
  const slotAt = align16(<u64>inPtr + <u64>inLen);
  const gramAt = slotAt + 8 * <u64>cap;
  const uniLpAt = align16(gramAt + <u64>GRAM_BYTES * 2 * L);
  const uniBowAt = uniLpAt + 8 * ids;
  const maxLpAt = uniBowAt + 8 * ids;
  const uniFlagsAt = maxLpAt + 8 * ids;
  const optStaticAt = align16(uniFlagsAt + ids);
  const optEstAt = optStaticAt + 8 * O;
  const optUbAt = optEstAt + 8 * O;
  const optTgtAtAt = optUbAt + 8 * O;
  const hypAt = align16(optTgtAtAt + 4 * O);
  const slots = (<u64>maxLen + 1) * <u64>beam;
  const heapAt = hypAt + <u64>HYP_BYTES * slots;
  const bucketAt = align16(heapAt + 4 * slots);
  const finAt = align16(bucketAt + 4 * (<u64>maxLen + 1) * <u64>nb);
  const orderAt = finAt + 8 * <u64>beam;
  const outputAt = align16(orderAt + 4 * <u64>beam);
  let outBytes: u64 = 0;
  let o: u32 = 0;
  for (let i: u32 = 0; i < sCount; i++) {
    const n = u32At(lensP, i), c = u32At(countsP, i);
    outBytes += 8 + <u64>nBest * <u64>candidateBytes(sentenceWidth(n, o, c, best));
    o += c;
  }
  if (!ensureMemory(outputAt + outBytes)) return C.PHRASE_ERR_OUT_OF_MEMORY;
  slotP = <usize>slotAt;
  slotMask = cap - 1;
  gramP = <usize>gramAt;
  uniLpP = <usize>uniLpAt;
  uniBowP = <usize>uniBowAt;
  maxLpP = <usize>maxLpAt;
  uniFlagsP = <usize>uniFlagsAt;
  optStaticP = <usize>optStaticAt;
  optEstP = <usize>optEstAt;
  optUbP = <usize>optUbAt;
  optTgtAtP = <usize>optTgtAtAt;
  hypP = <usize>hypAt;
  heapP = <usize>heapAt;
  bucketP = <usize>bucketAt;
  bucketMask = nb - 1;
  finP = <usize>finAt;
  orderP = <usize>orderAt;
  outPtr = <usize>outputAt;
  outLen = <usize>outBytes;
  return 0;
}
