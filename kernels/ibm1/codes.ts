/**
 * @module Return codes of the IBM Model 1 E-step kernel's `init` and `step`, one per
 * problem, so a refused unit says exactly what is wrong with it. Plain constants: this file
 * compiles both as AssemblyScript (imported by assembly/index.ts) and as TypeScript.
 */

/** The input is shorter than the 32-byte header, or `input_alloc` was never called. */
export const IBM1_ERR_SHORT_INPUT = -1;
/** The layout word is not 1. */
export const IBM1_ERR_LAYOUT = -2;
/** A flag bit other than bit 0 (NULL word) is set. */
export const IBM1_ERR_FLAGS = -3;
/** The input length is not exactly 32 + 8·C + 12·E + 4·P + 2·N bytes. */
export const IBM1_ERR_INPUT_LENGTH = -4;
/** No sentence pairs. */
export const IBM1_ERR_PAIRS = -5;
/** A sentence is empty, or the sentence lengths do not add up to the token count N. */
export const IBM1_ERR_LENGTHS = -6;
/** A token id is outside its local vocabulary (or is the NULL id 0 in a source sentence). */
export const IBM1_ERR_TOKEN = -7;
/** An entry names a source or target id outside the local vocabularies. */
export const IBM1_ERR_ENTRY = -8;
/** Two entries name the same (source, target) pair. */
export const IBM1_ERR_DUPLICATE_ENTRY = -9;
/** A (source, target) pair that co-occurs in a sentence pair has no entry. */
export const IBM1_ERR_MISSING_ENTRY = -10;
/** A translation probability is negative, NaN or infinite. */
export const IBM1_ERR_T_VALUE = -11;
/** Input, index and output do not fit in the kernel's 2 GiB memory bound. */
export const IBM1_ERR_OUT_OF_MEMORY = -12;
/** `init` was called twice on one instance. */
export const IBM1_ERR_INIT_TWICE = -13;
/** `step` was called before a successful `init`. */
export const IBM1_ERR_NOT_READY = -14;
/** More than 65,535 local types on a side (ids are u16; the 32-bit (source, target) keys need S·T < 2^32 − 1). */
export const IBM1_ERR_KEY_SPACE = -15;
