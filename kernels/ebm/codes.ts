/**
 * @module Return codes of the EBM kernel's `init` and `step`, one per problem, so a refused
 * unit says exactly what is wrong with it. Plain constants: this file compiles both as
 * AssemblyScript (imported by assembly/index.ts) and as TypeScript (tests, reference).
 */

/** The input is shorter than the 72-byte header, or `input_alloc` was never called. */
export const EBM_ERR_SHORT_INPUT = -1;
/** The layout word is not 1. */
export const EBM_ERR_LAYOUT = -2;
/** Fewer than 2 cells: the grid has no interior face. */
export const EBM_ERR_CELLS = -3;
/** No members. */
export const EBM_ERR_MEMBERS = -4;
/** maxSteps is 0. */
export const EBM_ERR_STEPS = -5;
/** A flag bit other than bits 0 and 1 is set. */
export const EBM_ERR_FLAGS = -6;
/** The reserved header word is not 0. */
export const EBM_ERR_RESERVED = -7;
/** The input length is not exactly 72 + 72·m bytes. */
export const EBM_ERR_INPUT_LENGTH = -8;
/** dt, heat capacity or tolerance is not a positive finite number. */
export const EBM_ERR_TIME = -9;
/** s2 or a2 is not finite, or the ramp half-width is negative or not finite. */
export const EBM_ERR_GRID_PARAMS = -10;
/** A member parameter is NaN or infinite. */
export const EBM_ERR_MEMBER_PARAM = -11;
/** Input, work buffers and output do not fit in the kernel's 2 GiB memory bound. */
export const EBM_ERR_OUT_OF_MEMORY = -12;
/** `init` was called twice on one instance. */
export const EBM_ERR_INIT_TWICE = -13;
/** `step` was called before a successful `init`. */
export const EBM_ERR_NOT_READY = -14;
