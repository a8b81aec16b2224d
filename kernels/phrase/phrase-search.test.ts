/**
 * @module The phrase kernel on hand-built units whose n-best lists are computed by hand in the
 * comments: reordering within the distortion limit and not beyond it, word and phrase
 * penalties choosing between a longer and a shorter translation, trigram backoff through a
 * state that must keep a word whose backoff weight is not 0. Each unit runs on the kernel and
 * the reference (byte for byte) and, when gcc is there, the C build.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePhraseOutput, encodePhraseInput, type PhraseLmEntry, type PhraseUnitInput } from '../../shared/kernels/phrase.codec.ts';
import { phraseC, phraseModule, runC, runChecked } from './testing.ts';

let kernel: WebAssembly.Module;
beforeAll(async () => {
  kernel = await phraseModule();
});

/** Decodes `u` on the kernel (checked against the reference and the C build) and reads the n-best lists back. */
async function decode(u: PhraseUnitInput) {
  const input = encodePhraseInput(u);
  const out = await runChecked(kernel, input, 1);
  const c = phraseC();
  if (c) expect(runC(c, input)).toEqual(out);
  return decodePhraseOutput(out, u);
}

const uni = (w: number, logp: number, bow = 0): PhraseLmEntry => ({ ids: [w], logp, bow });

