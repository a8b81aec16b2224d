/**
 * @module Decoding units of the phrase-based decoder (kernel `phrase`) from a phrase model:
 * the translation options of every source span a batch of sentences holds (the model's
 * phrase pairs, and a pass-through for a word without a one-word phrase), the LM entries
 * those options can reach, and the weights; and the units' outputs read back as n-best
 * lists. Used by tuning (the dev set, n-best) and by translation (documents, 1-best).
 *
 * Target ids are the model's; the word a source word passes through as gets the id one past
 * the vocabulary (`unknownId`), which the LM scores as unknown and integration replaces by
 * the source word as written.
 */
import { PHRASE_HEADER_BYTES, encodePhraseInput, phraseCandidateBytes, phraseOutputBytes, type PhraseCandidate, type PhraseOption, type PhraseUnitInput } from '../kernels/phrase.codec.ts';
import { PHRASE_EXTRA_FEATURES, PHRASE_SENTENCE_TOKENS_MAX } from '../kernels/phrase.codes.ts';
import { UNIT_INPUT_BYTES_MAX, UNIT_OUTPUT_BYTES_MAX } from '../limits.ts';
import { PHRASE_TM_FEATURES, type PhraseModel } from './phrase-model.ts';

/** A unit's fixed bytes: the header and the translation weights. */
const UNIT_HEADER_BYTES = PHRASE_HEADER_BYTES + 8 * PHRASE_TM_FEATURES;
/** Sentences a decoding unit holds at most (fewer when its bytes would pass the unit bounds). */
export const PHRASE_SENTENCES_PER_UNIT = 16;
/** Stack size (histogram pruning), as Moses' default is 200 and 100 is close in BLEU at half the time. */
export const PHRASE_BEAM = 100;
/** Distortion limit (Moses' default 6). */
export const PHRASE_DISTORTION_LIMIT = 6;
/** Sentence-words × beam per point of a unit's price. */
const WORD_BEAMS_PER_POINT = 2_000;

/** A model made ready to decode with: its phrases by source phrase, its LM entries by last word. */
export interface PhraseIndex {
  model: PhraseModel;
  srcIds: Map<string, number>;
  /** Options of each source phrase (ids joined by ','): target ids and the translation features. */
  table: Map<string, { tgt: number[]; scores: number[] }[]>;
  lm: { ids: number[]; logp: number; bow: number }[];
  /**
   * The LM as a prefix tree: the unigram entries by word, and each entry's extensions by one
   * word (a Kneser–Ney model holds every prefix of its n-grams). `orphans`: entries whose
   * prefix is not an entry (none in a KN model), checked word by word.
   */
  unigrams: Map<number, number>;
  children: Map<number, number[]>;
  orphans: number[];
  /** The target id of a word passed through unchanged. */
  unknownId: number;
}

const indexes = new WeakMap<PhraseModel, PhraseIndex>();

/** The decoding index of a model (kept per model object). */
export function indexModel(model: PhraseModel): PhraseIndex {
  const hit = indexes.get(model);
  if (hit) return hit;
  const table = new Map<string, { tgt: number[]; scores: number[] }[]>();
  const ph = model.phrases;
  for (let at = 0, k = 0; k < model.phraseCount; k++) {
    const n = ph[at]!;
    const m = ph[at + n + 1]!;
    const key = ph.slice(at + 1, at + n + 1).join(',');
    const list = table.get(key) ?? [];
    list.push({ tgt: ph.slice(at + n + 2, at + n + 2 + m), scores: ph.slice(at + n + 2 + m, at + n + 2 + m + PHRASE_TM_FEATURES) });
    table.set(key, list);
    at += n + m + 2 + PHRASE_TM_FEATURES;
  }
  const lm: { ids: number[]; logp: number; bow: number }[] = [];
  const le = model.lm.entries;
  for (let at = 0, k = 0; k < model.lm.entryCount; k++) {
    const n = le[at]!;
    lm.push({ ids: le.slice(at + 1, at + 1 + n), logp: le[at + 1 + n]!, bow: le[at + 2 + n]! });
    at += n + 3;
  }
  const byKey = new Map<string, number>();
  lm.forEach((e, k) => byKey.set(e.ids.join(','), k));
  const unigrams = new Map<number, number>();
  const children = new Map<number, number[]>();
  const orphans: number[] = [];
  lm.forEach((e, k) => {
    if (e.ids.length === 1) return void unigrams.set(e.ids[0]!, k);
    const parent = byKey.get(e.ids.slice(0, -1).join(','));
    if (parent === undefined) return void orphans.push(k);
    const list = children.get(parent);
    if (list) list.push(k);
    else children.set(parent, [k]);
  });
  const ix: PhraseIndex = { model, srcIds: new Map(model.srcVocab.map((w, i) => [w, i])), table, lm, unigrams, children, orphans, unknownId: model.tgtVocab.length };
  indexes.set(model, ix);
  return ix;
}

