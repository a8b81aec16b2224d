/**
 * @module The end of one sentence in the phrase kernel: the final scores of the complete
 * hypotheses (with </s>), the n-best by selection (highest first, ties: the earlier slot), and
 * each candidate written with its features recomputed along its path (index.ts's module
 * comment gives the order of every sum).
 */
import { PHRASE_EXTRA_FEATURES, PHRASE_SENTENCE_TOKENS_MAX } from '../codes';
import { EOS_ID, lp } from './lm';
import { Hyp, f64At, hypAt, u32At } from './layout';
import { counts } from './search';
import { hist, loadState, phraseLm, prepareContext } from './phraselm';
import { beam, candidateBytes, fCount, finP, hypP, nBest, optEnd, optLen, optStart, optTgtAtP, orderP, scoresP, tgtP, wLm } from './unit';
import { storeCanonical } from '../../common/assembly/memory';

/** The path of one candidate, first phrase first. */
const path = memory.data(PHRASE_SENTENCE_TOKENS_MAX << 2, 16);

/** log p(</s> | h's state). */
@inline function endLp(h: Hyp): f64 {
  const len = loadState(h);
  store<u32>(hist + (<usize>len << 2), EOS_ID);
  return lp(hist, len);
}

/** Writes the n-best list of the sentence of n words and width `width` at `out`; returns the bytes written. */
export function finishSentence(n: u32, width: u32, out: usize): usize {
  const b = beam, F = fCount;
  const cnt = u32At(counts, n);
  const base = n * b;
  for (let k: u32 = 0; k < cnt; k++) {
    const h = hypAt(hypP, base + k);
    store<f64>(finP + (<usize>k << 3), h.score + wLm * endLp(h));
    store<u32>(orderP + (<usize>k << 2), 0);
  }
  const c = cnt < nBest ? cnt : nBest;
  const slot = candidateBytes(width);
  store<u32>(out, c);
  store<u32>(out, width, 4);
  for (let idx: u32 = 0; idx < c; idx++) {
    // The best not yet taken (orderP marks taken slots), the first among equals.
    let best: i32 = -1;
    let bestFin: f64 = 0;
    for (let k: u32 = 0; k < cnt; k++) {
      if (u32At(orderP, k) != 0) continue;
      const v = f64At(finP, k);
      if (best < 0 || v > bestFin) {
        best = <i32>k;
        bestFin = v;
      }
    }
    store<u32>(orderP + (<usize>best << 2), 1);
    writeCandidate(base + <u32>best, bestFin, out + 8 + <usize>idx * slot, F);
  }
  return 8 + <usize>nBest * slot;
}

/** One candidate at `p`: its score, its features along its path, its words with their spans. */
function writeCandidate(r: u32, score: f64, p: usize, F: u32): void {
  let phrases: u32 = 0;
  for (let h = <i32>r; hypAt(hypP, <usize>h).back >= 0; h = hypAt(hypP, <usize>h).back) phrases++;
  let at = phrases;
  for (let h = <i32>r; hypAt(hypP, <usize>h).back >= 0; h = hypAt(hypP, <usize>h).back) store<i32>(path + (<usize>--at << 2), h);
  storeCanonical(p, score);
  const feats = p + 8;
  for (let k: u32 = 0; k < F; k++) {
    let f: f64 = 0;
    for (let i: u32 = 0; i < phrases; i++) f = f + f64At(scoresP + ((<usize>hypAt(hypP, <usize>load<i32>(path + (<usize>i << 2))).opt * <usize>F) << 3), k);
    storeCanonical(feats + (<usize>k << 3), f);
  }
  let lm: f64 = 0;
  let words: u32 = 0;
  let dist: u32 = 0;
  let prevEnd: u32 = 0;
  const wordsAt = feats + ((<usize>F + PHRASE_EXTRA_FEATURES) << 3) + 8;
  for (let i: u32 = 0; i < phrases; i++) {
    const h = hypAt(hypP, <usize>load<i32>(path + (<usize>i << 2)));
    const q = h.opt;
    const stLen = loadState(hypAt(hypP, <usize>h.back));
    prepareContext(stLen);
    lm = lm + phraseLm(stLen, q);
    const s = optStart(q), e = optEnd(q), len = optLen(q);
    dist += s > prevEnd ? s - prevEnd : prevEnd - s;
    prevEnd = e;
    const tgt = tgtP + (<usize>u32At(optTgtAtP, q) << 2);
    for (let j: u32 = 0; j < len; j++) {
      const wAt = wordsAt + (<usize>(words + j) << 3);
      store<u32>(wAt, u32At(tgt, j));
      store<u16>(wAt, <u16>s, 4);
      store<u16>(wAt, <u16>e, 6);
    }
    words += len;
  }
  lm = lm + endLp(hypAt(hypP, r));
  storeCanonical(feats + (<usize>F << 3), lm);
  storeCanonical(feats + ((<usize>F + 1) << 3), <f64>words);
  storeCanonical(feats + ((<usize>F + 2) << 3), <f64>phrases);
  storeCanonical(feats + ((<usize>F + 3) << 3), <f64>dist);
  store<u32>(feats + ((<usize>F + PHRASE_EXTRA_FEATURES) << 3), words);
}
