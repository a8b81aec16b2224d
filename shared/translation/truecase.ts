/**
 * @module Truecasing: the decoder writes lower-cased tokens (tokenize.ts lower-cases); this
 * learns from the target side of the corpus how each word is written and restores it.
 *
 * Learning (Lita et al. 2003, simplified as Moses' train-truecaser.perl does): every word
 * counts its written forms, but only where its case carries information: not the first word
 * of a sentence (leading punctuation such as `(` `"` `«` skipped) nor the first word after a
 * sentence end (`.` `:` `!` `?` `…` and the CJK stops). The model keeps, for each word whose
 * most frequent form is not its lower-cased self, that form; ties go to the lower-cased form,
 * then to the first form in code-unit order. A word seen only sentence-initially stays lower
 * case. Learning is bounded: TRUECASE_WORDS_MAX words and TRUECASE_FORMS_MAX forms per word
 * are counted, later newcomers ignored (so the result depends only on the input's order).
 *
 * Applying: each token becomes its learnt form (a token the model lacks, such as an unknown
 * word passed through as written, is kept); with `capitaliseFirst` the first word of each
 * sentence gets an upper-case first letter, unless its form already has a capital (`iPhone`).
 */

/** Distinct lower-cased words counted while learning (the target vocabulary's bound, IBM1_VOCAB_MAX). */
export const TRUECASE_WORDS_MAX = 200_000;
/** Distinct written forms counted per word (`paris`, `Paris`, `PARIS` … a handful in real text). */
export const TRUECASE_FORMS_MAX = 8;

/** A learnt truecaser, as the model document stores it (plain JSON). */
export interface Truecaser {
  /** [lower-cased word, its most frequent written form] where the two differ, sorted by word (code units). */
  forms: [string, string][];
}

/** Options of `applyTruecase`. */
export interface TruecaseOptions {
  /** Upper-case the first letter of each sentence's first word. @default true */
  capitaliseFirst: boolean;
}

/** Tokens after which a new sentence starts, when learning (Moses' list, with … and CJK stops). */
const SENTENCE_END_LEARN = new Set(['.', ':', '!', '?', '…', '。', '！', '？']);
/** The same when applying, without `:` (English and French go on in lower case after it). */
const SENTENCE_END_APPLY = new Set(['.', '!', '?', '…', '。', '！', '？']);
const WORDISH_RE = /[\p{L}\p{N}]/u;
const HAS_UPPER_RE = /\p{Lu}/u;

/**
 * The truecaser of a cased corpus: `casedSentences[i]` is one sentence's tokens as written
 * (e.g. `casedTokens` of translate.ts). `maxWords` lowers the word bound (never above
 * TRUECASE_WORDS_MAX).
 * @example learnTruecaser([['A', 'man', 'in', 'Paris', '.']]).forms // [['paris', 'Paris']]
 */
export function learnTruecaser(casedSentences: string[][], maxWords: number = TRUECASE_WORDS_MAX): Truecaser {
  const limit = Math.min(maxWords, TRUECASE_WORDS_MAX);
  const counts = new Map<string, Map<string, number>>();
  for (const sentence of casedSentences) {
    let initial = true;
    for (const raw of sentence) {
      const tok = raw.normalize('NFC');
      if (SENTENCE_END_LEARN.has(tok)) {
        initial = true;
        continue;
      }
      if (!WORDISH_RE.test(tok)) continue;
      if (initial) {
        initial = false;
        continue;
      }
      const lower = tok.toLowerCase();
      let forms = counts.get(lower);
      if (forms === undefined) {
        if (counts.size >= limit) continue;
        forms = new Map();
        counts.set(lower, forms);
      }
      if (!forms.has(tok) && forms.size >= TRUECASE_FORMS_MAX) continue;
      forms.set(tok, (forms.get(tok) ?? 0) + 1);
    }
  }
  const out: [string, string][] = [];
  for (const [lower, forms] of counts) {
    let best = lower;
    let bestCount = forms.get(lower) ?? 0;
    for (const [form, c] of forms) {
      if (c > bestCount || (c === bestCount && best !== lower && form < best)) [best, bestCount] = [form, c];
    }
    if (best !== lower) out.push([lower, best]);
  }
  out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return { forms: out };
}

const maps = new WeakMap<Truecaser, Map<string, string>>();

function mapOf(tc: Truecaser): Map<string, string> {
  let m = maps.get(tc);
  if (m === undefined) {
    m = new Map(tc.forms);
    maps.set(tc, m);
  }
  return m;
}

/**
 * Tokens of one segment (lower-cased, as the decoder writes them) in their learnt case.
 * @example applyTruecase(tc, ['a', 'man', 'in', 'paris', '.']) // ['A', 'man', 'in', 'Paris', '.']
 */
export function applyTruecase(tc: Truecaser, tokens: string[], opts: TruecaseOptions = { capitaliseFirst: true }): string[] {
  const m = mapOf(tc);
  let initial = true;
  return tokens.map((t) => {
    let form = m.get(t) ?? t;
    if (SENTENCE_END_APPLY.has(t)) initial = true;
    else if (WORDISH_RE.test(t)) {
      if (initial && opts.capitaliseFirst && !HAS_UPPER_RE.test(form)) form = form.replace(/^\p{Ll}/u, (c) => c.toUpperCase());
      initial = false;
    }
    return form;
  });
}

/** Whether a value read back from a model document is a Truecaser. */
export function isTruecaser(x: unknown): x is Truecaser {
  if (typeof x !== 'object' || x === null || !Array.isArray((x as { forms?: unknown }).forms)) return false;
  const forms = (x as { forms: unknown[] }).forms;
  return forms.length <= TRUECASE_WORDS_MAX && forms.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string');
}