/** Source ids of lower-cased tokens (−1 for a word the model does not know). */
export function sourceIds(ix: PhraseIndex, tokens: string[]): number[] {
  return tokens.map((t) => {
    const id = ix.srcIds.get(t);
    return id === undefined || id === 0 ? -1 : id;
  });
}

/** The options of one sentence: every span's phrase pairs, and a pass-through for a word with no one-word phrase. */
function sentenceOptions(ix: PhraseIndex, ids: number[]): PhraseOption[] {
  const options: PhraseOption[] = [];
  const maxLen = ix.model.maxPhraseLength;
  for (let s = 0; s < ids.length; s++) {
    let single = false;
    for (let e = s + 1; e <= Math.min(ids.length, s + maxLen); e++) {
      if (ids[e - 1]! < 0) break;
      const list = ix.table.get(ids.slice(s, e).join(','));
      if (!list) continue;
      if (e === s + 1) single = true;
      for (const o of list) options.push({ start: s, end: e, tgt: o.tgt, scores: o.scores });
    }
    if (!single) options.push({ start: s, end: s + 1, tgt: [ix.unknownId], scores: new Array<number>(PHRASE_TM_FEATURES).fill(0) });
  }
  // The kernel takes options by span.
  return options.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Decoder sentences of a source sentence: pieces the kernel's coverage holds. */
export function sentencePieces(ids: number[]): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < Math.max(1, ids.length); k += PHRASE_SENTENCE_TOKENS_MAX) out.push(ids.slice(k, k + PHRASE_SENTENCE_TOKENS_MAX));
  return out;
}

/** What decoding settings a batch is encoded with. */
export interface DecodeSettings {
  weights: number[];
  nbest: number;
  beam?: number;
  distortionLimit?: number;
}

/**
 * The LM entries whose words are all in `reach`, ascending: a walk down the prefix tree from
 * the reachable unigrams, extending only by reachable words, so its work is the entries
 * kept and their children, not the whole model.
 */
function reachableEntries(ix: PhraseIndex, reach: Set<number>): number[] {
  const keep: number[] = [];
  const stack: number[] = [];
  for (const w of reach) {
    const k = ix.unigrams.get(w);
    if (k !== undefined) stack.push(k);
  }
  // Bounded: each entry is pushed at most once (the tree has one parent per entry).
  while (stack.length > 0) {
    const k = stack.pop()!;
    keep.push(k);
    for (const c of ix.children.get(k) ?? []) {
      const ids = ix.lm[c]!.ids;
      if (reach.has(ids[ids.length - 1]!)) stack.push(c);
    }
  }
  for (const k of ix.orphans) if (ix.lm[k]!.ids.every((x) => reach.has(x))) keep.push(k);
  return keep.sort((a, b) => a - b);
}

/** One decoder sentence made ready to pack: its options, the LM entries they reach, and its share of a unit's bytes. */
interface PreparedSentence {
  ids: number[];
  options: PhraseOption[];
  reach: Set<number>;
  /** Input bytes it adds to a unit at most (its LM entries counted as if no other sentence shared them), of which LM entries. */
  inputBytes: number;
  lmBytes: number;
  outputBytes: number;
}

function prepareSentence(ix: PhraseIndex, ids: number[], nbest: number): PreparedSentence {
  const options = sentenceOptions(ix, ids);
  const reach = new Set<number>([0, 1]);
  for (const o of options) for (const w of o.tgt) reach.add(w);
  const entries = reachableEntries(ix, reach).length;
  const T = options.reduce((a, o) => a + o.tgt.length, 0);
  const N = ix.model.lm.order;
  const lmBytes = entries * (16 + 4 * N);
  const inputBytes = 8 + options.length * (8 * PHRASE_TM_FEATURES + 4) + 4 * T + lmBytes;
  const outputBytes = phraseOutputBytes({ sentences: [{ length: ids.length, options }], features: PHRASE_TM_FEATURES, nbest });
  return { ids, options, reach, inputBytes, lmBytes, outputBytes };
}

/**
 * The unit input of prepared sentences. LM entries past what UNIT_INPUT_BYTES_MAX leaves
 * (only ever for one sentence alone whose options reach that much) are pruned as a smaller
 * LM would be: the lower orders first, then the likeliest, the backoff covering the rest.
 */
function unitInput(ix: PhraseIndex, batch: PreparedSentence[], s: DecodeSettings): PhraseUnitInput {
  const reach = new Set<number>();
  for (const p of batch) for (const w of p.reach) reach.add(w);
  let keep = reachableEntries(ix, reach);
  const fixed = UNIT_HEADER_BYTES + batch.reduce((a, p) => a + p.inputBytes - p.lmBytes, 0);
  const room = Math.floor((UNIT_INPUT_BYTES_MAX - fixed) / (16 + 4 * ix.model.lm.order));
  if (keep.length > room) {
    keep = keep
      .slice()
      .sort((x, y) => ix.lm[x]!.ids.length - ix.lm[y]!.ids.length || ix.lm[y]!.logp - ix.lm[x]!.logp || x - y)
      .slice(0, Math.max(0, room))
      .sort((x, y) => x - y);
  }
  const w = s.weights;
  return {
    sentences: batch.map((p) => ({ length: p.ids.length, options: p.options })),
    features: PHRASE_TM_FEATURES,
    lmOrder: ix.model.lm.order,
    lm: keep.map((k) => ix.lm[k]!),
    unkLogProb: ix.model.lm.unkLogProb,
    weights: { tm: w.slice(0, PHRASE_TM_FEATURES), lm: w[PHRASE_TM_FEATURES]!, word: w[PHRASE_TM_FEATURES + 1]!, phrase: w[PHRASE_TM_FEATURES + 2]!, distortion: w[PHRASE_TM_FEATURES + 3]! },
    beam: s.beam ?? PHRASE_BEAM,
    distortionLimit: s.distortionLimit ?? PHRASE_DISTORTION_LIMIT,
    nbest: s.nbest,
  };
}