describe('phrase search, by hand', () => {
  // Source "A B C"; target ids a = 2, b = 3, c = 4; one option per word, translation score −1.
  // The bigram LM has only seen "<s> b a c </s>": those bigrams −0.5, every unigram −3, no backoff.
  const reorder = (distortionLimit: number): PhraseUnitInput => ({
    sentences: [{ length: 3, options: [0, 1, 2].map((s) => ({ start: s, end: s + 1, tgt: [2 + s], scores: [-1] })) }],
    features: 1,
    lmOrder: 2,
    lm: [uni(0, 0), uni(1, -3), uni(2, -3), uni(3, -3), uni(4, -3), ...[[0, 3], [3, 2], [2, 4], [4, 1]].map((ids) => ({ ids, logp: -0.5, bow: 0 }))],
    unkLogProb: -10,
    weights: { tm: [1], lm: 1, word: 0, phrase: 0, distortion: -1 },
    beam: 10,
    distortionLimit,
    nbest: 5,
  });

  it('reorders "A B C" into "b a c" when the distortion limit allows the jump back of 2', async () => {
    // D = 2 allows three orders of the phrases (C first would end 3 past the first gap, B C A jumps 3):
    //   B A C: tm −3, LM 4 × −0.5 = −2, distortion |1−0| + |0−2| + |2−1| = 4 → −3 − 2 − 4 = −9
    //   A B C: tm −3, LM −3 −3 −3 −0.5 = −9.5, distortion 0 → −12.5, but it reaches the last
    //          stack in B A C's state (c, all covered, last end 3) with −12 < −8.5 before </s>: recombined away
    //   A C B: tm −3, LM −3 −0.5 −3 −3 = −9.5, distortion 0 + 1 + 2 = 3 → −15.5
    const [nbest] = await decode(reorder(2));
    expect(nbest).toEqual([
      { score: -9, features: [-3, -2, 3, 3, 4], tgt: [3, 2, 4], srcStart: [1, 0, 2], srcEnd: [2, 1, 3] },
      { score: -15.5, features: [-3, -9.5, 3, 3, 3], tgt: [2, 4, 3], srcStart: [0, 2, 1], srcEnd: [1, 3, 2] },
    ]);
  });

  it('keeps "a b c" when the distortion limit 1 forbids starting at B (it ends 2 past the first gap)', async () => {
    for (const d of [0, 1]) {
      const [nbest] = await decode(reorder(d));
      expect(nbest).toEqual([{ score: -12.5, features: [-3, -9.5, 3, 3, 0], tgt: [2, 3, 4], srcStart: [0, 1, 2], srcEnd: [1, 2, 3] }]);
    }
  });

  // Source "A B"; options A → a (2), B → b (3), both −1, and "A B" → x (5), −2. Unigrams −2, no
  // bigrams, so every word costs −2 and so does </s>, whatever comes before.
  //   x:   tm −2, LM −4, 1 word, 1 phrase → −6 + w_word + w_phrase
  //   a b: tm −2, LM −6, 2 words, 2 phrases → −8 + 2·w_word + 2·w_phrase
  const penalties = (word: number, phrase: number): PhraseUnitInput => ({
    sentences: [{ length: 2, options: [{ start: 0, end: 1, tgt: [2], scores: [-1] }, { start: 0, end: 2, tgt: [5], scores: [-2] }, { start: 1, end: 2, tgt: [3], scores: [-1] }] }],
    features: 1,
    lmOrder: 2,
    lm: [uni(0, 0), uni(1, -2), uni(2, -2), uni(3, -2), uni(5, -2)],
    unkLogProb: -10,
    weights: { tm: [1], lm: 1, word, phrase, distortion: -1 },
    beam: 10,
    distortionLimit: 0,
    nbest: 3,
  });

  it('chooses the shorter translation without a word bonus, the longer with one, the shorter again with a phrase penalty', async () => {
    // (0, 0): x −6 > a b −8. Both end in the same state (no LM context survives: nothing follows
    // a word in this LM, no backoff weight), so the loser is recombined away.
    expect((await decode(penalties(0, 0)))[0]).toEqual([{ score: -6, features: [-2, -4, 1, 1, 0], tgt: [5], srcStart: [0], srcEnd: [2] }]);
    // (2.5, 0): x −3.5 < a b −3.
    expect((await decode(penalties(2.5, 0)))[0]).toEqual([{ score: -3, features: [-2, -6, 2, 2, 0], tgt: [2, 3], srcStart: [0, 1], srcEnd: [1, 2] }]);
    // (2.5, −1): x −4.5 > a b −5.
    expect((await decode(penalties(2.5, -1)))[0]).toEqual([{ score: -4.5, features: [-2, -4, 1, 1, 0], tgt: [5], srcStart: [0], srcEnd: [2] }]);
  });

  // Source "A", one option → a (2), −1; trigram LM: <s> (bow −0.25), a −2 (bow −0.5), </s> −3,
  // "<s> a" −1 with backoff weight `bow`. An unrelated trigram 5 6 7 without its prefix makes
  // the LM not closed (the kernel's general LM path); without it the fast path runs.
  const trigram = (bow: number, closed: boolean): PhraseUnitInput => ({
    sentences: [{ length: 1, options: [{ start: 0, end: 1, tgt: [2], scores: [-1] }] }],
    features: 1,
    lmOrder: 3,
    lm: [uni(0, 0, -0.25), uni(2, -2, -0.5), uni(1, -3), { ids: [0, 2], logp: -1, bow }, ...(closed ? [] : [uni(5, -2), uni(6, -2), uni(7, -2), { ids: [5, 6, 7], logp: -1, bow: 0 }])],
    unkLogProb: -10,
    weights: { tm: [1], lm: 1, word: 0, phrase: 0, distortion: -1 },
    beam: 4,
    distortionLimit: 0,
    nbest: 1,
  });

  it('backs off through a kept state: log p(</s> | <s> a) = bow(<s> a) + bow(a) + log p(</s>)', async () => {
    for (const closed of [true, false]) {
      // log p(a | <s>) = −1 (the bigram). The state "<s> a" extends nothing but its backoff
      // weight is −0.125, so it stays; log p(</s> | <s> a) = (−0.125 − 0.5) − 3 = −3.625.
      // LM −4.625, tm −1 → −5.625.
      expect((await decode(trigram(-0.125, closed)))[0]).toEqual([{ score: -5.625, features: [-1, -4.625, 1, 1, 0], tgt: [2], srcStart: [0], srcEnd: [1] }]);
      // With bow(<s> a) = 0 the state drops <s> (no change to any probability) and keeps "a"
      // (backoff −0.5): log p(</s> | a) = −0.5 − 3 = −3.5; LM −4.5 → −5.5.
      expect((await decode(trigram(0, closed)))[0]).toEqual([{ score: -5.5, features: [-1, -4.5, 1, 1, 0], tgt: [2], srcStart: [0], srcEnd: [1] }]);
    }
  });

  it('deletes a word through an option without target words, and decodes an empty sentence to </s>', async () => {
    // "A B" with B → nothing (tm −0.5) too. With a word bonus of 1.5: "a" (B deleted) costs tm
    // −1.5, LM −2 −2, + 1.5 → −4; "a b" −8 + 3 = −5; "x" −6 + 1.5 = −4.5. Deleting wins.
    const u = penalties(1.5, 0);
    u.sentences[0]!.options.push({ start: 1, end: 2, tgt: [], scores: [-0.5] });
    u.sentences.push({ length: 0, options: [] });
    const [first, empty] = await decode(u);
    expect(first![0]).toEqual({ score: -4, features: [-1.5, -4, 1, 2, 0], tgt: [2], srcStart: [0], srcEnd: [1] });
    // Nothing to translate: </s> after <s>, unigram −2.
    expect(empty).toEqual([{ score: -2, features: [0, -2, 0, 0, 0], tgt: [], srcStart: [], srcEnd: [] }]);
  });
});
