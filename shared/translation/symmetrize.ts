/**
 * @module Symmetrisation of word alignments (Och & Ney 2003 §4.3; Koehn, Och & Marcu 2003
 * §3.1; Koehn 2010 §4.5.3): the alignments of both directions (each a function from the words
 * of one side to a position of the other) merged into one many-to-many alignment that phrase
 * extraction reads.
 *
 * The grow heuristics follow Moses' `symal` (`-alignment=grow -diagonal=yes -final=yes
 * -both=yes` is grow-diag-final-and) exactly, including its visiting order, because the
 * order decides which of two competing points is added first:
 * - start from the intersection;
 * - grow: sweep the current points in (target, source) order — a point added during a sweep
 *   is visited in the same sweep when it comes later in that order — and for each point try
 *   its neighbours in the order (Δtgt, Δsrc) = (−1,0) (0,−1) (1,0) (0,1), then, for the
 *   diagonal variants, (−1,−1) (−1,1) (1,−1) (1,1); a neighbour in the union is added when its
 *   source word or its target word is not yet aligned. Sweeps repeat until one adds nothing;
 * - final: the points of the forward direction only (`srcToTgt`, one per target word), in
 *   (target, source) order, then those of the backward direction only, each added when its
 *   source word or its target word is unaligned (final), or when both are (final-and).
 *
 * Positions are 0-based here; the directions as volunteers return them are 1-based with 0
 * for NULL. Every link list returned is sorted by (source, target), without duplicates.
 */

/** One alignment point: 0-based source position, 0-based target position. */
export type Link = [src: number, tgt: number];

/** The symmetrisation heuristics (Koehn 2010 §4.5.3). */
export type SymmetrizeMethod = 'intersect' | 'union' | 'grow-diag' | 'grow-diag-final' | 'grow-diag-final-and';

/** Neighbours (Δtgt, Δsrc) in symal's order: the four sides, then the four diagonals. */
const NEIGHBOURS: readonly (readonly [number, number])[] = [
  [-1, 0],
  [0, -1],
  [1, 0],
  [0, 1],
  [-1, -1],
  [-1, 1],
  [1, -1],
  [1, 1],
];

/** Cell flags of the alignment matrix. */
const IN_FORWARD = 1;
const IN_BACKWARD = 2;
const IN_CURRENT = 4;

