/**
 * @module The unit as init() reads it: the header, where each section of the input starts,
 * every id and value checked (each problem its own DECODE_ERR_* code, in the order init finds
 * them), and where the work memory goes. These globals are set once and only read afterwards;
 * the hot loops copy the ones they use into locals (a global is a memory read).
 *
 * Work memory, past the input at 16-aligned starts: the LM hash table (u32 slots: entry index
 * + 1, 0 empty; a power of two at least twice the entries, so at most half full), fw per type
 * (f64), the unigrams by target id (log p, backoff weight: f64; held?: u8), per option its
 * OptBound, the highest log p per target (f64, init's scratch), per source type its TypeBound,
 * the stack counts (u32), the back-tracked path (i32), the hypotheses ((maxLen + 1)·B Hyp
 * records; stack s at slots [s·B, (s + 1)·B)) with their state signatures (u32; 64 bytes past
 * them for the 16-wide scan's reads) and estimates (f64; 32 bytes past them for the
 * worst-slot search's), then the output (fresh pages: the pads and unused pairs stay zero).
 */
import {
  DECODE_BEAM_MAX,
  DECODE_DISTORTION_MAX,
  DECODE_ERR_BEAM,
  DECODE_ERR_DISTORTION,
  DECODE_ERR_INPUT_LENGTH,
  DECODE_ERR_LAYOUT,
  DECODE_ERR_OPTION,
  DECODE_ERR_OPTION_STARTS,
  DECODE_ERR_OUT_OF_MEMORY,
  DECODE_ERR_RESERVED,
  DECODE_ERR_SENTENCE_LENGTH,
  DECODE_ERR_SHORT_INPUT,
  DECODE_ERR_WEIGHTS,
  DECODE_ERR_WORD,
  DECODE_SENTENCE_TOKENS_MAX,
} from '../codes';
import { BOS, EOS, NONE, finite } from './lookup';
import { ALIGNED_BYTES, HEADER_BYTES, HYP_BYTES, Header, LM_ENTRY_BYTES, OPT_BOUND_BYTES, OPT_BYTES, SENTENCE_HEAD_BYTES, TYPE_BOUND_BYTES, lmEntryAt, optAt, u32At } from './layout';
import { ensureMemory, inLen, inPtr } from '../../common/assembly/memory';

/** The layout word of shared/kernels/decode.codec.ts. */
const LAYOUT: u32 = 1;
/** The LM table's fewest slots; it doubles until it is at least twice the entries. */
const LM_TABLE_SLOTS_MIN: u32 = 16;
/** Readable bytes past the signatures: the recombination scan reads 16 of them (64 bytes) at a time. */
const SIG_SCAN_SLACK_BYTES: u64 = 64;
/** Readable bytes past the estimates: the worst-slot search reads 4 of them (32 bytes) at a time. */
const EST_SCAN_SLACK_BYTES: u64 = 32;

// The header.
export let sCount: u32 = 0;
export let vCount: u32 = 0;
export let oCount: u32 = 0;
export let lCount: u32 = 0;
export let beam: u32 = 0;
export let dLimit: u32 = 0;
export let lmW: f64 = 0;
export let wp: f64 = 0;
export let dw: f64 = 0;
export let unk: f64 = 0;
/** Source words in the unit (Σ n_i), and the longest sentence. */
export let wordCount: u64 = 0;
export let maxLen: u32 = 0;

// The input's sections.
export let lensP: usize = 0;
export let wordsP: usize = 0;
export let startsP: usize = 0;
export let optP: usize = 0;
export let lmP: usize = 0;

// The work memory (see the module comment).
export let tabP: usize = 0;
export let tabMask: u32 = 0;
export let fwP: usize = 0;
export let uniLpP: usize = 0;
export let uniBowP: usize = 0;
export let uniHasP: usize = 0;
export let optUbP: usize = 0;
export let maxLpP: usize = 0;
export let typeUbP: usize = 0;
export let countP: usize = 0;
export let pathP: usize = 0;
export let hypP: usize = 0;
export let sigP: usize = 0;
export let estP: usize = 0;
export let outPtr: usize = 0;
export let outLen: usize = 0;

/** The header's counts, beam, window and weights; 0 or the first problem. */
export function readHeader(): i32 {
  if (inPtr == 0 || inLen < HEADER_BYTES) return DECODE_ERR_SHORT_INPUT;
  const h = changetype<Header>(inPtr);
  if (h.layout != LAYOUT) return DECODE_ERR_LAYOUT;
  sCount = h.sentences;
  vCount = h.types;
  oCount = h.options;
  lCount = h.lmEntries;
  beam = h.beam;
  dLimit = h.distortionLimit;
  if (beam < 1 || beam > <u32>DECODE_BEAM_MAX) return DECODE_ERR_BEAM;
  if (dLimit > <u32>DECODE_DISTORTION_MAX) return DECODE_ERR_DISTORTION;
  if (h.reserved != 0) return DECODE_ERR_RESERVED;
  lmW = h.lmWeight;
  wp = h.wordPenalty;
  dw = h.distortionWeight;
  unk = h.unkLogProb;
  if (!finite(lmW) || !finite(wp) || !finite(dw) || !finite(unk)) return DECODE_ERR_WEIGHTS;
  return 0;
}

