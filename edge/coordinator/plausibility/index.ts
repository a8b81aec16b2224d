/**
 * @module Plausibility validators (DESIGN.md, "Trust"): one cheap check per built-in kernel
 * family that the edge runs on every result before it counts, rejecting impossible results at
 * once with the reason kept. They prove nothing about a plausible result (the server's own
 * re-run does that); they catch garbage, tampering and broken clients without a re-run.
 *
 * Each family reads the unit's input to know what its output may hold, in O(input + output)
 * with its few buffers allocated before its loops; none throws, whatever the bytes. A kernel
 * without a family rule (a customer's kernel), or a layout the rules were not written for, is
 * `unchecked`, never refused.
 */
import { checkAlign } from './align.ts';
import { checkDecode } from './decode.ts';
import { checkEbm } from './ebm.ts';
import { checkIbm1 } from './ibm1.ts';
import { checkLorenz96 } from './lorenz96.ts';
import { checkPhrase } from './phrase.ts';
import { UNCHECKED, type Plausibility } from './answer.ts';

export type { Plausibility } from './answer.ts';

/** The family validators by kernel id (the manifest's `id`, without `@version`). */
const FAMILIES: Readonly<Record<string, (input: Uint8Array, output: Uint8Array) => Plausibility>> = {
  lorenz96: checkLorenz96,
  ebm: checkEbm,
  ibm1: checkIbm1,
  decode: checkDecode,
  align: checkAlign,
  phrase: checkPhrase,
};

/** Kernel ids that have a family rule. */
export const PLAUSIBILITY_CHECKED_KERNELS: readonly string[] = Object.freeze(Object.keys(FAMILIES));

/**
 * Whether `output` is a possible result of kernel `kernelId` on the unit `input`.
 * @returns `implausible` with a short reason naming the first offending value, `plausible`,
 * or `unchecked` for a kernel without a family rule.
 * @example
 * const verdict = checkPlausible('lorenz96', unit.input, result);
 * if (verdict.status === 'implausible') reject(verdict.reason);
 */
export function checkPlausible(kernelId: string, input: Uint8Array, output: Uint8Array): Plausibility {
  const check = Object.hasOwn(FAMILIES, kernelId) ? FAMILIES[kernelId] : undefined;
  return check ? check(input, output) : UNCHECKED;
}
