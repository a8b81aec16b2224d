/**
 * @module Translation with a phrase-based model (a `phrase-train` job's result): the plan of a
 * document (its segments, how they are cut into decoder sentences and units, the target
 * words the units can produce in their learnt case), the units for kernel `phrase` with the
 * model's tuned weights, and the outputs put back into the document: unknown words passed
 * through as written, truecased, the first word capitalised as the source's, detokenised.
 */
import { z } from 'zod';
import { splitDocument, assembleDocument, type DocumentPart } from '../translation/document.ts';
import type { PhraseModel } from '../translation/phrase-model.ts';
import { indexModel, phraseUnits, readPhraseUnit, sentencePieces, sourceIds, type DecodeSettings, type PhraseIndex } from '../translation/phrase-units.ts';
import { detokenize } from '../translation/tokenize.ts';
import { applyTruecase } from '../translation/truecase.ts';
import { PHRASE_SENTENCE_TOKENS_MAX } from '../kernels/phrase.codes.ts';
import type { SplitUnit } from './split.ts';
import type { TranslatedSegment, TranslateResult } from './translate-result.ts';
import { TranslateParamsSchema, TranslatePlanSchema, casedTokens, type TranslateParams } from './translate.ts';

/** The kernel that decodes with phrase models. */
export const PHRASE_KERNEL = { id: 'phrase', version: 1 } as const;

/** What the edge keeps of a document planned against a phrase model: enough to integrate without the model. */
export const PhrasePlanSchema = z.strictObject({
  kind: z.literal('phrase'),
  srcLang: z.string(),
  tgtLang: z.string(),
  parts: z.array(z.union([z.strictObject({ raw: z.string() }), z.strictObject({ seg: z.int().min(0) })])),
  /** Per segment, its source tokens as written. */
  segments: z.array(z.array(z.string())),
  /** Decoder sentences per unit, in order (segments cut into pieces of at most the kernel's length). */
  unitSentences: z.array(z.int().min(1)),
  /** The target ids the units can produce, ascending, and each one's word in its learnt case. */
  tgtIds: z.array(z.int().min(0)),
  tgtWords: z.array(z.string()),
  /** The id of a word passed through as written. */
  unknownId: z.int().min(0),
});
export type PhrasePlan = z.output<typeof PhrasePlanSchema>;

/** Whether a stored plan was made for a phrase model. */
export const isPhrasePlan = (plan: object): plan is PhrasePlan => 'kind' in plan && plan.kind === 'phrase';
/** Whether a loaded model is a phrase model (a word model has no `kind`). */
export const isPhraseModel = (model: object): model is PhraseModel => 'kind' in model && model.kind === 'phrase';

const settingsOf = (model: PhraseModel): DecodeSettings => ({ weights: model.weights, nbest: 1 });

/** Decoder sentences of the segments (source ids, −1 unknown), segment by segment, piece by piece. */
function decoderSentences(ix: PhraseIndex, segments: string[][]): number[][] {
  return segments.flatMap((toks) => sentencePieces(sourceIds(ix, toks.map((t) => t.toLowerCase()))));
}

/** The plan of a document for a phrase model. */
export function planPhraseTranslation(p: TranslateParams, model: PhraseModel): PhrasePlan {
  const ix = indexModel(model);
  const { parts, segments } = splitDocument(p.document, p.format, model.srcLang);
  const cased = segments.map((s) => casedTokens(s, model.srcLang));
  const units = phraseUnits(ix, decoderSentences(ix, cased), settingsOf(model));
  const reach = new Set<number>();
  for (const u of units) for (const s of u.sentences) for (const o of phraseOptionsTargets(ix, s)) reach.add(o);
  const tgtIds = [...reach].filter((id) => id !== ix.unknownId).sort((a, b) => a - b);
  const truecased = applyTruecase(model.truecase, tgtIds.map((id) => model.tgtVocab[id]!), { capitaliseFirst: false });
  return {
    kind: 'phrase',
    srcLang: model.srcLang,
    tgtLang: model.tgtLang,
    parts: parts as DocumentPart[],
    segments: cased,
    unitSentences: units.map((u) => u.sentences.length),
    tgtIds,
    tgtWords: truecased,
    unknownId: ix.unknownId,
  };
}

/** Target ids of every option of a decoder sentence. */
function phraseOptionsTargets(ix: PhraseIndex, ids: number[]): number[] {
  const out: number[] = [];
  for (let s = 0; s < ids.length; s++) {
    for (let e = s + 1; e <= Math.min(ids.length, s + ix.model.maxPhraseLength); e++) {
      if (ids[e - 1]! < 0) break;
      for (const o of ix.table.get(ids.slice(s, e).join(',')) ?? []) out.push(...o.tgt);
    }
  }
  return out;
}