/** The unit input of a batch of decoder sentences (ids, −1 unknown). */
export function phraseUnitInput(ix: PhraseIndex, batch: number[][], s: DecodeSettings): PhraseUnitInput {
  return unitInput(ix, batch.map((ids) => prepareSentence(ix, ids, s.nbest)), s);
}

/** Points a unit of these decoder sentences costs: its sentence-words × beam. */
export function phraseCostPoints(batch: number[][], beam = PHRASE_BEAM): number {
  const words = batch.reduce((a, x) => a + x.length, 0);
  return Math.max(1, Math.ceil((words * beam) / WORD_BEAMS_PER_POINT));
}

/** One decoding unit: its bytes, bounds and price, and the decoder sentences it holds. */
export interface PhraseUnit {
  input: Uint8Array;
  outputBytes: number;
  costPoints: number;
  members: number;
  sentences: number[][];
}

/**
 * Packs decoder sentences, in order, into units of at most PHRASE_SENTENCES_PER_UNIT whose
 * bytes stay under UNIT_INPUT_BYTES_MAX and UNIT_OUTPUT_BYTES_MAX, counting each sentence's
 * LM entries as its own (an upper bound: sentences share many), so every unit is encoded
 * once. A sentence too large alone makes a unit alone, its LM pruned to fit.
 */
export function phraseUnits(ix: PhraseIndex, sentences: number[][], s: DecodeSettings): PhraseUnit[] {
  const units: PhraseUnit[] = [];
  const flush = (batch: PreparedSentence[]) => {
    if (batch.length === 0) return;
    const u = unitInput(ix, batch, s);
    const ids = batch.map((p) => p.ids);
    units.push({ input: encodePhraseInput(u), outputBytes: phraseOutputBytes(u), costPoints: phraseCostPoints(ids, u.beam), members: batch.length, sentences: ids });
  };
  let batch: PreparedSentence[] = [];
  let inBytes = UNIT_HEADER_BYTES;
  let outBytes = 0;
  for (const ids of sentences) {
    const p = prepareSentence(ix, ids, s.nbest);
    if (batch.length > 0 && (batch.length >= PHRASE_SENTENCES_PER_UNIT || inBytes + p.inputBytes > UNIT_INPUT_BYTES_MAX || outBytes + p.outputBytes > UNIT_OUTPUT_BYTES_MAX)) {
      flush(batch);
      batch = [];
      inBytes = UNIT_HEADER_BYTES;
      outBytes = 0;
    }
    batch.push(p);
    inBytes += p.inputBytes;
    outBytes += p.outputBytes;
  }
  flush(batch);
  return units;
}

/**
 * The n-best lists of a unit's output (`sentences` decoder sentences, `nbest` slots each),
 * read with the width each sentence's header gives, so no unit input is needed.
 */
export function readPhraseUnit(output: Uint8Array, sentences: number, nbest: number): PhraseCandidate[][] {
  const v = new DataView(output.buffer, output.byteOffset, output.byteLength);
  const C = PHRASE_TM_FEATURES + PHRASE_EXTRA_FEATURES;
  const lists: PhraseCandidate[][] = [];
  let at = 0;
  for (let s = 0; s < sentences; s++) {
    const count = v.getUint32(at, true);
    const width = v.getUint32(at + 4, true);
    const slot = phraseCandidateBytes(PHRASE_TM_FEATURES, width);
    const list: PhraseCandidate[] = [];
    for (let k = 0; k < count && k < nbest; k++) {
      const base = at + 8 + k * slot;
      const features = Array.from({ length: C }, (_, i) => v.getFloat64(base + 8 + 8 * i, true));
      const m = v.getUint32(base + 8 + 8 * C, true);
      const c: PhraseCandidate = { score: v.getFloat64(base, true), features, tgt: [], srcStart: [], srcEnd: [] };
      for (let w = 0; w < m && w < width; w++) {
        const wAt = base + 16 + 8 * C + 8 * w;
        c.tgt.push(v.getUint32(wAt, true));
        c.srcStart.push(v.getUint16(wAt + 4, true));
        c.srcEnd.push(v.getUint16(wAt + 6, true));
      }
      list.push(c);
    }
    lists.push(list);
    at += 8 + nbest * slot;
  }
  return lists;
}
