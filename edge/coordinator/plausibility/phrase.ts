/**
 * @module Plausibility of a phrase-based decoding result (kernel `phrase`, layout 1, see
 * shared/kernels/phrase.codec.ts): the output size the unit fixes; per sentence a candidate
 * count within 1..min(K, B) and the sentence's width W; per candidate finite numbers, scores
 * sorted highest first, a word count within W and equal to its words feature, every run of
 * words with one span one of that span's options (spans inside the sentence, never
 * overlapping), as many phrases as runs plus deleted spans (only when the sentence can delete),
 * a distortion total that is a whole number within phrases·n, the translation features and the
 * LM log prob inside the range the chosen options and the LM's values allow, and the score
 * equal to dot(weights, features) up to rounding; unused candidates and words zero.
 *
 * What the decoder guarantees, from kernels/phrase/reference.ts: every source position has a
 * one-word option, so some complete translation always survives (at least one candidate); a
 * candidate's words are its phrases' target words in order, each with its phrase's span, and a
 * deleted phrase (no target words) leaves only its feature values. score and features are
 * computed in different orders, so they agree to rounding only (Higham, "Accuracy and
 * Stability of Numerical Algorithms", §4.2: a sum of k terms errs by at most (k − 1)·u·Σ|terms|).
 */
import { PHRASE_HEADER_BYTES, PHRASE_LAYOUT, phraseCandidateBytes } from '../../../shared/kernels/phrase.codec.ts';
import * as C from '../../../shared/kernels/phrase.codes.ts';
import { F64_UNIT_ROUNDOFF as U, PLAUSIBLE, UNCHECKED, fmt, implausible, viewOf, type Plausibility } from './answer.ts';

const HEADER = PHRASE_HEADER_BYTES;
/** Roundings per phrase besides its 2F for the translation features (distortion, static score, the sums), and per LM term besides its N backoff additions. */
const OPS_PER_PHRASE = 8;
const OPS_PER_WORD = 4;

/** The unit's header numbers and section offsets, or null when the kernel would refuse the header or the sizes. */
function parse(input: Uint8Array) {
  if (input.byteLength < HEADER) return null;
  const view = viewOf(input);
  const u32 = (at: number) => view.getUint32(at, true);
  const f64 = (at: number) => view.getFloat64(at, true);
  const [layout, S, F, N, L, B, D, K, O, T] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => u32(4 * i)) as [number, number, number, number, number, number, number, number, number, number];
  const fail = { layout, ok: false as const };
  if (layout !== PHRASE_LAYOUT || F < 1 || F > C.PHRASE_FEATURES_MAX || N < 1 || N > C.PHRASE_LM_ORDER_MAX || B < 1 || B > C.PHRASE_BEAM_MAX) return fail;
  if (D > C.PHRASE_DISTORTION_MAX || K < 1 || K > C.PHRASE_NBEST_MAX || u32(40) !== 0 || u32(44) !== 0) return fail;
  if (HEADER + 8 * F + 8 * O * F + 16 * L + 8 * S + 4 * O + 4 * T + 4 * L * N !== input.byteLength) return fail;
  const weights = [...Array.from({ length: F }, (_, k) => f64(HEADER + 8 * k)), f64(56), f64(64), f64(72), f64(80)];
  const unk = f64(48);
  if (![...weights, unk].every(Number.isFinite)) return fail;
  const scoresAt = HEADER + 8 * F;
  const logpAt = scoresAt + 8 * O * F;
  const lensAt = logpAt + 16 * L;
  const countsAt = lensAt + 4 * S;
  const headsAt = countsAt + 4 * S;
  const tgtAt = headsAt + 4 * O;
  // One LM term is an entry's log p, or the unknown word's, plus up to N − 1 backoff weights.
  let [lpMin, lpMax, bowMin, bowMax] = [unk, unk, 0, 0];
  for (let k = 0; k < L; k++) {
    const lp = f64(logpAt + 8 * k);
    const bow = f64(logpAt + 8 * (L + k));
    if (!Number.isFinite(lp) || !Number.isFinite(bow)) return fail;
    [lpMin, lpMax, bowMin, bowMax] = [Math.min(lpMin, lp), Math.max(lpMax, lp), Math.min(bowMin, bow), Math.max(bowMax, bow)];
  }
  const lmTerm = { lo: lpMin + (N - 1) * bowMin, hi: lpMax + (N - 1) * bowMax };
  return { view, layout, ok: true as const, S, F, N, B, K, weights, scoresAt, lensAt, countsAt, headsAt, tgtAt, lmTerm };
}

