/**
 * @module The translation job kind (`translate`): a customer's document translated with a
 * model the customer trained (an `ibm1-train` job). The edge resolves the model when the job
 * is created (edge/jobs/translate-model.ts), cuts the document into segments
 * (../translation/document.ts), tokenises them, and keeps what integration needs in the
 * job's parameters (`plan`); units are batches of sentences with the translation options and
 * language-model entries they can reach (../kernels/decode.codec.ts). Outputs are integrated
 * in translate-result.ts.
 */
import { z } from 'zod';
import { controlCharAt } from '../text.ts';
import { DECODE_SENTENCE_TOKENS_MAX } from '../kernels/decode.codes.ts';
import { DECODE_LM_ENTRY_BYTES, decodeOutputBytes, encodeDecodeInput, type DecodeOption } from '../kernels/decode.codec.ts';
import {
  TRANSLATE_BEAM,
  TRANSLATE_DISTORTION_LIMIT,
  TRANSLATE_DOCUMENT_BYTES_MAX,
  TRANSLATE_OPTIONS_PER_WORD,
  TRANSLATE_SENTENCES_PER_UNIT,
  TRANSLATE_WORD_BEAMS_PER_POINT,
  UNIT_INPUT_BYTES_MAX,
} from '../limits.ts';
import { splitDocument, type DocumentPart } from '../translation/document.ts';
import { backoffLm } from '../translation/lm.ts';
import type { TranslationModel } from '../translation/model.ts';
import { tokenize } from '../translation/tokenize.ts';
import type { SplitUnit } from './split.ts';

/** Kernel that runs this job kind, and the version its units are encoded for. */
export const TRANSLATE_KERNEL = { id: 'decode', version: 1 } as const;

/** Unit-local target ids: the kernel's `<s>` and `</s>`, then the word an unknown source word passes through as. */
export const TGT_UNK_LOCAL = 2;

/** Decoder weights (log-linear: log t + λ·log LM + word penalty − distortion), fixed per job kind version. */
export const TRANSLATE_WEIGHTS = {
  lmWeight: 0.5,
  wordPenalty: 0,
  distortionWeight: 0.3,
  /**
   * Translating a source word into nothing has the probability its best option leaves
   * (1 − its mass), at least this: IBM Model 1 has no fertility, so a particle with no
   * counterpart shows only as a row that no target word explains well.
   */
  deletePMin: 1e-3,
  /** A row's two best targets both at least this likely make a two-word option (one-to-many words). */
  pairPMin: 0.2,
  /** Single-word options below this probability (after the first) are not offered. */
  optionPMin: 0.01,
} as const;

const utf8 = new TextEncoder();
/** A UTF-16 surrogate without its partner: text that no UTF-8 byte sequence decodes to. */
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A document must be text: no lone surrogates, and no U+FFFD (what a non-UTF-8 upload decodes to). */
export const DocumentSchema = z.string().superRefine((doc, ctx) => {
  if (doc.trim() === '') ctx.addIssue({ code: 'custom', message: 'the document is empty' });
  else if (LONE_SURROGATE_RE.test(doc) || doc.includes('\uFFFD')) {
    ctx.addIssue({ code: 'custom', message: 'the document is not valid UTF-8 text (it holds a lone surrogate or U+FFFD, the mark of undecodable bytes)' });
  } else if (controlCharAt(doc) >= 0) {
    ctx.addIssue({ code: 'custom', message: 'the document holds a control character (such as U+0000): only tabs and line breaks may appear' });
  } else if (utf8.encode(doc).byteLength > TRANSLATE_DOCUMENT_BYTES_MAX) {
    ctx.addIssue({ code: 'custom', message: `the document is over ${TRANSLATE_DOCUMENT_BYTES_MAX} bytes of UTF-8 (TRANSLATE_DOCUMENT_BYTES_MAX)` });
  }
});

/** What a customer sends: the training job whose model to use, the document and its format. */
export const TranslateParamsSchema = z.strictObject({
  model: z.string().min(1).max(64),
  document: DocumentSchema,
  format: z.enum(['text', 'markdown']).default('markdown'),
});
export type TranslateParams = z.output<typeof TranslateParamsSchema>;

