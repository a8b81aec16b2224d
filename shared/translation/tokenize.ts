/**
 * @module Tokenisation of corpus and document text for the translation jobs: the edge runs
 * it when it splits a training corpus or a document (never a kernel), so every unit carries
 * token ids and the kernels stay free of Unicode tables.
 *
 * Languages written with spaces are split on whitespace, with punctuation split off as
 * tokens of its own. Languages written without spaces (Japanese, Chinese, Thai, Lao, Khmer,
 * Burmese) go through `Intl.Segmenter` with word granularity: ICU's dictionary-based word
 * breaker (UAX #29 plus the CJ and South-East Asian dictionaries), which ships with Node's
 * full ICU and with browsers, so no dictionary has to be downloaded or kept here.
 */

/** Primary language subtags whose script has no spaces between words: segmented by ICU's dictionaries. */
export const SEGMENTED_LANGS: readonly string[] = ['ja', 'zh', 'th', 'lo', 'km', 'my'];

/** Languages whose detokenised text has no spaces between words (Thai keeps spaces between phrases, we have none left). */
const UNSPACED_LANGS: readonly string[] = SEGMENTED_LANGS;

/** A well-formed BCP 47 tag as the job parameters accept it: language, then optional subtags (`en`, `pt-BR`, `zh-Hant`). */
export const LANGUAGE_TAG_RE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;

const PUNCT_RE = /[\p{P}\p{S}]/u;
const WORD_CHAR_RE = /[\p{L}\p{N}\p{M}]/u;
const DIGIT_RE = /\p{Nd}/u;
/** Joiners that stay inside a word when letters or digits stand on both sides (`don't`, `well-known`, `3.14`, `1,000`). */
const INNER_JOINERS = new Set(["'", '’', '-', '‐']);
const NUMBER_JOINERS = new Set(['.', ',']);

/** The primary language subtag, lower-cased (`zh-Hant` → `zh`). */
export function primaryLanguage(lang: string): string {
  return lang.split('-')[0]!.toLowerCase();
}

/**
 * Whether a language tag is one the tokeniser can serve: well formed (BCP 47, as
 * `Intl.getCanonicalLocales` reads it) and naming a language ICU knows.
 * @example isSupportedLanguage('de') // true; isSupportedLanguage('qq') // false
 */
export function isSupportedLanguage(lang: string): boolean {
  if (!LANGUAGE_TAG_RE.test(lang)) return false;
  try {
    Intl.getCanonicalLocales(lang);
    const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
    return names.of(primaryLanguage(lang)) !== undefined;
  } catch {
    return false;
  }
}

const segmenters = new Map<string, Intl.Segmenter>();

function segmenterFor(lang: string): Intl.Segmenter {
  let s = segmenters.get(lang);
  if (s === undefined) {
    s = new Intl.Segmenter(lang, { granularity: 'word' });
    segmenters.set(lang, s);
  }
  return s;
}

/** Splits one whitespace-free chunk into words and single punctuation marks. */
function splitPunctuation(chunk: string, out: string[]): void {
  const chars = Array.from(chunk);
  let word = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (!PUNCT_RE.test(c) || WORD_CHAR_RE.test(c)) {
      word += c;
      continue;
    }
    const prev = chars[i - 1];
    const next = chars[i + 1];
    const between = word !== '' && next !== undefined && WORD_CHAR_RE.test(next) && prev !== undefined;
    const joins =
      between &&
      (INNER_JOINERS.has(c) || (NUMBER_JOINERS.has(c) && DIGIT_RE.test(prev!) && DIGIT_RE.test(next!)));
    if (joins) {
      word += c;
      continue;
    }
    if (word !== '') out.push(word);
    word = '';
    out.push(c);
  }
  if (word !== '') out.push(word);
}

/**
 * Tokens of one sentence: NFC-normalised, lower-cased (locale-independent, so the edge and
 * a browser agree), split on whitespace with punctuation as its own tokens; Japanese,
 * Chinese and the South-East Asian languages segmented into words by ICU.
 * @example tokenize('Das Haus, ja.', 'de') // ['das', 'haus', ',', 'ja', '.']
 * @example tokenize('私は学生です。', 'ja') // ['私', 'は', '学生', 'です', '。']
 */
