/**
 * @module Word alignments from a trained model, and their quality: Viterbi alignment under
 * IBM Model 1 (each target word to its most likely source word, or to NULL), and the
 * alignment error rate of Och & Ney (2003), with sure alignments only.
 */
import { NULL_SRC_ID, type TranslationModel } from './model.ts';

/** Looks up t(f | e) in a model's pruned rows (0 for a pair pruned away or never seen). */
export function translationProbability(model: TranslationModel) {
  const rows = model.table.map((r) => new Map(r.tgt.map((f, i) => [f, r.p[i]!])));
  return (e: number, f: number): number => rows[e]?.get(f) ?? 0;
}

/**
 * Viterbi alignment of one tokenised pair: `[srcPos, tgtPos]` links (0-based), target
 * words whose best source is NULL (or that no source explains) left unaligned; ties go to
 * NULL, then to the first source word. Unknown words have no links.
 */
export function viterbiLinks(model: TranslationModel, src: string[], tgt: string[]): [number, number][] {
  const t = translationProbability(model);
  const srcId = new Map(model.srcVocab.map((w, i) => [w, i]));
  const tgtId = new Map(model.tgtVocab.map((w, i) => [w, i]));
  const es = src.map((w) => srcId.get(w) ?? -1);
  const links: [number, number][] = [];
  tgt.forEach((w, j) => {
    const f = tgtId.get(w);
    if (f === undefined) return;
    let best = -1;
    let bestP = t(NULL_SRC_ID, f);
    es.forEach((e, i) => {
      const p = e < 0 ? 0 : t(e, f);
      if (p > bestP) {
        bestP = p;
        best = i;
      }
    });
    if (best >= 0) links.push([best, j]);
  });
  return links;
}

/**
 * Alignment error rate over a corpus with sure gold links only (Och & Ney 2003, eq. 1 with
 * P = S): AER = 1 − 2·|A ∩ S| / (|A| + |S|), summed over all pairs.
 */
export function alignmentErrorRate(found: [number, number][][], gold: [number, number][][]): number {
  let both = 0;
  let a = 0;
  let s = 0;
  found.forEach((links, k) => {
    const sure = new Set((gold[k] ?? []).map(([i, j]) => `${i},${j}`));
    a += links.length;
    s += sure.size;
    for (const [i, j] of links) if (sure.has(`${i},${j}`)) both++;
  });
  return a + s === 0 ? 0 : 1 - (2 * both) / (a + s);
}
