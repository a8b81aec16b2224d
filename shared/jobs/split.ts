/**
 * @module What every job kind's splitter makes: the units of one iteration, each with its
 * encoded kernel input and what the edge needs to lease, bound and price it.
 */

/** One unit as the splitter makes it. */
export interface SplitUnit {
  input: Uint8Array;
  outputBytes: number;
  costPoints: number;
  /** Members this unit integrates (for the assimilator). */
  members: number;
}
