/**
 * @module Text people type (names, descriptions, addresses): one schema so every field refuses
 * the same things with the same words. Refused, with a field error: U+0000 and other control
 * characters (tab and line breaks only where a field is multi-line), lone surrogates (which
 * would be stored as U+FFFD, changing what was sent), and text that is only invisible
 * characters (spaces, zero-width and other format characters). Accepted text is trimmed and
 * NFC-normalised (Unicode UAX #15), so two spellings of one name compare equal; the length
 * bounds count the normalised text in UTF-16 code units, as JavaScript's `length` does.
 */
import { z } from 'zod';

/** C0 and C1 controls and DEL; a multi-line field allows tab, LF and CR. */
const CONTROL_SINGLE_LINE = /[\u0000-\u001F\u007F-\u009F]/u;
const CONTROL_MULTI_LINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;
/** Characters that show nothing: separators, format characters (zero-width space/joiners, BOM …), and the Hangul fillers. */
/** A high surrogate not followed by a low one, or a low one not preceded by a high one (no `u` flag: code units). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const INVISIBLE = /[\p{Z}\p{Cf}\s\u115F\u1160\u3164\uFFA0]/gu;

/** Options of {@link textSchema}. */
export interface TextOptions {
  /** Fewest characters after trimming. @default 1 */
  min?: number;
  /** Most characters after normalising. */
  max: number;
  /** Whether tab and line breaks are allowed (descriptions, addresses). @default false */
  multiLine?: boolean;
}

/** Why `text` is refused, or undefined when it is acceptable (before trimming and normalising). */
export function textProblem(text: string, multiLine = false): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'contains a lone surrogate (text that is not valid Unicode)';
  if (text.includes('\u0000')) return 'contains the NUL character (U+0000)';
  if ((multiLine ? CONTROL_MULTI_LINE : CONTROL_SINGLE_LINE).test(text)) return multiLine ? 'contains a control character' : 'contains a control character or a line break';
  // Spaces only are left to the length check ("must not be empty").
  if (text.trim() !== '' && text.replace(INVISIBLE, '') === '') return 'contains only invisible characters';
  return undefined;
}

/**
 * Where the first control character of `text` is (NUL, other C0/C1 controls, DEL; tab and line
 * breaks allowed), or -1: for long texts (a corpus, a document) that are refused by line.
 */
export function controlCharAt(text: string): number {
  return text.search(CONTROL_MULTI_LINE);
}

/** Trims and NFC-normalises accepted text. */
export function cleanText(text: string): string {
  return text.normalize('NFC').trim();
}

/**
 * A zod schema for text people type: refuses what {@link textProblem} names, then trims and
 * NFC-normalises, then checks the length bounds. Its JSON Schema (input) is a string with
 * `maxLength`, so the API document states the bound.
 * @example
 * const Name = textSchema({ max: 100 });
 * Name.parse('  Cafe\u0301 '); // 'Café'
 */
export function textSchema({ min = 1, max, multiLine = false }: TextOptions) {
  return z
    .string()
    // The raw text may carry spaces that trimming removes; this bound only stops huge input early.
    .max(max * 4)
    .superRefine((text, ctx) => {
      const problem = textProblem(text, multiLine);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform(cleanText)
    .pipe(
      z
        .string()
        .min(min, min === 1 ? 'must not be empty' : `must have at least ${min} characters`)
        .max(max, `may have at most ${max} characters`),
    )
    .meta({ maxLength: max, description: `trimmed and NFC-normalised; no control characters${multiLine ? ' but tab and line breaks' : ''}` });
}

/** A name (of a person, a customer, a shop, a product): one line, at most 100 characters. */
export const NameSchema = textSchema({ max: 100 });

/**
 * The key two names are compared by for uniqueness (shop names): NFKC with case folded and
 * runs of spaces as one, so "Demo  Shop", "demo shop" and "Ｄｅｍｏ Shop" are the same name.
 */
export function nameKey(name: string): string {
  return cleanText(name).normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ');
}