type Unit = Exclude<ReturnType<typeof parse>, null | { ok: false }>;

/** A sentence's options, checked as the kernel checks them: spans, order, one-word options; null when the kernel would refuse them. */
function sentenceOptions(u: Unit, n: number, first: number, count: number, tgtFrom: number) {
  const { view } = u;
  const start: number[] = [];
  const end: number[] = [];
  const tgtAt: number[] = [];
  const len: number[] = [];
  const single = new Uint8Array(n);
  let words = tgtFrom;
  for (let q = 0; q < count; q++) {
    const head = view.getUint32(u.headsAt + 4 * (first + q), true);
    const [s, e, l] = [head & 0xff, (head >>> 8) & 0xff, (head >>> 16) & 0xff];
    if (head >>> 24 !== 0 || s >= e || e > n || e - s > C.PHRASE_SOURCE_LEN_MAX || l > C.PHRASE_TARGET_LEN_MAX) return null;
    if (q > 0 && (s < start[q - 1]! || (s === start[q - 1] && e < end[q - 1]!))) return null;
    start.push(s);
    end.push(e);
    len.push(l);
    tgtAt.push(words);
    words += l;
    if (e === s + 1) single[s] = 1;
  }
  if (single.includes(0)) return null;
  // The width: the longest path through the options (the codec's phraseSentenceWidth).
  const best = new Array<number>(n + 1).fill(-1);
  best[0] = 0;
  for (let q = 0; q < count; q++) if (best[start[q]!]! >= 0 && best[start[q]!]! + len[q]! > best[end[q]!]!) best[end[q]!] = best[start[q]!]! + len[q]!;
  return { start, end, len, tgtAt, width: best[n]!, words };
}

/**
 * Checks a phrase decoding unit's output against its input.
 * @example
 * checkPhrase(unit.input, phraseReference(unit.input)); // { status: 'plausible' }
 */
export function checkPhrase(input: Uint8Array, output: Uint8Array): Plausibility {
  const u = parse(input);
  if (u && u.layout !== PHRASE_LAYOUT) return UNCHECKED;
  if (!u || !u.ok) return implausible('the unit input is not one the phrase kernel runs, so no output can exist');
  const { view, S, F, K } = u;
  const sentences: NonNullable<ReturnType<typeof sentenceOptions>>[] = [];
  let want = 0;
  for (let i = 0, first = 0, tgt = 0; i < S; i++) {
    const n = view.getUint32(u.lensAt + 4 * i, true);
    const count = view.getUint32(u.countsAt + 4 * i, true);
    const opts = n <= C.PHRASE_SENTENCE_TOKENS_MAX && first + count <= (u.tgtAt - u.headsAt) / 4 ? sentenceOptions(u, n, first, count, tgt) : null;
    if (!opts) return implausible('the unit input is not one the phrase kernel runs, so no output can exist');
    sentences.push(opts);
    want += 8 + K * phraseCandidateBytes(F, opts.width);
    first += count;
    tgt = opts.words;
  }
  if (output.byteLength !== want) return implausible(`the output has ${output.byteLength} bytes; this unit's has ${want}`);
  const out = viewOf(output);
  for (let i = 0, at = 0, first = 0; i < S; i++) {
    const reason = checkSentence(u, out, at, i, sentences[i]!, first);
    if (reason) return implausible(`sentence ${i} ${reason}`);
    at += 8 + K * phraseCandidateBytes(F, sentences[i]!.width);
    first += sentences[i]!.start.length;
  }
  return PLAUSIBLE;
}

