/**
 * @module Seeded random decoding units for the kernel's tests, the Node-vs-Chromium
 * determinism test and the bench: random options (some two-word, some empty) and a random
 * backoff LM, so every branch of the search and the LM lookup is exercised.
 */
import type { DecodeLmEntry, DecodeUnitInput } from '../../shared/kernels/decode.codec.ts';
import { mulberry32 } from '../../shared/random.ts';

/** A random unit: `types` source types with 1–4 options (some two-word, some empty), a random LM over `tgt` target ids. */
export function randomDecodeUnit(seed: number, sentences: number, types: number, tgt: number, beam: number, distortionLimit: number, maxLen = 20): DecodeUnitInput {
  const rand = mulberry32(seed);
  const pick = (k: number) => Math.floor(rand() * k);
  const word = () => 2 + pick(tgt - 2);
  const options = Array.from({ length: types }, () =>
    Array.from({ length: 1 + pick(4) }, () => {
      const r = rand();
      return { tgt: r < 0.1 ? [] : r < 0.3 ? [word(), word()] : [word()], score: Math.log(0.05 + 0.95 * rand()) };
    }),
  );
  const lm: DecodeLmEntry[] = [];
  const seen = new Set<string>();
  const add = (ids: number[]) => {
    const key = ids.join(',');
    if (seen.has(key)) return;
    seen.add(key);
    lm.push({ ids, logp: Math.log(0.01 + 0.5 * rand()), bow: Math.log(0.1 + 0.8 * rand()) });
  };
  for (let w = 1; w < tgt; w++) if (rand() < 0.9) add([w]);
  for (let k = 0; k < tgt * 3; k++) add([pick(tgt), 1 + pick(tgt - 1)]);
  for (let k = 0; k < tgt * 3; k++) add([pick(tgt), 2 + pick(tgt - 2), 1 + pick(tgt - 1)]);
  return {
    sentences: Array.from({ length: sentences }, (_, i) => Array.from({ length: i === 1 ? 0 : 1 + pick(maxLen) }, () => pick(types))),
    options,
    lm,
    beam,
    distortionLimit,
    lmWeight: 0.8,
    wordPenalty: 0.3,
    distortionWeight: 0.25,
    unkLogProb: Math.log(1e-4),
  };
}
