/**
 * @module What a lazy cheater sends for a Lorenz-96 unit: the honest output with the lowest bit
 * of one value of a middle snapshot flipped. Plausible (it passes the family's checks), wrong,
 * and the same for every identity of the cheater: only the server's own run tells it apart.
 */

/** The honest output of a unit with `n` variables per state, forged. */
export function forgeL96(honest: Uint8Array, n: number): Uint8Array {
  const out = honest.slice();
  // Snapshot 1, variable 3 (member 0): a value the plausibility checks do not recompute.
  out[8 * (n + 3)]! ^= 1;
  return out;
}
