/**
 * @module The decoder's target language model from the trained model's n-gram counts:
 * interpolated Witten-Bell smoothing (Witten & Bell 1991; Chen & Goodman 1998, §2.4) down to a
 * uniform distribution over the vocabulary and an unknown word, written in backoff (ARPA) form
 * so the kernel only looks entries up:
 *   P(w | h) = (c(h w) + T(h)·P(w | h')) / (c(h ·) + T(h)),  T(h) = distinct words after h
 * is, for an unseen h w, bow(h)·P(w | h') with bow(h) = T(h) / (c(h ·) + T(h)); a seen n-gram
 * is stored with its interpolated P. Computed on the edge when a job is split (log e, binary64).
 */
import { BOS_TGT_ID, type NgramCounts } from './model.ts';

/** One backoff-form entry: the n-gram (1–3 ids), log P(last | rest) and log bow(the n-gram as a context). */
export interface BackoffEntry {
  ids: number[];
  logp: number;
  bow: number;
}

/** A language model in backoff form over a subset of the target vocabulary. */
export interface BackoffLm {
  entries: BackoffEntry[];
  /** log P of a word the counts never saw. */
  unkLogProb: number;
}

const key = (ids: number[]) => ids.join(',');

/**
 * The backoff-form entries of the n-grams whose words are all in `keep` (with `<s>` and
 * `</s>` always kept), from the counts of every n-gram (context totals use all of them).
 * `vocabSize` counts the target vocabulary without `<s>`, plus one for the unknown word.
 * @example const lm = backoffLm(model.lm, model.tgtVocab.length, new Set([5, 9]));
 */
export function backoffLm(counts: NgramCounts, vocabSize: number, keep: Set<number>): BackoffLm {
  const byKey = new Map<string, number>();
  // Per context (ids without the last word): total count and distinct continuations.
  const ctxTotal = new Map<string, number>();
  const ctxTypes = new Map<string, number>();
  let unigramTotal = 0;
  let unigramTypes = 0;
  for (const e of counts.entries) {
    const ids = e.slice(0, -1);
    const c = e[e.length - 1]!;
    if (ids.length > 3 || c <= 0) continue;
    byKey.set(key(ids), c);
    if (ids.length === 1) {
      if (ids[0] === BOS_TGT_ID) continue;
      unigramTotal += c;
      unigramTypes += 1;
    } else {
      const h = key(ids.slice(0, -1));
      ctxTotal.set(h, (ctxTotal.get(h) ?? 0) + c);
      ctxTypes.set(h, (ctxTypes.get(h) ?? 0) + 1);
    }
  }
  const uniform = 1 / Math.max(1, vocabSize - 1);
  const p1 = (w: number) => ((byKey.get(String(w)) ?? 0) + unigramTypes * uniform) / (unigramTotal + unigramTypes || 1);
  const bow = (h: number[]) => {
    const t = ctxTypes.get(key(h));
    return t === undefined ? 1 : t / (ctxTotal.get(key(h))! + t);
  };
  const p = (ids: number[]): number => {
    if (ids.length === 1) return p1(ids[0]!);
    const h = ids.slice(0, -1);
    const lower = p(ids.slice(1));
    const t = ctxTypes.get(key(h));
    if (t === undefined) return lower;
    return ((byKey.get(key(ids)) ?? 0) + t * lower) / (ctxTotal.get(key(h))! + t);
  };
  const entries: BackoffEntry[] = [];
  for (const e of counts.entries) {
    const ids = e.slice(0, -1);
    if (ids.length > 3 || e[e.length - 1]! <= 0 || !ids.every((w) => w <= 1 || keep.has(w))) continue;
    // `<s>` is never predicted: its unigram entry only carries its backoff weight.
    const isBos = ids.length === 1 && ids[0] === BOS_TGT_ID;
    const logp = isBos ? Math.log(uniform) : Math.log(p(ids));
    entries.push({ ids, logp, bow: Math.log(bow(ids)) });
  }
  const unk = unigramTypes * uniform / (unigramTotal + unigramTypes || 1);
  return { entries, unkLogProb: Math.log(unk > 0 ? unk : uniform) };
}