/** The batches of decoder sentences the plan cut. */
function batches(ix: PhraseIndex, plan: PhrasePlan): number[][][] {
  const sentences = decoderSentences(ix, plan.segments);
  const out: number[][][] = [];
  let at = 0;
  for (const n of plan.unitSentences) {
    out.push(sentences.slice(at, at + n));
    at += n;
  }
  return out;
}

/** The units of a planned document: one per batch the plan cut, decoded 1-best with the model's weights. */
export function splitPhraseTranslation(plan: PhrasePlan, model: PhraseModel): SplitUnit[] {
  const ix = indexModel(model);
  return batches(ix, plan).flatMap((batch) =>
    phraseUnits(ix, batch, { ...settingsOf(model) }).map((u) => ({ input: u.input, outputBytes: u.outputBytes, costPoints: u.costPoints, members: u.members, kernel: PHRASE_KERNEL })),
  );
}

/** Upper-cases the first letter when the source segment starts with a capital, unless that word was passed through. */
function capitalised(text: string, seg: TranslatedSegment): string {
  const first = seg.src[0] ?? '';
  if (seg.unknown.some((k) => seg.align[k] === 0)) return text;
  return /^\p{Lu}/u.test(first) ? text.replace(/^(\P{L}*)(\p{Ll})/u, (_m, lead: string, c: string) => lead + c.toUpperCase()) : text;
}

/** Segments translated by the given unit outputs (`units[k]` undefined while unit k is not valid: its segments are null). */
export function phraseSegments(plan: PhrasePlan, units: (Uint8Array | undefined)[], read: (k: number, out: Uint8Array) => { tgt: number[]; srcStart: number[] }[]): (TranslatedSegment | null)[] {
  const words = new Map(plan.tgtIds.map((id, k) => [id, plan.tgtWords[k]!] as const));
  const decoded: ({ tgt: number[]; srcStart: number[] } | null)[] = [];
  plan.unitSentences.forEach((n, k) => {
    const out = units[k];
    if (out) decoded.push(...read(k, out));
    else for (let i = 0; i < n; i++) decoded.push(null);
  });
  let at = 0;
  return plan.segments.map((src) => {
    const seg: TranslatedSegment = { src, tgt: [], align: [], unknown: [] };
    let complete = true;
    for (let c = 0; c < Math.max(1, Math.ceil(src.length / PHRASE_SENTENCE_TOKENS_MAX)); c++) {
      const d = decoded[at++];
      if (!d) {
        complete = false;
        continue;
      }
      d.tgt.forEach((id, k) => {
        const j = c * PHRASE_SENTENCE_TOKENS_MAX + d.srcStart[k]!;
        if (id === plan.unknownId) seg.unknown.push(seg.tgt.length);
        seg.tgt.push(id === plan.unknownId ? src[j]! : (words.get(id) ?? '?'));
        seg.align.push(j);
      });
    }
    return complete ? seg : null;
  });
}

/** The best translation of each decoder sentence of unit k. */
const readBest = (plan: PhrasePlan) => (k: number, out: Uint8Array) =>
  readPhraseUnit(out, plan.unitSentences[k]!, 1).map((list) => list[0] ?? { tgt: [], srcStart: [] });

/** The result of a finished translation with a phrase model. */
export function assimilatePhraseTranslate(stored: TranslateParams & { plan: PhrasePlan }, outputs: Uint8Array[]): TranslateResult {
  const plan = stored.plan;
  const segments = phraseSegments(plan, outputs, readBest(plan)).map((s) => s!);
  const texts = segments.map((s) => capitalised(detokenize(s.tgt, plan.tgtLang), s));
  return { kind: 'translate', model: stored.model, format: stored.format, srcLang: plan.srcLang, tgtLang: plan.tgtLang, document: assembleDocument(plan.parts, texts), segments };
}

/** Progress of a running translation: decoder sentences in the validated units (`indices`: their places). */
export function phrasePartial(plan: PhrasePlan, indices: number[]): { membersDone: number; sentencesTotal: number } {
  return { membersDone: indices.reduce((a, k) => a + (plan.unitSentences[k] ?? 0), 0), sentencesTotal: plan.unitSentences.reduce((a, n) => a + n, 0) };
}

/** A translate job's stored parameters with either kind of plan. */
export const TranslateStoredAnySchema = TranslateParamsSchema.extend({ plan: z.union([PhrasePlanSchema, TranslatePlanSchema]) });
