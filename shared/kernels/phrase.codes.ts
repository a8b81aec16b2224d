/**
 * @module Return codes of the phrase-based decoding kernel's `init` and `step`, one per
 * problem, so a refused unit says exactly what is wrong with it, and the unit limits the
 * kernel enforces. They live in shared/ because the job kind needs them and shared/ imports
 * nothing from kernels/. Plain constants and no imports: the AssemblyScript build compiles
 * this file too (kernels/phrase/assembly imports it through kernels/phrase/codes.ts), and
 * TypeScript imports it as it is (units, reference, tests, plausibility).
 */

/** The input is shorter than the 88-byte header, or `input_alloc` was never called. */
export const PHRASE_ERR_SHORT_INPUT = -1;
/** The layout word is not 1. */
export const PHRASE_ERR_LAYOUT = -2;
/** The number of translation features F is 0 or over PHRASE_FEATURES_MAX. */
export const PHRASE_ERR_FEATURES = -3;
/** The LM order is 0 or over PHRASE_LM_ORDER_MAX. */
export const PHRASE_ERR_LM_ORDER = -4;
/** The beam is 0 or over PHRASE_BEAM_MAX. */
export const PHRASE_ERR_BEAM = -5;
/** The distortion limit is over PHRASE_DISTORTION_MAX. */
export const PHRASE_ERR_DISTORTION = -6;
/** The n-best size is 0 or over PHRASE_NBEST_MAX. */
export const PHRASE_ERR_NBEST = -7;
/** A reserved header word is not 0. */
export const PHRASE_ERR_RESERVED = -8;
/** The input length does not match the counts in the header. */
export const PHRASE_ERR_INPUT_LENGTH = -9;
/** A weight or the unknown word's log probability is not finite or over PHRASE_VALUE_ABS_MAX in magnitude. */
export const PHRASE_ERR_WEIGHTS = -10;
/** A sentence is longer than PHRASE_SENTENCE_TOKENS_MAX. */
export const PHRASE_ERR_SENTENCE_LENGTH = -11;
/** A sentence has more than PHRASE_OPTIONS_PER_SENTENCE_MAX options, or the counts do not add up to the header's. */
export const PHRASE_ERR_OPTION_COUNT = -12;
/** An option's reserved byte is not 0. */
export const PHRASE_ERR_OPTION = -13;
/** An option's span is empty or ends past its sentence. */
export const PHRASE_ERR_OPTION_RANGE = -14;
/** An option's span is longer than PHRASE_SOURCE_LEN_MAX. */
export const PHRASE_ERR_SPAN_LENGTH = -15;
/** An option has more than PHRASE_TARGET_LEN_MAX target words. */
export const PHRASE_ERR_TARGET_LENGTH = -16;
/** A sentence's options are not sorted by (start, end). */
export const PHRASE_ERR_OPTION_ORDER = -17;
/** A source position of a sentence has no option of length 1. */
export const PHRASE_ERR_MISSING_WORD_OPTION = -18;
/** The options' target words do not add up to the header's count. */
export const PHRASE_ERR_TARGET_WORDS = -19;
/** A target id of an option is `<s>` (0), `</s>` (1), or PHRASE_TARGET_IDS_MAX or more. */
export const PHRASE_ERR_TARGET_ID = -20;
/** An option's feature value is not finite or over PHRASE_VALUE_ABS_MAX in magnitude. */
export const PHRASE_ERR_OPTION_SCORE = -21;
/** An LM entry has no last word, a word after the NONE padding, an id of PHRASE_TARGET_IDS_MAX or more, or a value not finite or over PHRASE_VALUE_ABS_MAX. */
export const PHRASE_ERR_LM_ENTRY = -22;
/** Two LM entries have the same words. */
export const PHRASE_ERR_LM_DUPLICATE = -23;
/** Work buffers and output do not fit in the kernel's 2 GiB memory bound. */
export const PHRASE_ERR_OUT_OF_MEMORY = -24;
/** `init` was called twice on one instance. */
export const PHRASE_ERR_INIT_TWICE = -25;
/** `step` was called before a successful `init`. */
export const PHRASE_ERR_NOT_READY = -26;

/** Source words in one sentence at most: coverage is one 64-bit mask (the edge cuts longer sentences). */
export const PHRASE_SENTENCE_TOKENS_MAX = 64;
/** Source words of one phrase at most (Moses' default max-phrase-length is 7). */
export const PHRASE_SOURCE_LEN_MAX = 7;
/** Target words of one phrase at most. */
export const PHRASE_TARGET_LEN_MAX = 7;
/** Translation features per option at most (Moses' phrase tables have 4). */
export const PHRASE_FEATURES_MAX = 8;
/** Features of a candidate besides the translation features: LM, words, phrases, distortion. */
export const PHRASE_EXTRA_FEATURES = 4;
/** Highest LM order: a hypothesis keeps at most 4 words of LM state. */
export const PHRASE_LM_ORDER_MAX = 5;
/** Hypotheses kept per stack at most: the work memory is (longest sentence + 1) × beam hypotheses of 80 bytes. */
export const PHRASE_BEAM_MAX = 1024;
/** Candidates per sentence at most (MERT's n-best lists; Moses tuning uses 100, 32 keeps outputs small). */
export const PHRASE_NBEST_MAX = 32;
/** Positions a phrase may start away from where the previous one ended (Moses' default is 6). */
export const PHRASE_DISTORTION_MAX = 16;
/** Options one sentence may have: 64 positions × 7 lengths × about 36 translations each. */
export const PHRASE_OPTIONS_PER_SENTENCE_MAX = 16_384;
/** Target ids a unit may use (they are unit-local: the kernel keeps unigrams in arrays by id). */
export const PHRASE_TARGET_IDS_MAX = 1 << 20;
/**
 * Largest magnitude of a weight, a feature value, an LM log probability or backoff weight: every
 * product and sum the decoder forms then stays far from overflow, so every score is finite.
 */
export const PHRASE_VALUE_ABS_MAX = 1e12;