/** Where each section starts: the sentence lengths say how many words there are, the counts the rest, and the input must end with the LM. */
export function readSections(): i32 {
  const len = <u64>inLen;
  if (<u64>HEADER_BYTES + 4 * <u64>sCount > len) return DECODE_ERR_INPUT_LENGTH;
  lensP = inPtr + HEADER_BYTES;
  let words: u64 = 0;
  let longest: u32 = 0;
  for (let i: u32 = 0; i < sCount; i++) {
    const l = u32At(lensP, i);
    if (l > <u32>DECODE_SENTENCE_TOKENS_MAX) return DECODE_ERR_SENTENCE_LENGTH;
    words += l;
    if (l > longest) longest = l;
  }
  // The options start 8-aligned past the lengths, the words and the V + 1 option starts.
  const optionsAt = (<u64>HEADER_BYTES + 4 * (<u64>sCount + words + <u64>vCount + 1) + 7) & ~(<u64>7);
  if (optionsAt + <u64>OPT_BYTES * <u64>oCount + <u64>LM_ENTRY_BYTES * <u64>lCount != len) return DECODE_ERR_INPUT_LENGTH;
  wordCount = words;
  maxLen = longest;
  wordsP = lensP + (<usize>sCount << 2);
  startsP = wordsP + (<usize>words << 2);
  optP = inPtr + <usize>optionsAt;
  lmP = optP + <usize>oCount * OPT_BYTES;
  return 0;
}

/** Every word names a type; each type's options are a non-empty run, the runs in order and covering all O; every option is well formed. */
export function checkWordsAndOptions(): i32 {
  const words = <usize>wordCount;
  const options = oCount;
  for (let i: usize = 0; i < words; i++) if (u32At(wordsP, i) >= vCount) return DECODE_ERR_WORD;
  if (u32At(startsP, 0) != 0 || u32At(startsP, vCount) != options) return DECODE_ERR_OPTION_STARTS;
  for (let v: u32 = 0; v < vCount; v++) {
    if (u32At(startsP, v + 1) <= u32At(startsP, v)) return DECODE_ERR_OPTION_STARTS;
  }
  for (let o: u32 = 0; o < options; o++) {
    const opt = optAt(optP, o);
    const t1 = opt.t1;
    const t2 = opt.t2;
    if (t1 == NONE && t2 != NONE) return DECODE_ERR_OPTION;
    if (t1 == BOS || t1 == EOS || t2 == BOS || t2 == EOS || !finite(opt.score)) return DECODE_ERR_OPTION;
  }
  return 0;
}

/** The highest target id an option or an LM key names (at least EOS): the unigram arrays are indexed by id. */
export function highestTarget(): u32 {
  const options = oCount;
  const entries = lCount;
  let maxT: u32 = EOS;
  for (let o: u32 = 0; o < options; o++) {
    const opt = optAt(optP, o);
    const t1 = opt.t1;
    const t2 = opt.t2;
    if (t1 != NONE && t1 > maxT) maxT = t1;
    if (t2 != NONE && t2 > maxT) maxT = t2;
  }
  for (let k: u32 = 0; k < entries; k++) {
    const e = lmEntryAt(lmP, k);
    if (e.w1 != NONE && e.w1 > maxT) maxT = e.w1;
    if (e.w2 != NONE && e.w2 > maxT) maxT = e.w2;
    if (e.w3 != NONE && e.w3 > maxT) maxT = e.w3;
  }
  return maxT;
}

@inline function align16(at: u64): u64 {
  return (at + 15) & ~(<u64>15);
}

/** Places the work memory (the module comment's order) for `ids` target ids and grows the memory to hold it; DECODE_ERR_OUT_OF_MEMORY if it cannot. */
export function placeWorkMemory(ids: u64): i32 {
  let cap = LM_TABLE_SLOTS_MIN;
  while (<u64>cap < 2 * <u64>lCount) cap <<= 1;
  const tabAt = align16(<u64>inPtr + <u64>inLen);
  const fwAt = tabAt + 4 * <u64>cap;
  const uniLpAt = align16(fwAt + 8 * <u64>vCount);
  const uniBowAt = uniLpAt + 8 * ids;
  const uniHasAt = uniBowAt + 8 * ids;
  const optUbAt = align16(uniHasAt + ids);
  const maxLpAt = optUbAt + <u64>OPT_BOUND_BYTES * <u64>oCount;
  const typeUbAt = align16(maxLpAt + 8 * ids);
  const countAt = typeUbAt + <u64>TYPE_BOUND_BYTES * <u64>vCount;
  const pathAt = countAt + 4 * (<u64>DECODE_SENTENCE_TOKENS_MAX + 1);
  const hypsAt = align16(pathAt + 4 * <u64>DECODE_SENTENCE_TOKENS_MAX);
  const slots = (<u64>maxLen + 1) * <u64>beam;
  const sigAt = hypsAt + <u64>HYP_BYTES * slots;
  const estAt = align16(sigAt + 4 * slots + SIG_SCAN_SLACK_BYTES);
  const outputAt = estAt + 8 * slots + EST_SCAN_SLACK_BYTES;
  // Per sentence a SentenceHead and two (target, source) pairs per source word.
  const outBytes = <u64>SENTENCE_HEAD_BYTES * <u64>sCount + 2 * <u64>ALIGNED_BYTES * wordCount;
  if (!ensureMemory(outputAt + outBytes)) return DECODE_ERR_OUT_OF_MEMORY;
  tabP = <usize>tabAt;
  tabMask = cap - 1;
  fwP = <usize>fwAt;
  uniLpP = <usize>uniLpAt;
  uniBowP = <usize>uniBowAt;
  uniHasP = <usize>uniHasAt;
  optUbP = <usize>optUbAt;
  maxLpP = <usize>maxLpAt;
  typeUbP = <usize>typeUbAt;
  countP = <usize>countAt;
  pathP = <usize>pathAt;
  hypP = <usize>hypsAt;
  sigP = <usize>sigAt;
  estP = <usize>estAt;
  outPtr = <usize>outputAt;
  outLen = <usize>outBytes;
  return 0;
}