/** What the edge keeps beside the request once the model is resolved: enough to integrate without the model. */
export const TranslatePlanSchema = z.strictObject({
  srcLang: z.string(),
  tgtLang: z.string(),
  parts: z.array(z.union([z.strictObject({ raw: z.string() }), z.strictObject({ seg: z.int().min(0) })])),
  /** Per segment, its source tokens as written (case kept, for unknown words and the side-by-side view). */
  segments: z.array(z.array(z.string())),
  /** Job-local target ids → words; 0, 1, 2 are `<s>`, `</s>`, `<unk>`. */
  tgtWords: z.array(z.string()),
});
export type TranslatePlan = z.output<typeof TranslatePlanSchema>;

/** The parameters a translate job stores: the request and its plan. */
export const TranslateStoredSchema = TranslateParamsSchema.extend({ plan: TranslatePlanSchema });
export type TranslateStored = z.output<typeof TranslateStoredSchema>;

/**
 * The tokens of `text` with their original spelling: `tokenize` lower-cases, so each token is
 * matched back to the characters of the (NFC) text it came from.
 */
export function casedTokens(text: string, lang: string): string[] {
  const tokens = tokenize(text, lang);
  const chars = Array.from(text.normalize('NFC'));
  const out: string[] = [];
  let at = 0;
  for (const t of tokens) {
    while (at < chars.length && /\s/u.test(chars[at]!)) at++;
    let piece = '';
    // Bounded: a token never spans more characters than remain.
    while (at < chars.length && piece.toLowerCase().length < t.length) piece += chars[at++]!;
    out.push(piece.toLowerCase() === t ? piece : t);
  }
  return out;
}

/** Decoder sentences of a segment: its tokens cut into pieces the kernel's coverage mask holds. */
export function segmentChunks(tokens: number): number {
  return Math.max(1, Math.ceil(tokens / DECODE_SENTENCE_TOKENS_MAX));
}

/** The plan of a document for a model: segments, their cased tokens and the job-local target words. */
export function planTranslation(p: TranslateParams, model: TranslationModel): TranslatePlan {
  const { parts, segments } = splitDocument(p.document, p.format, model.srcLang);
  const cased = segments.map((s) => casedTokens(s, model.srcLang));
  const srcIds = new Map(model.srcVocab.map((w, i) => [w, i]));
  const targets = new Set<number>();
  for (const toks of cased) {
    for (const t of toks) {
      const id = srcIds.get(t.toLowerCase());
      if (id === undefined || id === 0) continue;
      for (const o of wordOptions(model, id)) for (const w of o) targets.add(w);
    }
  }
  const tgtWords = ['<s>', '</s>', '<unk>', ...[...targets].sort((a, b) => a - b).map((id) => model.tgtVocab[id]!)];
  return { srcLang: model.srcLang, tgtLang: model.tgtLang, parts: parts as DocumentPart[], segments: cased, tgtWords };
}

/** The target-id lists offered for source word `id` (global ids), in a fixed order. */
function wordOptions(model: TranslationModel, id: number): number[][] {
  return optionsOf(model, id).map((o) => o.tgt);
}

/** Options of source word `id` with global target ids: top single words, a two-word pair, and deletion. */
function optionsOf(model: TranslationModel, id: number): DecodeOption[] {
  const row = model.table[id];
  const out: DecodeOption[] = [];
  if (!row) return out;
  const W = TRANSLATE_WEIGHTS;
  for (let i = 0; i < row.tgt.length && out.length < TRANSLATE_OPTIONS_PER_WORD; i++) {
    const w = row.tgt[i]!;
    if (w <= 1 || (i > 0 && row.p[i]! < W.optionPMin)) continue;
    out.push({ tgt: [w], score: Math.log(row.p[i]!) });
  }
  const [a, b] = [row.tgt[0], row.tgt[1]];
  const pair = a !== undefined && b !== undefined && a > 1 && b > 1 && row.p[1]! >= W.pairPMin;
  if (pair) {
    // A one-to-many word splits its mass between its target words: the pair takes both.
    const score = Math.log(row.p[0]! + row.p[1]!);
    out.push({ tgt: [a, b], score }, { tgt: [b, a], score });
  }
  const best = (row.p[0] ?? 0) + (pair ? row.p[1]! : 0);
  out.push({ tgt: [], score: Math.log(Math.max(W.deletePMin, 1 - best)) });
  return out;
}

