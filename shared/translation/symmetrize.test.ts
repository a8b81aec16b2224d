import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.ts';
import { linksFromDirections, symmetrize, type Link, type SymmetrizeMethod } from './symmetrize.ts';

const METHODS: SymmetrizeMethod[] = ['intersect', 'union', 'grow-diag', 'grow-diag-final', 'grow-diag-final-and'];
const all = (forward: Link[], backward: Link[], srcLen: number, tgtLen: number) =>
  Object.fromEntries(METHODS.map((m) => [m, symmetrize(forward, backward, srcLen, tgtLen, m)]));

describe('linksFromDirections', () => {
  it('reads 1-based positions with 0 for NULL, both as (source, target) links sorted', () => {
    // srcToTgt, per target word (1-based): t0 → s2, t1 → NULL, t2 → s1: links (2,0), (1,2).
    // tgtToSrc, per source word: s0 → t1, s1 → NULL, s2 → t1: links (0,1), (2,1).
    const d = linksFromDirections(Uint16Array.of(3, 0, 2), Uint16Array.of(2, 0, 2));
    expect(d.forward).toEqual([[1, 2], [2, 0]]);
    expect(d.backward).toEqual([[0, 1], [2, 1]]);
  });

  it('refuses a position past the other side', () => {
    // Two source words (tgtToSrc has length 2), so source position 3 does not exist.
    expect(() => linksFromDirections(Uint16Array.of(3), Uint16Array.of(1, 1))).toThrow(RangeError);
    expect(() => linksFromDirections(Uint16Array.of(1), Uint16Array.of(2))).toThrow(RangeError);
  });
});

