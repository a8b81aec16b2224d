/**
 * @module Integration of a translation job: the decoded sentences of every unit, in unit
 * order, become per-segment target tokens with their alignments (unknown words passed through
 * as written), each segment is detokenised in the target language, and the document template
 * is filled in original order.
 */
import { decodeDecodeOutput } from '../kernels/decode.codec.ts';
import { DECODE_SENTENCE_TOKENS_MAX } from '../kernels/decode.codes.ts';
import { assembleDocument } from '../translation/document.ts';
import { detokenize } from '../translation/tokenize.ts';
import { TGT_UNK_LOCAL, TranslateStoredSchema, segmentChunks, type TranslateStored } from './translate.ts';

/** One segment side by side: source tokens as written, target tokens, and per target token the source token it translates. */
export interface TranslatedSegment {
  src: string[];
  tgt: string[];
  align: number[];
  /** Indices of the target tokens that are source words the model does not know, passed through. */
  unknown: number[];
}

/** The result document of a translation job. */
export interface TranslateResult {
  kind: 'translate';
  model: string;
  format: 'text' | 'markdown';
  srcLang: string;
  tgtLang: string;
  /** The translated document, structure kept. */
  document: string;
  segments: TranslatedSegment[];
}

/** Sentence lengths of each unit, in order, as the splitter cut them. */
function unitSentenceLengths(stored: TranslateStored, sentencesPerUnit: number[]): number[][] {
  const lengths: number[] = [];
  for (const toks of stored.plan.segments) {
    for (let c = 0; c < segmentChunks(toks.length); c++) lengths.push(Math.max(0, Math.min(DECODE_SENTENCE_TOKENS_MAX, toks.length - c * DECODE_SENTENCE_TOKENS_MAX)));
  }
  const out: number[][] = [];
  let at = 0;
  for (const k of sentencesPerUnit) {
    out.push(lengths.slice(at, at + k));
    at += k;
  }
  return out;
}

/**
 * Upper-cases the first letter when the source segment starts with a capital (target tokens
 * are lower case), unless that capital was an unknown word passed through as written.
 */
function capitalised(text: string, seg: TranslatedSegment): string {
  const first = seg.src[0] ?? '';
  if (seg.unknown.some((k) => seg.align[k] === 0)) return text;
  // The first letter only, and only when it is lower case (a passed-through name keeps its own).
  return /^\p{Lu}/u.test(first) ? text.replace(/^(\P{L}*)(\p{Ll})/u, (_m, lead: string, c: string) => lead + c.toUpperCase()) : text;
}

/**
 * Segments translated by the given unit outputs (`units[k]`: unit k's output, or undefined
 * when not yet valid); segments whose units are missing are `null`.
 */
export function translatedSegments(stored: TranslateStored, units: (Uint8Array | undefined)[], sentencesPerUnit: number): (TranslatedSegment | null)[] {
  const total = stored.plan.segments.reduce((a, t) => a + segmentChunks(t.length), 0);
  const counts = Array.from({ length: Math.ceil(total / sentencesPerUnit) }, (_, k) => Math.min(sentencesPerUnit, total - k * sentencesPerUnit));
  const lengths = unitSentenceLengths(stored, counts);
  const decoded = lengths.map((l, k) => (units[k] ? decodeDecodeOutput(units[k]!, l) : null)).flatMap((d, k) => d ?? lengths[k]!.map(() => null));
  const words = stored.plan.tgtWords;
  let at = 0;
  return stored.plan.segments.map((src) => {
    const seg: TranslatedSegment = { src, tgt: [], align: [], unknown: [] };
    let complete = true;
    for (let c = 0; c < segmentChunks(src.length); c++) {
      const d = decoded[at++];
      if (!d) {
        complete = false;
        continue;
      }
      d.tgt.forEach((id, k) => {
        const j = c * DECODE_SENTENCE_TOKENS_MAX + d.src[k]!;
        if (id === TGT_UNK_LOCAL) seg.unknown.push(seg.tgt.length);
        seg.tgt.push(id === TGT_UNK_LOCAL ? src[j]! : words[id]!);
        seg.align.push(j);
      });
    }
    return complete ? seg : null;
  });
}

/** The result of a finished translation job from its units' canonical outputs, in unit order. */
export function assimilateTranslate(params: unknown, outputs: Uint8Array[], sentencesPerUnit: number): TranslateResult {
  const stored = TranslateStoredSchema.parse(params);
  const segments = translatedSegments(stored, outputs, sentencesPerUnit).map((s) => s!);
  const texts = segments.map((s) => capitalised(detokenize(s.tgt, stored.plan.tgtLang), s));
  return {
    kind: 'translate',
    model: stored.model,
    format: stored.format,
    srcLang: stored.plan.srcLang,
    tgtLang: stored.plan.tgtLang,
    document: assembleDocument(stored.plan.parts, texts),
    segments,
  };
}

/** Progress of a running translation job: decoder sentences in the validated units (`indices`: their places). */
export function translatePartial(params: unknown, indices: number[], sentencesPerUnit: number): { membersDone: number; sentencesTotal: number } {
  const stored = TranslateStoredSchema.parse(params);
  const total = stored.plan.segments.reduce((a, t) => a + segmentChunks(t.length), 0);
  const done = indices.reduce((a, k) => a + Math.max(0, Math.min(sentencesPerUnit, total - k * sentencesPerUnit)), 0);
  return { membersDone: done, sentencesTotal: total };
}