/** Links (0-based) sorted by (source, target). */
function sortLinks(links: Link[]): Link[] {
  return links.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/**
 * The two directions as link lists: `forward` from `srcToTgt` (per target token, its 1-based
 * source position or 0 for NULL), `backward` from `tgtToSrc` (per source token, its 1-based
 * target position or 0). The source length is `tgtToSrc.length`, the target length
 * `srcToTgt.length`.
 * @throws RangeError when a position passes the other side's length.
 * @example linksFromDirections(Uint16Array.of(2, 0), Uint16Array.of(0, 1)) // { forward: [[1, 0]], backward: [[1, 0]] }
 */
export function linksFromDirections(srcToTgt: Uint16Array, tgtToSrc: Uint16Array): { forward: Link[]; backward: Link[] } {
  const srcLen = tgtToSrc.length;
  const tgtLen = srcToTgt.length;
  const forward: Link[] = [];
  for (let t = 0; t < tgtLen; t++) {
    const s = srcToTgt[t]!;
    if (s > srcLen) throw new RangeError(`symmetrize: target word ${t} aligned to source position ${s} of ${srcLen}`);
    if (s > 0) forward.push([s - 1, t]);
  }
  const backward: Link[] = [];
  for (let s = 0; s < srcLen; s++) {
    const t = tgtToSrc[s]!;
    if (t > tgtLen) throw new RangeError(`symmetrize: source word ${s} aligned to target position ${t} of ${tgtLen}`);
    if (t > 0) backward.push([s, t - 1]);
  }
  return { forward: sortLinks(forward), backward: sortLinks(backward) };
}

/**
 * One symmetrised alignment of a sentence pair from its two directions (any link sets; the
 * directions of IBM models are functions, but nothing here needs that).
 * @throws RangeError when a link lies outside the `srcLen` × `tgtLen` matrix.
 * @example symmetrize([[0, 0], [1, 1]], [[0, 0]], 2, 2, 'intersect') // [[0, 0]]
 */
export function symmetrize(forward: Link[], backward: Link[], srcLen: number, tgtLen: number, method: SymmetrizeMethod): Link[] {
  // Matrix cell (s, t) at t · srcLen + s: (target, source) order is the index order.
  const cell = new Uint8Array(srcLen * tgtLen);
  const mark = (links: Link[], flag: number): void => {
    for (const [s, t] of links) {
      if (!(s >= 0 && s < srcLen && t >= 0 && t < tgtLen && Number.isInteger(s) && Number.isInteger(t))) {
        throw new RangeError(`symmetrize: link (${s}, ${t}) outside a ${srcLen} × ${tgtLen} pair`);
      }
      cell[t * srcLen + s]! |= flag;
    }
  };
  mark(forward, IN_FORWARD);
  mark(backward, IN_BACKWARD);
  const both = IN_FORWARD | IN_BACKWARD;
  if (method === 'intersect' || method === 'union') {
    for (let k = 0; k < cell.length; k++) {
      const c = cell[k]!;
      if (method === 'intersect' ? (c & both) === both : c !== 0) cell[k] = c | IN_CURRENT;
    }
    return collect(cell, srcLen, tgtLen);
  }
  const srcAligned = new Uint8Array(srcLen);
  const tgtAligned = new Uint8Array(tgtLen);
  const add = (s: number, t: number): void => {
    cell[t * srcLen + s]! |= IN_CURRENT;
    srcAligned[s] = 1;
    tgtAligned[t] = 1;
  };
  for (let t = 0; t < tgtLen; t++) for (let s = 0; s < srcLen; s++) if ((cell[t * srcLen + s]! & both) === both) add(s, t);

  // Each sweep that goes on adds a point of the union: at most srcLen · tgtLen + 1 sweeps.
  const sweepsMax = srcLen * tgtLen + 1;
  let added = true;
  for (let sweep = 0; added; sweep++) {
    if (sweep >= sweepsMax) throw new Error('symmetrize: grow did not settle (a bug)');
    added = false;
    for (let t = 0; t < tgtLen; t++) {
      for (let s = 0; s < srcLen; s++) {
        if ((cell[t * srcLen + s]! & IN_CURRENT) === 0) continue;
        for (const [dt, ds] of NEIGHBOURS) {
          const nt = t + dt;
          const ns = s + ds;
          if (nt < 0 || nt >= tgtLen || ns < 0 || ns >= srcLen) continue;
          const c = cell[nt * srcLen + ns]!;
          if ((c & both) === 0 || (c & IN_CURRENT) !== 0) continue;
          if (srcAligned[ns] && tgtAligned[nt]) continue;
          add(ns, nt);
          added = true;
        }
      }
    }
  }

  if (method === 'grow-diag-final' || method === 'grow-diag-final-and') {
    const and = method === 'grow-diag-final-and';
    for (const only of [IN_FORWARD, IN_BACKWARD]) {
      for (let t = 0; t < tgtLen; t++) {
        for (let s = 0; s < srcLen; s++) {
          if ((cell[t * srcLen + s]! & (both | IN_CURRENT)) !== only) continue;
          const open = and ? !srcAligned[s] && !tgtAligned[t] : !srcAligned[s] || !tgtAligned[t];
          if (open) add(s, t);
        }
      }
    }
  }
  return collect(cell, srcLen, tgtLen);
}

/** The current points of the matrix, sorted by (source, target). */
function collect(cell: Uint8Array, srcLen: number, tgtLen: number): Link[] {
  const out: Link[] = [];
  for (let s = 0; s < srcLen; s++) for (let t = 0; t < tgtLen; t++) if (cell[t * srcLen + s]! & IN_CURRENT) out.push([s, t]);
  return out;
}