/** The first problem of sentence i's n-best list at `at`, or null. */
function checkSentence(u: Unit, out: DataView, at: number, i: number, o: NonNullable<ReturnType<typeof sentenceOptions>>, first: number): string | null {
  const { F, K, B } = u;
  const n = u.view.getUint32(u.lensAt + 4 * i, true);
  const c = out.getUint32(at, true);
  const slot = phraseCandidateBytes(F, o.width);
  if (c < 1 || c > Math.min(K, B)) return `has ${c} candidates; its n-best size and beam allow 1..${Math.min(K, B)}`;
  if (out.getUint32(at + 4, true) !== o.width) return `says its translations have at most ${out.getUint32(at + 4, true)} words; its options allow ${o.width}`;
  for (let b = at + 8 + c * slot; b < at + 8 + K * slot; b += 4) if (out.getUint32(b, true) !== 0) return `candidate slot ${Math.floor((b - at - 8) / slot)} is past its ${c} candidates but not zero`;
  let previous = Infinity;
  for (let k = 0; k < c; k++) {
    const reason = checkCandidate(u, out, at + 8 + k * slot, n, o, first);
    if (reason) return `candidate ${k} ${reason}`;
    const score = out.getFloat64(at + 8 + k * slot, true);
    if (score > previous) return `candidate ${k} scores ${fmt(score)}, above candidate ${k - 1} (${fmt(previous)}): the list is not sorted`;
    previous = score;
  }
  return null;
}