export function tokenize(text: string, lang: string): string[] {
  const normal = text.normalize('NFC').toLowerCase();
  const out: string[] = [];
  if (SEGMENTED_LANGS.includes(primaryLanguage(lang))) {
    for (const seg of segmenterFor(lang).segment(normal)) {
      const s = seg.segment;
      if (/^\s+$/u.test(s)) continue;
      if (seg.isWordLike === true) out.push(s);
      else for (const chunk of s.split(/\s+/u)) if (chunk !== '') splitPunctuation(chunk, out);
    }
    return out;
  }
  for (const chunk of normal.split(/\s+/u)) if (chunk !== '') splitPunctuation(chunk, out);
  return out;
}

/** Punctuation that hugs the token before it (no space before). */
const CLOSING = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', '»', '”', '’', '%', '…', '。', '、', '，', '！', '？', '；', '：', '）', '」', '』', '】']);
/** Punctuation that hugs the token after it (no space after). Low quotes open in every language that has them. */
const OPENING = new Set(['(', '[', '{', '«', '“', '‘', '„', '‚', '¿', '¡', '（', '「', '『', '【']);
/** Quotes written the same at both ends: the first of a pair opens, the next closes. */
const STRAIGHT_QUOTES = new Set(['"', "'"]);
/** Languages quoting „so“ and ‚so‘: there “ and ‘ close. */
const LOW_HIGH_QUOTE_LANGS: readonly string[] = ['cs', 'sk', 'de', 'sl', 'et', 'lt', 'is', 'bg'];
/** French spacing: a space before these (the high punctuation and the closing guillemet) … */
const FRENCH_SPACE_BEFORE = new Set([';', ':', '!', '?', '»']);
/** … and after the opening guillemet. */
const FRENCH_SPACE_AFTER = new Set(['«']);
/** Languages written with French spacing. */
const FRENCH_SPACING_LANGS: readonly string[] = ['fr'];
/** Languages whose elided articles and pronouns hug the next word (`l'` `homme` → `l'homme`). */
const ELISION_LANGS: readonly string[] = ['fr', 'it', 'ca'];
/** English clitics split from their word (`man` `'s`, `do` `n't`): they hug the word before. */
const CLITIC_RE = /^(?:['’](?:s|re|ve|ll|d|m|t)|n['’]t)$/iu;
const ELIDED_RE = /^\p{L}+['’]$/u;
const ASCII_ALNUM_END = /[A-Za-z0-9]$/;
const ASCII_ALNUM_START = /^[A-Za-z0-9]/;

/**
 * Text from tokens: spaces between tokens, none before closing or after opening punctuation,
 * none before an English clitic (`'s`, `n't`); straight quotes `"` and `'` alternate between
 * opening and closing; `„` `“` pair as in Czech and German for those languages. French keeps
 * its spaces before `; : ! ? »` and after `«`, and French, Italian and Catalan elisions (`l'`)
 * hug the next word. Languages written without spaces get none at all, except between two runs
 * of Latin letters or digits (a name or a number inside Japanese text).
 * @example detokenize(['das', 'haus', ',', 'ja', '.'], 'de') // 'das haus, ja.'
 * @example detokenize(['«', 'bonjour', '»', '!'], 'fr') // '« bonjour » !'
 */
export function detokenize(tokens: string[], lang: string): string {
  const primary = primaryLanguage(lang);
  const unspaced = UNSPACED_LANGS.includes(primary);
  const french = FRENCH_SPACING_LANGS.includes(primary);
  const elision = ELISION_LANGS.includes(primary);
  const lowHigh = LOW_HIGH_QUOTE_LANGS.includes(primary);
  const open = new Set<string>();
  let text = '';
  // Whether the previous token hugs the next one (opening punctuation, an opening quote, an elision).
  let hugNext = false;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const prev = tokens[i - 1];
    let space: boolean;
    let hugs = false;
    if (prev === undefined) space = false;
    else if (unspaced) space = ASCII_ALNUM_END.test(prev) && ASCII_ALNUM_START.test(tok);
    else if (french && FRENCH_SPACE_BEFORE.has(tok)) space = true;
    else space = !hugNext && !CLOSING.has(tok) && !CLITIC_RE.test(tok) && !(lowHigh && (tok === '“' || tok === '‘'));
    if (!unspaced) {
      if (STRAIGHT_QUOTES.has(tok)) {
        // A closing quote hugs the word before; an opening one the word after.
        if (open.has(tok)) {
          open.delete(tok);
          space = false;
        } else {
          open.add(tok);
          hugs = true;
        }
      } else {
        hugs = (OPENING.has(tok) && !(french && FRENCH_SPACE_AFTER.has(tok)) && !(lowHigh && (tok === '“' || tok === '‘'))) || (elision && ELIDED_RE.test(tok));
      }
    }
    if (space) text += ' ';
    text += tok;
    hugNext = hugs;
  }
  return text;
}
