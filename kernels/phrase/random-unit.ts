/**
 * @module Seeded random phrase decoding units for the kernel's tests, the Node-vs-Chromium
 * determinism test and the bench: per sentence a one-word option (1–3 translations) at every
 * position and random longer spans, target phrases of 0 to 4 words (some up to 7), and a
 * random backoff LM of the given order whose entries do not always have their prefixes (so
 * context records and state minimisation are exercised) and whose backoff weights are
 * sometimes positive (so the LM bound is too).
 */
import type { PhraseLmEntry, PhraseOption, PhraseUnitInput } from '../../shared/kernels/phrase.codec.ts';
import { mulberry32 } from '../../shared/random.ts';

/** What a random unit is made of. */
export interface RandomPhraseSettings {
  sentences: number;
  /** Longest sentence (lengths are 1..maxLen; sentence 1 is empty when there are three or more). */
  maxLen: number;
  /** Target ids 2..tgt − 1. */
  tgt: number;
  features: number;
  lmOrder: number;
  beam: number;
  distortionLimit: number;
  nbest: number;
  /** Longer spans per position on average. @default 1.5 */
  spanDensity?: number;
  /** Shortest sentence. @default 1 */
  minLen?: number;
  /** Most translations per span (each span gets 1..translations). @default 3 */
  translations?: number;
  /** Every entry's prefixes and suffixes are entries too, as in a Kneser–Ney model (the kernel's fast LM path). @default false */
  closedLm?: boolean;
}

/** A random unit (see the module comment). */
export function randomPhraseUnit(seed: number, s: RandomPhraseSettings): PhraseUnitInput {
  const rand = mulberry32(seed);
  const pick = (k: number) => Math.floor(rand() * k);
  const word = () => 2 + pick(s.tgt - 2);
  const scores = () => Array.from({ length: s.features }, () => Math.log(0.02 + 0.98 * rand()));
  const phrase = (): number[] => {
    const r = rand();
    const len = r < 0.08 ? 0 : r < 0.5 ? 1 : r < 0.8 ? 2 : r < 0.97 ? 3 + pick(2) : 5 + pick(3);
    return Array.from({ length: len }, word);
  };
  const sentences = Array.from({ length: s.sentences }, (_, i) => {
    const minLen = s.minLen ?? 1;
    const n = i === 1 && s.sentences >= 3 ? 0 : minLen + pick(s.maxLen - minLen + 1);
    const options: PhraseOption[] = [];
    for (let start = 0; start < n; start++) {
      const ends = new Set<number>([start + 1]);
      const extra = Math.floor((s.spanDensity ?? 1.5) * 2 * rand());
      for (let k = 0; k < extra; k++) ends.add(Math.min(n, start + 2 + pick(rand() < 0.9 ? 3 : 6)));
      for (const end of [...ends].sort((a, b) => a - b)) {
        for (let k = 1 + pick(s.translations ?? 3); k > 0; k--) options.push({ start, end, tgt: end === start + 1 && k === 1 ? [word()] : phrase(), scores: scores() });
      }
    }
    return { length: n, options };
  });
  const lm: PhraseLmEntry[] = [];
  const seen = new Set<string>();
  const add = (ids: number[]) => {
    const key = ids.join(',');
    if (seen.has(key)) return;
    seen.add(key);
    const bow = rand() < 0.1 ? Math.log(1 + rand()) : rand() < 0.2 ? 0 : Math.log(0.1 + 0.8 * rand());
    lm.push({ ids, logp: Math.log(0.01 + 0.5 * rand()), bow: ids.length === s.lmOrder ? 0 : bow });
  };
  add([0]);
  for (let w = 1; w < s.tgt; w++) if (rand() < 0.9) add([w]);
  for (let order = 2; order <= s.lmOrder; order++) {
    for (let k = 0; k < s.tgt * 3; k++) {
      const ids = [rand() < 0.2 ? 0 : 2 + pick(s.tgt - 2), ...Array.from({ length: order - 2 }, word), 1 + pick(s.tgt - 1)];
      // Closed: the shorter pieces first, so every prefix and suffix is there.
      if (s.closedLm) for (let len = 1; len < order; len++) for (let at = 0; at + len <= order; at++) add(ids.slice(at, at + len));
      add(ids);
    }
  }
  return {
    sentences,
    features: s.features,
    lmOrder: s.lmOrder,
    lm,
    unkLogProb: Math.log(1e-4),
    weights: { tm: Array.from({ length: s.features }, () => 0.1 + 0.5 * rand()), lm: 0.5 + 0.5 * rand(), word: rand() - 0.5, phrase: rand() - 0.5, distortion: -0.1 - 0.4 * rand() },
    beam: s.beam,
    distortionLimit: s.distortionLimit,
    nbest: s.nbest,
  };
}