/** The first problem of one candidate at `p`, or null. */
function checkCandidate(u: Unit, out: DataView, p: number, n: number, o: NonNullable<ReturnType<typeof sentenceOptions>>, first: number): string | null {
  const { F, N, weights } = u;
  const score = out.getFloat64(p, true);
  const f = Array.from({ length: F + C.PHRASE_EXTRA_FEATURES }, (_, k) => out.getFloat64(p + 8 + 8 * k, true));
  if (!Number.isFinite(score) || !f.every(Number.isFinite)) return `has a score or feature that is not finite`;
  const wordsAt = p + 8 + 8 * f.length;
  const m = out.getUint32(wordsAt, true);
  if (m > o.width || out.getUint32(wordsAt + 4, true) !== 0) return `has ${m} target words (or a non-zero pad); the sentence allows ${o.width}`;
  const [lm, words, phrases, dist] = [f[F]!, f[F + 1]!, f[F + 2]!, f[F + 3]!];
  if (words !== m) return `has ${m} target words but a words feature of ${fmt(words)}`;
  for (let b = wordsAt + 8 + 8 * m; b < wordsAt + 8 + 8 * o.width; b += 4) if (out.getUint32(b, true) !== 0) return `has a non-zero word slot past its ${m} words`;
  // Runs of words with one span: each one option of that span with exactly those words.
  const covered = new Uint8Array(n);
  const tmLo = new Array<number>(F).fill(0);
  const tmHi = new Array<number>(F).fill(0);
  const tmAbs = new Array<number>(F).fill(0);
  let runs = 0;
  for (let k = 0; k < m; ) {
    const w = wordsAt + 8 + 8 * k;
    const [s, e] = [out.getUint16(w + 4, true), out.getUint16(w + 6, true)];
    let r = 1;
    while (k + r < m && out.getUint16(w + 8 * r + 4, true) === s && out.getUint16(w + 8 * r + 6, true) === e) r++;
    if (s >= e || e > n) return `word ${k} has the span [${s}, ${e}), outside the sentence's ${n} words`;
    for (let x = s; x < e; x++) {
      if (covered[x]) return `translates source position ${x} twice (again at word ${k})`;
      covered[x] = 1;
    }
    const match = (q: number) => o.start[q] === s && o.end[q] === e && o.len[q] === r && Array.from({ length: r }, (_, j) => u.view.getUint32(u.tgtAt + 4 * (o.tgtAt[q]! + j), true) === out.getUint32(w + 8 * j, true)).every(Boolean);
    if (!addRange(u, o, first, match, 1, tmLo, tmHi, tmAbs)) return `words ${k}..${k + r - 1} are no option of the span [${s}, ${e})`;
    runs++;
    k += r;
  }
  const deleted = phrases - runs;
  if (!Number.isInteger(phrases) || deleted < 0 || phrases > n) return `has ${fmt(phrases)} phrases for ${runs} runs of words in a sentence of ${n} words`;
  if (deleted > 0 && !addRange(u, o, first, (q) => o.len[q] === 0, deleted, tmLo, tmHi, tmAbs)) return `deletes ${deleted} spans, but the sentence has no option without target words`;
  if (!Number.isInteger(dist) || dist < 0 || dist > phrases * n) return `has a distortion of ${fmt(dist)}; ${fmt(phrases)} phrases in ${n} words allow 0..${phrases * n}`;
  for (let k = 0; k < F; k++) {
    const tol = 2 * (phrases + 1) * U * tmAbs[k]!;
    if (!(f[k]! >= tmLo[k]! - tol && f[k]! <= tmHi[k]! + tol)) return `has translation feature ${k} = ${fmt(f[k]!)}, outside ${fmt(tmLo[k]!)}..${fmt(tmHi[k]!)} that its phrases allow`;
  }
  const lmAbs = (m + 1) * Math.max(Math.abs(u.lmTerm.lo), Math.abs(u.lmTerm.hi));
  const lmTol = 2 * (m + 1) * (N + 2) * U * lmAbs;
  if (!(lm >= (m + 1) * u.lmTerm.lo - lmTol && lm <= (m + 1) * u.lmTerm.hi + lmTol)) return `has an LM log prob of ${fmt(lm)} for ${m} words, outside what the LM's values allow`;
  // The score is the same sum as dot(weights, features), in another order.
  let dot = 0;
  let scale = Math.abs(score);
  for (let k = 0; k < f.length; k++) {
    dot += weights[k]! * f[k]!;
    scale += Math.abs(weights[k]!) * (k < F ? tmAbs[k]! : k === F ? lmAbs : Math.abs(f[k]!));
  }
  const tol = 2 * (phrases * (2 * F + OPS_PER_PHRASE) + (m + 1) * (N + OPS_PER_WORD) + 2 * f.length) * U * scale;
  if (!(Math.abs(score - dot) <= tol)) return `scores ${fmt(score)}, but its weights and features give ${fmt(dot)}`;
  return null;
}

/**
 * Adds `times` × the range of each translation feature over the sentence's options that `match`
 * (lowest, highest, largest magnitude) to the sums; false when no option matches.
 */
function addRange(u: Unit, o: { start: number[] }, first: number, match: (q: number) => boolean, times: number, lo: number[], hi: number[], abs: number[]): boolean {
  const { F } = u;
  let found = false;
  const [mn, mx] = [new Array<number>(F).fill(Infinity), new Array<number>(F).fill(-Infinity)];
  for (let q = 0; q < o.start.length; q++) {
    if (!match(q)) continue;
    found = true;
    for (let k = 0; k < F; k++) {
      const v = u.view.getFloat64(u.scoresAt + 8 * ((first + q) * F + k), true);
      mn[k] = Math.min(mn[k]!, v);
      mx[k] = Math.max(mx[k]!, v);
    }
  }
  if (!found) return false;
  for (let k = 0; k < F; k++) {
    lo[k] = lo[k]! + times * mn[k]!;
    hi[k] = hi[k]! + times * mx[k]!;
    abs[k] = abs[k]! + times * Math.max(Math.abs(mn[k]!), Math.abs(mx[k]!));
  }
  return true;
}
