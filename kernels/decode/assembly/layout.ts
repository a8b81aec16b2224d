/**
 * @module The decoding kernel's records in linear memory, as `@unmanaged` classes: a field is
 * read or written with one load or store at its constant offset, the same instruction as
 * `load<T>(p, offset)`, so naming an offset costs nothing. A record is reached with
 * `changetype<Record>(address)` (the `…At` helpers below); its size is `offsetof<Record>()`.
 * The input's records (Header, Opt, LmEntry) are the bytes shared/kernels/decode.codec.ts
 * writes (DECODE_HEADER_BYTES, DECODE_OPTION_BYTES, DECODE_LM_ENTRY_BYTES; AssemblyScript cannot
 * import that file); the others are the kernel's own. ../decode.c declares Opt, LmEntry and Hyp
 * as opt_t, lm_t and hyp_t.
 */

/** The input's header. */
@unmanaged export class Header {
  /** DECODE_LAYOUT (1). */
  layout: u32;
  sentences: u32;
  /** Source word types V. */
  types: u32;
  options: u32;
  lmEntries: u32;
  beam: u32;
  distortionLimit: u32;
  /** 0. */
  reserved: u32;
  lmWeight: f64;
  wordPenalty: f64;
  distortionWeight: f64;
  /** Log probability of a word the LM does not hold. */
  unkLogProb: f64;
}
export const HEADER_BYTES = offsetof<Header>();

/** A translation option of a source type: 0, 1 or 2 target ids (NONE when absent; t2 only after t1) and its log probability. */
@unmanaged export class Opt {
  t1: u32;
  t2: u32;
  score: f64;
}
export const OPT_BYTES = offsetof<Opt>();

/**
 * An LM entry: the key (w1, w2, w3), lower orders with NONE in front, then a zero pad; log p(w3 |
 * w1 w2) and the backoff weight of w1 w2 w3 as a context. Lookups compare w1 and w2 as one u64
 * (LM_CONTEXT, w1 in the low half: little-endian), so a key is two compares.
 */
@unmanaged export class LmEntry {
  w1: u32;
  w2: u32;
  w3: u32;
  pad: u32;
  logp: f64;
  bow: f64;
}
export const LM_ENTRY_BYTES = offsetof<LmEntry>();
/** Where an entry's (w1, w2) is read as one u64. */
export const LM_CONTEXT = offsetof<LmEntry>('w1');

/**
 * A hypothesis in a stack: its score so far and future cost, its state (coverage, the LM
 * context w1 w2, the last source position translated, which recombination compares), and how
 * it was made (the slot of the hypothesis it extends, and the option it took) for the path back.
 */
@unmanaged export class Hyp {
  score: f64;
  future: f64;
  /** Bit j set: source word j is translated. */
  cov: u64;
  w1: u32;
  w2: u32;
  /** −1 in the empty hypothesis. */
  last: i32;
  /** The extended hypothesis's slot in the whole hypothesis area (s·B + k); −1 in the empty one. */
  back: i32;
  /** The option's index among all O. */
  opt: u32;
  pad: u32;
}
export const HYP_BYTES = offsetof<Hyp>();

/** Per option: λ·(the highest LM log probability its first / second target can get) + wp, 0 for an absent target. */
@unmanaged export class OptBound {
  first: f64;
  second: f64;
}
export const OPT_BOUND_BYTES = offsetof<OptBound>();

/**
 * Per source type: the highest option score, first-target bound and second-target bound over
 * its options (one bound for all of them at once), padded to 32 bytes so an index is a shift.
 */
@unmanaged export class TypeBound {
  score: f64;
  first: f64;
  second: f64;
  pad: f64;
}
export const TYPE_BOUND_BYTES = offsetof<TypeBound>();

/** The head of a sentence's output: its score (NaN canonical), the number of pairs used, 0; then 2·n Aligned pairs. */
@unmanaged export class SentenceHead {
  score: f64;
  count: u32;
  pad: u32;
}
export const SENTENCE_HEAD_BYTES = offsetof<SentenceHead>();

/** One output pair: a target id and the source position it translates. */
@unmanaged export class Aligned {
  target: u32;
  source: u32;
}
export const ALIGNED_BYTES = offsetof<Aligned>();

@inline export function optAt(base: usize, i: u32): Opt {
  return changetype<Opt>(base + <usize>i * OPT_BYTES);
}

@inline export function lmEntryAt(base: usize, i: u32): LmEntry {
  return changetype<LmEntry>(base + <usize>i * LM_ENTRY_BYTES);
}

@inline export function hypAt(base: usize, i: usize): Hyp {
  return changetype<Hyp>(base + i * HYP_BYTES);
}

@inline export function optBoundAt(base: usize, i: u32): OptBound {
  return changetype<OptBound>(base + <usize>i * OPT_BOUND_BYTES);
}

@inline export function typeBoundAt(base: usize, i: u32): TypeBound {
  return changetype<TypeBound>(base + <usize>i * TYPE_BOUND_BYTES);
}

/** Element i of the u32 array at base (sentence lengths, source words, option starts, stack counts). */
@inline export function u32At(base: usize, i: usize): u32 {
  return load<u32>(base + (i << 2));
}

/** Element i of the f64 array at base (future costs, unigram arrays, estimates). */
@inline export function f64At(base: usize, i: usize): f64 {
  return load<f64>(base + (i << 3));
}
