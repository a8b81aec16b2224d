/**
 * @module Return codes of the Lorenz-96 kernel's `init` and `step`, one per problem, so a
 * refused unit says exactly what is wrong with it. Plain constants: this file compiles both
 * as AssemblyScript (imported by assembly/index.ts) and as TypeScript (tests, reference).
 */

/** The input is shorter than the 40-byte header, or `input_alloc` was never called. */
export const L96_ERR_SHORT_INPUT = -1;
/** The layout word is not 1. */
export const L96_ERR_LAYOUT = -2;
/** Fewer than 4 variables: the stencil x[v−2..v+1] would wrap onto itself. */
export const L96_ERR_VARS = -3;
/** No members. */
export const L96_ERR_MEMBERS = -4;
/** No steps. */
export const L96_ERR_STEPS = -5;
/** snapEvery is 0. */
export const L96_ERR_SNAP_EVERY = -6;
/** snapEvery does not divide steps, so the last snapshot would not be the final state. */
export const L96_ERR_SNAP_DIVIDES = -7;
/** The input length is not exactly 40 + 8·n·m bytes. */
export const L96_ERR_INPUT_LENGTH = -8;
/** dt is NaN or infinite. */
export const L96_ERR_DT = -9;
/** The forcing F is NaN or infinite. */
export const L96_ERR_FORCING = -10;
/** The reserved header word is not 0 (a later layout might use it). */
export const L96_ERR_RESERVED = -11;
/** Input, work buffers and output do not fit in the kernel's 2 GiB memory bound. */
export const L96_ERR_OUT_OF_MEMORY = -12;
/** `init` was called twice on one instance. */
export const L96_ERR_INIT_TWICE = -13;
/** `step` was called before a successful `init`. */
export const L96_ERR_NOT_READY = -14;
