/**
 * @module Return codes of the decoding kernel's `init` and `step`, one per problem, so a
 * refused unit says exactly what is wrong with it, and the unit limits the kernel enforces
 * (the translate job kind cuts sentences to DECODE_SENTENCE_TOKENS_MAX). They live in
 * shared/ because the job kind needs them and shared/ imports nothing from kernels/
 * (tests/architecture/imports.test.ts). Plain constants and no imports: the AssemblyScript
 * build compiles this file too (kernels/decode/assembly imports it through
 * kernels/decode/codes.ts), and TypeScript imports it as it is (job kind, reference, tests).
 */

/** The input is shorter than the 64-byte header, or `input_alloc` was never called. */
export const DECODE_ERR_SHORT_INPUT = -1;
/** The layout word is not 1. */
export const DECODE_ERR_LAYOUT = -2;
/** The beam width is 0 or over DECODE_BEAM_MAX. */
export const DECODE_ERR_BEAM = -3;
/** The distortion limit is over DECODE_DISTORTION_MAX. */
export const DECODE_ERR_DISTORTION = -4;
/** The reserved header word is not 0. */
export const DECODE_ERR_RESERVED = -5;
/** The input length does not match the counts in the header. */
export const DECODE_ERR_INPUT_LENGTH = -6;
/** A sentence is longer than DECODE_SENTENCE_TOKENS_MAX. */
export const DECODE_ERR_SENTENCE_LENGTH = -7;
/** A word names a source type the unit does not have. */
export const DECODE_ERR_WORD = -8;
/** Option starts do not begin at 0, go backwards, end past O, or give a type no option. */
export const DECODE_ERR_OPTION_STARTS = -9;
/** An option has a second target without a first, a reserved id, or a score that is not finite. */
export const DECODE_ERR_OPTION = -10;
/** An LM entry has a word after NONE, a reserved word, a non-zero pad or a value that is not finite. */
export const DECODE_ERR_LM_ENTRY = -11;
/** Two LM entries have the same key. */
export const DECODE_ERR_LM_DUPLICATE = -12;
/** A weight, the penalty or the unknown word's log probability is not finite. */
export const DECODE_ERR_WEIGHTS = -13;
/** Work buffers and output do not fit in the kernel's 2 GiB memory bound. */
export const DECODE_ERR_OUT_OF_MEMORY = -14;
/** `init` was called twice on one instance. */
export const DECODE_ERR_INIT_TWICE = -15;
/** `step` was called before a successful `init`. */
export const DECODE_ERR_NOT_READY = -16;
/** A target id is DECODE_TARGET_IDS_MAX or more (the kernel keeps unigrams in an array by id). */
export const DECODE_ERR_TARGET_ID = -17;

/** Source words in one sentence at most: coverage is one 64-bit mask (the edge cuts longer sentences). */
export const DECODE_SENTENCE_TOKENS_MAX = 64;
/** Hypotheses kept per stack at most; the work per stack grows with its square (recombination scan). */
export const DECODE_BEAM_MAX = 256;
/** Target ids a unit may use (they are unit-local: a unit reaches a few thousand words). */
export const DECODE_TARGET_IDS_MAX = 1 << 20;
/** Positions a translation may jump ahead of the first untranslated word at most. */
export const DECODE_DISTORTION_MAX = 16;