describe('symmetrize', () => {
  it('3 × 3: the five heuristics give five different alignments', () => {
    // Points (s, t). F = {(0,0)}; B = {(0,0), (2,0), (0,1), (2,1), (2,2)} (link sets: the
    // heuristics do not need functions, and with functions no 3 × 3 case separates all five).
    //   intersect = {(0,0)};  union = {(0,0), (0,1), (2,0), (2,1), (2,2)}.
    //   grow-diag from {(0,0)}, s0 and t0 aligned. Sweep in (t, s) order:
    //     (0,0): (Δt,Δs) = (1,0) → (0,1) in the union, t1 unaligned: add. No other neighbour
    //     ((1,0), (1,1)) is in the union. (0,1): its neighbours (0,2), (1,0), (1,1), (1,2)
    //     are not in the union. A second sweep adds nothing → {(0,0), (0,1)}; s2, t2 unaligned.
    //   final, backward-only points in (t, s) order: (2,0), (2,1), (2,2).
    //     grow-diag-final (one word unaligned): (2,0) s2 free → add; (2,1) s2, t1 both taken →
    //     no; (2,2) t2 free → add.  → {(0,0), (0,1), (2,0), (2,2)}
    //     grow-diag-final-and (both unaligned): (2,0) t0 taken → no; (2,1) no; (2,2) both
    //     free → add.  → {(0,0), (0,1), (2,2)}
    const r = all([[0, 0]], [[0, 0], [2, 0], [0, 1], [2, 1], [2, 2]], 3, 3);
    expect(r).toEqual({
      intersect: [[0, 0]],
      union: [[0, 0], [0, 1], [2, 0], [2, 1], [2, 2]],
      'grow-diag': [[0, 0], [0, 1]],
      'grow-diag-final': [[0, 0], [0, 1], [2, 0], [2, 2]],
      'grow-diag-final-and': [[0, 0], [0, 1], [2, 2]],
    });
  });

  it('3 source × 4 target words from directions: a diagonal grows, final and final-and differ', () => {
    // srcToTgt (per target) 1,3,1,0: t0→s0, t1→s2, t2→s0, t3 NULL → F = {(0,0), (0,2), (2,1)}.
    // tgtToSrc (per source) 3,4,1: s0→t2, s1→t3, s2→t0 → B = {(0,2), (1,3), (2,0)}.
    //   intersect = {(0,2)}; union = {(0,0), (0,2), (1,3), (2,0), (2,1)}.
    //   grow-diag from (0,2) (s0, t2 aligned): neighbours (s,t) (0,1), (0,3), (1,2), (1,1) not in
    //     the union; diagonal (Δt,Δs) = (1,1) → (1,3) in it, s1 free: add (s1, t3 aligned).
    //     (1,3)'s neighbours in the union: only (0,2), already in → {(0,2), (1,3)}.
    //   final: forward-only first, (t, s) order: (0,0) then (2,1); then backward-only (2,0).
    //     -final:     (0,0) t0 free → add; (2,1) s2 free → add; (2,0) s2, t0 taken → no.
    //     -final-and: (0,0) s0 taken → no; (2,1) s2, t1 free → add; (2,0) s2 now taken → no.
    const d = linksFromDirections(Uint16Array.of(1, 3, 1, 0), Uint16Array.of(3, 4, 1));
    expect(d).toEqual({ forward: [[0, 0], [0, 2], [2, 1]], backward: [[0, 2], [1, 3], [2, 0]] });
    expect(all(d.forward, d.backward, 3, 4)).toEqual({
      intersect: [[0, 2]],
      union: [[0, 0], [0, 2], [1, 3], [2, 0], [2, 1]],
      'grow-diag': [[0, 2], [1, 3]],
      'grow-diag-final': [[0, 0], [0, 2], [1, 3], [2, 1]],
      'grow-diag-final-and': [[0, 2], [1, 3], [2, 1]],
    });
  });

  it('final-and takes the forward direction first (Moses symal)', () => {
    // 2 source words, 1 target word. Forward t0 → s1; backward s0 → t0. No intersection, so
    // nothing grows. Forward-only (1,0) comes first: s1, t0 free → add. Backward (0,0): t0 is
    // taken → not under -and; under -final s0 is free → add.
    const d = linksFromDirections(Uint16Array.of(2), Uint16Array.of(1, 0));
    expect(symmetrize(d.forward, d.backward, 2, 1, 'grow-diag-final-and')).toEqual([[1, 0]]);
    expect(symmetrize(d.forward, d.backward, 2, 1, 'grow-diag-final')).toEqual([[0, 0], [1, 0]]);
    expect(symmetrize(d.forward, d.backward, 2, 1, 'grow-diag')).toEqual([]);
  });

  it('empty alignments give empty alignments, whatever the lengths', () => {
    for (const m of METHODS) {
      expect(symmetrize([], [], 3, 2, m)).toEqual([]);
      expect(symmetrize([], [], 0, 0, m)).toEqual([]);
    }
    const d = linksFromDirections(new Uint16Array(0), new Uint16Array(0));
    expect(d).toEqual({ forward: [], backward: [] });
  });

  it('a NULL-only direction: the other direction is all there is', () => {
    // Forward: both target words to NULL. Backward: s0 → t0, s1 → t1.
    //   intersect = {}, union = {(0,0), (1,1)}; grow-diag starts from nothing and adds nothing;
    //   final (either): (0,0) both free → add; (1,1) both free → add.
    const d = linksFromDirections(Uint16Array.of(0, 0), Uint16Array.of(1, 2));
    expect(d.forward).toEqual([]);
    expect(all(d.forward, d.backward, 2, 2)).toEqual({
      intersect: [],
      union: [[0, 0], [1, 1]],
      'grow-diag': [],
      'grow-diag-final': [[0, 0], [1, 1]],
      'grow-diag-final-and': [[0, 0], [1, 1]],
    });
  });

  it('random directions: the containments and coverage the heuristics promise', () => {
    // intersect ⊆ grow-diag ⊆ each final ⊆ union. (grow-diag-final-and ⊄ grow-diag-final in
    // general: a point -final adds early can take a word a later -and point needed.)
    // After -final every word the union aligns is aligned; after -final-and every union point
    // has at least one of its words aligned.
    const rand = mulberry32(3);
    const key = (links: Link[]) => new Set(links.map(([s, t]) => `${s},${t}`));
    const within = (a: Link[], b: Link[]) => [...key(a)].every((x) => key(b).has(x));
    for (let round = 0; round < 300; round++) {
      const srcLen = 1 + Math.floor(rand() * 8);
      const tgtLen = 1 + Math.floor(rand() * 8);
      const f = Uint16Array.from({ length: tgtLen }, () => (rand() < 0.2 ? 0 : 1 + Math.floor(rand() * srcLen)));
      const b = Uint16Array.from({ length: srcLen }, () => (rand() < 0.2 ? 0 : 1 + Math.floor(rand() * tgtLen)));
      const d = linksFromDirections(f, b);
      const r = all(d.forward, d.backward, srcLen, tgtLen);
      expect(within(r.intersect!, r['grow-diag']!)).toBe(true);
      for (const m of ['grow-diag-final', 'grow-diag-final-and']) {
        expect(within(r['grow-diag']!, r[m]!)).toBe(true);
        expect(within(r[m]!, r.union!)).toBe(true);
      }
      const gdf = r['grow-diag-final']!;
      const gdfa = r['grow-diag-final-and']!;
      for (const [s, t] of r.union!) {
        expect(gdf.some(([s2]) => s2 === s) && gdf.some(([, t2]) => t2 === t)).toBe(true);
        expect(gdfa.some(([s2, t2]) => s2 === s || t2 === t)).toBe(true);
      }
    }
  });

  it('refuses a link outside the pair', () => {
    expect(() => symmetrize([[2, 0]], [], 2, 2, 'union')).toThrow(RangeError);
    expect(() => symmetrize([], [[0, -1]], 2, 2, 'grow-diag-final-and')).toThrow(RangeError);
  });
});
