/**
 * @module The phrase kernel's records in linear memory, as `@unmanaged` classes: a field is
 * one load or store at a constant offset. The input's Header is the bytes
 * shared/kernels/phrase.codec.ts writes (PHRASE_HEADER_BYTES; AssemblyScript cannot import
 * that file); Gram and Hyp are the kernel's own (../phrase.c declares them as gram_t, hyp_t).
 */

/** The input's header. */
@unmanaged export class Header {
  /** PHRASE_LAYOUT (1). */
  layout: u32;
  sentences: u32;
  /** Translation features per option F. */
  features: u32;
  lmOrder: u32;
  lmEntries: u32;
  beam: u32;
  distortionLimit: u32;
  nbest: u32;
  options: u32;
  /** Target words of all options together. */
  targetWords: u32;
  reserved1: u32;
  reserved2: u32;
  unkLogProb: f64;
  wLm: f64;
  wWord: f64;
  wPhrase: f64;
  wDistortion: f64;
}
export const HEADER_BYTES = offsetof<Header>();

/**
 * An n-gram of two or more words in the LM table: an entry (its log p and backoff weight), a
 * context (a longer entry starts with it), or both; its words oldest first.
 */
@unmanaged export class Gram {
  logp: f64;
  bow: f64;
  len: u32;
  /** GRAM_ENTRY | GRAM_CONTEXT. */
  flags: u32;
  w0: u32;
  w1: u32;
  w2: u32;
  w3: u32;
  w4: u32;
  pad: u32;
}
export const GRAM_BYTES = offsetof<Gram>();
/** Where a Gram's words start. */
export const GRAM_WORDS = offsetof<Gram>('w0');
export const GRAM_ENTRY: u32 = 1;
export const GRAM_CONTEXT: u32 = 2;

/**
 * A hypothesis in a stack: its score, estimate (score + future) and future cost, its state
 * (coverage, LM state, end of its last phrase: what recombination compares), how it was made
 * (the slot of the hypothesis it extends and the option it took), and its places in the
 * stack's recombination chains and heap.
 */
@unmanaged export class Hyp {
  score: f64;
  est: f64;
  fut: f64;
  /** Bit j set: source word j is translated. */
  cov: u64;
  /** The LM state, oldest first: stLen words of w0..w3. */
  w0: u32;
  w1: u32;
  w2: u32;
  w3: u32;
  stLen: u32;
  last: u32;
  /** The extended hypothesis's index in the whole hypothesis area (t·B + k); −1 in the empty one. */
  back: i32;
  opt: u32;
  sig: u32;
  /** The next hypothesis of the same recombination bucket, −1 at the end. */
  next: i32;
  heapPos: u32;
  pad: u32;
}
export const HYP_BYTES = offsetof<Hyp>();
/** Where a Hyp's state words start. */
export const HYP_STATE = offsetof<Hyp>('w0');

@inline export function hypAt(base: usize, i: usize): Hyp {
  return changetype<Hyp>(base + i * HYP_BYTES);
}

@inline export function gramAt(base: usize, i: u32): Gram {
  return changetype<Gram>(base + <usize>i * GRAM_BYTES);
}

@inline export function u32At(base: usize, i: usize): u32 {
  return load<u32>(base + (i << 2));
}

@inline export function f64At(base: usize, i: usize): f64 {
  return load<f64>(base + (i << 3));
}
