/**
 * @module The trained model made from the last M-step: the translation table pruned to the
 * likely translations of each source word (IBM1_PRUNE_P_MIN, IBM1_PRUNE_ROW_MAX; rows are
 * not renormalised, so a row sums to at most 1, as model.ts says), the target side's n-gram
 * counts for the decoder's language model, and a summary for the job page.
 */
import { IBM1_PRUNE_P_MIN, IBM1_PRUNE_ROW_MAX, IBM1_SUMMARY_WORDS } from '../limits.ts';
import type { PreparedCorpus } from './em.ts';
import { BOS_TGT_ID, EOS_TGT_ID, type NgramCounts, type TranslationModel, type TranslationRow } from './model.ts';

/** Order of the target n-gram counts (trigrams). */
export const LM_ORDER = 3;
/** Translations listed per frequent word in the summary. */
const SUMMARY_TRANSLATIONS = 5;

/** Pruned rows of t(· | e) for every source id, by descending probability (ties: ascending id). */
export function pruneTable(prep: PreparedCorpus, t: Float64Array): TranslationRow[] {
  const V = prep.corpus.srcVocab.length;
  const start = new Uint32Array(V + 1);
  for (const e of prep.entrySrc) start[e + 1]!++;
  for (let e = 0; e < V; e++) start[e + 1]! += start[e]!;
  const fill = start.slice(0, V);
  const order = new Uint32Array(prep.entrySrc.length);
  prep.entrySrc.forEach((e, g) => (order[fill[e]!++] = g));
  const rows: TranslationRow[] = [];
  for (let e = 0; e < V; e++) {
    const gs = Array.from(order.subarray(start[e]!, start[e + 1]!)).filter((g) => t[g]! >= IBM1_PRUNE_P_MIN);
    gs.sort((a, b) => t[b]! - t[a]! || prep.entryTgt[a]! - prep.entryTgt[b]!);
    const kept = gs.slice(0, IBM1_PRUNE_ROW_MAX);
    rows.push({ tgt: kept.map((g) => prep.entryTgt[g]!), p: kept.map((g) => t[g]!) });
  }
  return rows;
}

/** Counts of every target n-gram of order 1 … `order`, each sentence wrapped in BOS … EOS. */
export function countNgrams(prep: PreparedCorpus, order = LM_ORDER): NgramCounts {
  const { tgtOff, tgtTok, pairs, tgtVocab } = prep.corpus;
  const V = tgtVocab.length;
  // One map per order, keyed by the ids as digits in base V (< 2^53 for V ≤ 200,000, order 3).
  const maps = Array.from({ length: order }, () => new Map<number, number>());
  const seq: number[] = [];
  for (let p = 0; p < pairs; p++) {
    seq.length = 0;
    seq.push(BOS_TGT_ID);
    for (let k = tgtOff[p]!; k < tgtOff[p + 1]!; k++) seq.push(tgtTok[k]!);
    seq.push(EOS_TGT_ID);
    for (let i = 0; i < seq.length; i++) {
      let key = 0;
      for (let n = 0; n < order && i + n < seq.length; n++) {
        key = key * V + seq[i + n]!;
        const m = maps[n]!;
        m.set(key, (m.get(key) ?? 0) + 1);
      }
    }
  }
  const entries: number[][] = [];
  maps.forEach((m, n) => {
    for (const [key, count] of m) {
      const ids: number[] = [];
      let k = key;
      for (let d = 0; d <= n; d++) {
        ids.unshift(k % V);
        k = Math.floor(k / V);
      }
      entries.push([...ids, count]);
    }
  });
  entries.sort((a, b) => {
    const la = a.length - 1;
    const lb = b.length - 1;
    for (let i = 0; i < Math.min(la, lb); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return la - lb;
  });
  return { order, entries };
}

/** The model a training job produces. */
export function buildModel(prep: PreparedCorpus, t: Float64Array): TranslationModel {
  const c = prep.corpus;
  return { srcLang: c.srcLang, tgtLang: c.tgtLang, srcVocab: c.srcVocab, tgtVocab: c.tgtVocab, table: pruneTable(prep, t), lm: countNgrams(prep) };
}

/** A frequent source word with its most likely translations. */
export interface FrequentWord {
  word: string;
  count: number;
  translations: { word: string; p: number }[];
}

/** The IBM1_SUMMARY_WORDS most frequent source words (ties: first seen), with their top translations. */
export function frequentWords(model: TranslationModel, prep: PreparedCorpus): FrequentWord[] {
  const counts = new Uint32Array(model.srcVocab.length);
  for (const e of prep.corpus.srcTok) counts[e]!++;
  const ids = Array.from({ length: counts.length - 1 }, (_, i) => i + 1);
  ids.sort((a, b) => counts[b]! - counts[a]! || a - b);
  return ids.slice(0, IBM1_SUMMARY_WORDS).map((e) => {
    const row = model.table[e]!;
    return {
      word: model.srcVocab[e]!,
      count: counts[e]!,
      translations: row.tgt.slice(0, SUMMARY_TRANSLATIONS).map((f, i) => ({ word: model.tgtVocab[f]!, p: row.p[i]! })),
    };
  });
}
