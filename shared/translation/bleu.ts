/**
 * @module Corpus BLEU exactly as sacrebleu computes it by default (Post 2018; Papineni et
 * al. 2002): mteval-v13a tokenisation, n-grams up to 4 clipped by the maximum count in any
 * reference, the closest reference length for the brevity penalty (ties: the shorter), and
 * sacrebleu's `exp` smoothing: the k-th n-gram order with no match gets precision
 * 1 / (2^k · total) instead of 0 (Chen & Cherry 2014, method 3 — NIST's mteval smoothing).
 */

/** Highest n-gram order BLEU counts. */
export const BLEU_MAX_ORDER = 4;

/** mteval-v13a's language-dependent regexes, in order (sacrebleu's `TokenizerRegexp`). */
const RE_13A: [RegExp, string][] = [
  // Every ASCII punctuation and symbol except . , ' - is split off.
  [/([\{-\~\[-\` -\&\(-\+\:-\@\/])/g, ' $1 '],
  // Period and comma, unless preceded by a digit …
  [/([^0-9])([\.,])/g, '$1 $2 '],
  // … unless followed by a digit.
  [/([\.,])([^0-9])/g, ' $1 $2'],
  // A dash after a digit.
  [/([0-9])(-)/g, '$1 $2 '],
];

/**
 * Tokenises one line as sacrebleu's `13a` tokenizer (mteval-v13a.pl's `tokenization`).
 * @example
 * tokenize13a("It wasn't surprising."); // "It wasn't surprising ."
 */
export function tokenize13a(line: string): string {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  s = ` ${s} `;
  for (const [re, repl] of RE_13A) s = s.replace(re, repl);
  return s.split(/\s+/).filter((t) => t !== '').join(' ');
}

/** A BLEU score with the statistics sacrebleu prints beside it. */
export interface BleuScore {
  /** 0–100. */
  score: number;
  /** n-gram precisions, 0–100, orders 1…4 (smoothed as the score used them). */
  precisions: number[];
  bp: number;
  sysLen: number;
  refLen: number;
  /** Matches and totals per order. */
  correct: number[];
  total: number[];
}

function ngramCounts(tokens: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= BLEU_MAX_ORDER; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      // U+0001 never survives 13a tokenisation as part of a token boundary, so keys are unambiguous.
      const key = `${n}\u0001${tokens.slice(i, i + n).join('\u0001')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

const tokens13a = (line: string) => {
  const t = tokenize13a(line);
  return t === '' ? [] : t.split(' ');
};

/**
 * BLEU's sufficient statistics: clipped n-gram matches and n-gram totals for orders 1…4, the
 * hypothesis length and the closest reference length. Those of a corpus are the sums of
 * those of its sentences; `corpusBleu` is `bleuScoreFromStats` of that sum.
 */
export interface BleuStats {
  correct: number[];
  total: number[];
  sysLen: number;
  refLen: number;
}

/**
 * The statistics of one hypothesis against its references, as `corpusBleu` counts them
 * (13a tokenisation, clipping by the most frequent count in any reference).
 * @example sentenceBleuStats('a b', ['a b c']) // correct [2, 1, 0, 0], total [2, 1, 0, 0], sysLen 2, refLen 3
 */
export function sentenceBleuStats(hyp: string, refs: string[]): BleuStats {
  const correct = new Array<number>(BLEU_MAX_ORDER).fill(0);
  const total = new Array<number>(BLEU_MAX_ORDER).fill(0);
  const h = tokens13a(hyp);
  const refTokens = refs.map((r) => tokens13a(r));
  // Closest reference length; a tie goes to the shorter (sacrebleu's _get_closest_ref_len).
  let closest = Infinity;
  let closestLen = 0;
  for (const r of refTokens) {
    const diff = Math.abs(r.length - h.length);
    if (diff < closest || (diff === closest && r.length < closestLen)) {
      closest = diff;
      closestLen = r.length;
    }
  }
  const maxRef = new Map<string, number>();
  for (const r of refTokens) for (const [k, c] of ngramCounts(r)) maxRef.set(k, Math.max(maxRef.get(k) ?? 0, c));
  for (const [k, c] of ngramCounts(h)) {
    const n = Number(k.slice(0, k.indexOf('\u0001')));
    total[n - 1]! += c;
    correct[n - 1]! += Math.min(c, maxRef.get(k) ?? 0);
  }
  return { correct, total, sysLen: h.length, refLen: closestLen };
}

/** The BLEU score of (summed) statistics, with sacrebleu's brevity penalty and exp smoothing. */
export function bleuScoreFromStats(stats: BleuStats): BleuScore {
  const { correct, total, sysLen, refLen } = stats;
  const precisions = new Array<number>(BLEU_MAX_ORDER).fill(0);
  let smooth = 1;
  for (let n = 0; n < BLEU_MAX_ORDER; n++) {
    if (total[n] === 0) break;
    if (correct[n] === 0) {
      smooth *= 2;
      precisions[n] = 100 / (smooth * total[n]!);
    } else {
      precisions[n] = (100 * correct[n]!) / total[n]!;
    }
  }
  const bp = sysLen === 0 ? 0 : sysLen < refLen ? Math.exp(1 - refLen / sysLen) : 1;
  // sacrebleu's my_log(0) is -9999999999: an order with no n-grams at all zeroes the score.
  const logs = precisions.map((p) => (p === 0 ? -9999999999 : Math.log(p)));
  const score = sysLen === 0 ? 0 : bp * Math.exp(logs.reduce((a, b) => a + b, 0) / BLEU_MAX_ORDER);
  return { score, precisions, bp, sysLen, refLen, correct: [...correct], total: [...total] };
}

/**
 * Corpus BLEU of `hypotheses` against reference sets, sacrebleu's argument order:
 * `refs[k][i]` is the k-th reference of hypothesis i.
 * @example
 * corpusBleu(['The dog bit the man.'], [['The dog bit the man.']]).score; // 100
 */
export function corpusBleu(hypotheses: string[], refs: string[][]): BleuScore {
  for (const set of refs) if (set.length !== hypotheses.length) throw new RangeError('every reference set needs one line per hypothesis');
  const sum: BleuStats = { correct: new Array<number>(BLEU_MAX_ORDER).fill(0), total: new Array<number>(BLEU_MAX_ORDER).fill(0), sysLen: 0, refLen: 0 };
  hypotheses.forEach((hyp, i) => {
    const s = sentenceBleuStats(hyp, refs.map((set) => set[i]!));
    for (let n = 0; n < BLEU_MAX_ORDER; n++) {
      sum.correct[n]! += s.correct[n]!;
      sum.total[n]! += s.total[n]!;
    }
    sum.sysLen += s.sysLen;
    sum.refLen += s.refLen;
  });
  return bleuScoreFromStats(sum);
}
