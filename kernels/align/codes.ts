/**
 * @module Return codes of the align kernel's `init` and `step`: the ibm1 kernel's codes for
 * the checks the two share (an align unit is an ibm1 unit with λ and p0 after its header,
 * shared/kernels/align.codec.ts), and two of its own. Plain constants: this file compiles both
 * as AssemblyScript (imported by assembly/index.ts) and as TypeScript. The specifier has no
 * `.ts` because asc appends one to every import.
 */
export * from '../ibm1/codes';

/** The tension λ is NaN, negative or above ALIGN_KERNEL_TENSION_MAX. */
export const ALIGN_ERR_TENSION = -16;
/** The NULL probability p0 is NaN or outside [0, 1]. */
export const ALIGN_ERR_P0 = -17;