/** The units of a planned translation job: sentence batches with their options and LM entries. */
export function splitTranslation(stored: TranslateStored, model: TranslationModel): SplitUnit[] {
  const plan = stored.plan;
  const local = new Map<string, number>(plan.tgtWords.map((w, i) => [w, i] as [string, number]).slice(3));
  const tgtIds = new Map(model.tgtVocab.map((w, i) => [w, i]));
  const toLocal = (g: number) => (g <= 1 ? g : local.get(model.tgtVocab[g]!)!);
  const srcIds = new Map(model.srcVocab.map((w, i) => [w, i]));
  // Decoder sentences: global source ids (−1: unknown), segment by segment, chunk by chunk.
  const sentences: number[][] = [];
  for (const toks of plan.segments) {
    const ids = toks.map((t) => {
      const id = srcIds.get(t.toLowerCase());
      return id === undefined || id === 0 || !model.table[id]?.tgt.length ? -1 : id;
    });
    for (let c = 0; c < segmentChunks(ids.length); c++) sentences.push(ids.slice(c * DECODE_SENTENCE_TOKENS_MAX, (c + 1) * DECODE_SENTENCE_TOKENS_MAX));
  }
  const keepGlobal = new Set([...local.keys()].map((w) => tgtIds.get(w)!));
  const lm = backoffLm(model.lm, model.tgtVocab.length, keepGlobal);
  const localEntries = lm.entries.map((e) => ({ ...e, ids: e.ids.map(toLocal) }));
  const units: SplitUnit[] = [];
  for (let first = 0; first < sentences.length; first += TRANSLATE_SENTENCES_PER_UNIT) {
    const batch = sentences.slice(first, first + TRANSLATE_SENTENCES_PER_UNIT);
    // Unit-local source types in order of first appearance; type 0 is the unknown word.
    const types = new Map<number, number>([[-1, 0]]);
    const options: DecodeOption[][] = [[{ tgt: [TGT_UNK_LOCAL], score: 0 }]];
    const reach = new Set<number>([0, 1, TGT_UNK_LOCAL]);
    const localSentences = batch.map((s) =>
      s.map((id) => {
        let t = types.get(id);
        if (t === undefined) {
          t = options.length;
          types.set(id, t);
          const opts = optionsOf(model, id).map((o) => ({ tgt: o.tgt.map(toLocal), score: o.score }));
          for (const o of opts) for (const w of o.tgt) reach.add(w);
          options.push(opts);
        }
        return t;
      }),
    );
    const reachable = localEntries.filter((e) => e.ids.every((w) => reach.has(w)));
    const encode = (lmEntries: typeof reachable) =>
      encodeDecodeInput({
        sentences: localSentences,
        options,
        lm: lmEntries,
        beam: TRANSLATE_BEAM,
        distortionLimit: TRANSLATE_DISTORTION_LIMIT,
        lmWeight: TRANSLATE_WEIGHTS.lmWeight,
        wordPenalty: TRANSLATE_WEIGHTS.wordPenalty,
        distortionWeight: TRANSLATE_WEIGHTS.distortionWeight,
        unkLogProb: lm.unkLogProb,
      });
    let input = encode(reachable);
    if (input.byteLength > UNIT_INPUT_BYTES_MAX) {
      // A big model reaches more n-grams than a unit may carry: keep the lower orders and the
      // likeliest of the rest (pruning, as a smaller LM would; the backoff covers the others).
      const room = reachable.length - Math.ceil((input.byteLength - UNIT_INPUT_BYTES_MAX) / DECODE_LM_ENTRY_BYTES);
      const kept = reachable
        .map((e, k) => ({ e, k }))
        .sort((x, y) => x.e.ids.length - y.e.ids.length || y.e.logp - x.e.logp || x.k - y.k)
        .slice(0, Math.max(0, room))
        .sort((x, y) => x.k - y.k)
        .map((x) => x.e);
      input = encode(kept);
    }
    const words = batch.reduce((a, s) => a + s.length, 0);
    units.push({
      input,
      outputBytes: decodeOutputBytes(batch.map((s) => s.length)),
      costPoints: Math.max(1, Math.ceil((words * TRANSLATE_BEAM) / TRANSLATE_WORD_BEAMS_PER_POINT)),
      members: batch.length,
    });
  }
  return units;
}
