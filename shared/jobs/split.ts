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
  /**
   * The kernel that runs this unit, when it is not the job kind's own: a staged job (a
   * translation system's training aligns words with one kernel, then decodes its tuning set
   * with another) names the kernel of each stage's units.
   */
  kernel?: { id: string; version: number };
}
