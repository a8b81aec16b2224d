/**
 * @module Documents for the translation job: a plain-text or Markdown document becomes a
 * template of verbatim parts (Markdown markers, whitespace, code, URLs) and segments to
 * translate (sentences of plain inline text), and the translated segments are put back into
 * the template in original order, so paragraphs, headings, lists, blockquotes, tables, code
 * blocks, inline code, links (text translated, URL kept) and emphasis survive translation.
 *
 * Markup inside a sentence (emphasis, a link, inline code) cuts it into separate segments:
 * the structure is then certain to survive, at the price of translating those pieces alone.
 * Soft-wrapped lines of one paragraph are joined with a space (a paragraph is one block in
 * Markdown and in plain text), so a sentence wrapped over two lines is translated whole.
 */
import { primaryLanguage } from './tokenize.ts';

/** Document formats the translation job takes. */
export type DocumentFormat = 'text' | 'markdown';

/** One part of a document template: text kept verbatim, or the index of a segment to translate. */
export type DocumentPart = { raw: string } | { seg: number };

/** A document cut into its template and the segments to translate. */
export interface SplitDocument {
  parts: DocumentPart[];
  segments: string[];
}

/** Abbreviations after which a period does not end a sentence (lower case, without the period). */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'vs', 'etc', 'e.g', 'i.e', 'cf', 'no', 'fig', 'vol', 'approx', 'dept', 'inc', 'ltd', 'co']);
/** Languages whose sentences end at 。！？ with no space after. */
const FULL_STOP_LANGS = new Set(['ja', 'zh']);

const FENCE_RE = /^ {0,3}(`{3,}|~{3,})/;
const HR_RE = /^ {0,3}([-*_])( *\1){2,} *$/;
/** A leaf line's markers: blockquote `>`s, then a heading `#`s or a list marker. */
const LEAF_RE = /^( {0,3}(?:> ?)*)( {0,3}#{1,6}(?: +|$)| *[-*+] +| *\d{1,9}[.)] +)?/;
const TABLE_RE = /^ {0,3}\|/;
const TABLE_RULE_CELL_RE = /^ *:?-+:? *$/;
/** Inline markup kept verbatim: code spans, images, autolinks, bare URLs, HTML tags, escapes, emphasis runs. */
const INLINE_RE = /(`+)[^`]*?\1|!\[[^\]]*\]\([^)]*\)|<[a-zA-Z][^<>]*>|<\/[a-zA-Z][^<>]*>|https?:\/\/[^\s)<>]+|\\[^\sA-Za-z0-9]|\*{1,3}|(?<![\p{L}\p{N}])_{1,3}|_{1,3}(?![\p{L}\p{N}])|\[([^\]]*)\]\(([^)]*)\)/gu;

class Builder {
  readonly parts: DocumentPart[] = [];
  readonly segments: string[] = [];
  constructor(readonly lang: string) {}

  raw(text: string): void {
    if (text === '') return;
    const last = this.parts.at(-1);
    if (last && 'raw' in last) last.raw += text;
    else this.parts.push({ raw: text });
  }

  /** Plain inline text: sentences become segments, the whitespace around them stays verbatim. */
  plain(text: string): void {
    const lead = /^\s*/.exec(text)![0];
    const body = text.slice(lead.length).trimEnd();
    this.raw(lead);
    for (const { sentence, after } of splitSentences(body, this.lang)) {
      // A run of punctuation or symbols alone (a lone dash, "→") has nothing to translate.
      if (/[\p{L}\p{N}]/u.test(sentence)) {
        this.parts.push({ seg: this.segments.length });
        this.segments.push(sentence);
      } else {
        this.raw(sentence);
      }
      this.raw(after);
    }
    this.raw(text.slice(lead.length + body.length));
  }

  /** Markdown inline text: markup verbatim, link texts and the text between markup translated. */
  inline(text: string): void {
    let at = 0;
    for (const m of text.matchAll(INLINE_RE)) {
      this.plain(text.slice(at, m.index));
      if (m[2] !== undefined) {
        this.raw('[');
        this.inline(m[2]);
        this.raw(`](${m[3]})`);
      } else {
        this.raw(m[0]);
      }
      at = m.index + m[0].length;
    }
    this.plain(text.slice(at));
  }
}

/**
 * Sentences of one run of plain text, each with the whitespace after it. Ends a sentence at
 * . ! ? … (with closing quotes or brackets) followed by space and an upper-case letter, a
 * digit or an opening quote, unless the word before is a known abbreviation or an initial;
 * for Japanese and Chinese at 。！？ wherever they stand.
 * @example splitSentences('Dr. Who came. He left.', 'en') // [{sentence: 'Dr. Who came.', after: ' '}, {sentence: 'He left.', after: ''}]
 */
export function splitSentences(text: string, lang: string): { sentence: string; after: string }[] {
  const out: { sentence: string; after: string }[] = [];
  const full = FULL_STOP_LANGS.has(primaryLanguage(lang));
  const re = full ? /[。！？]+[」』）"”]*\s*/gu : /[.!?…]+["'”’)\]»]*(\s+)(?=[\p{Lu}\p{N}"'“‘«(¿¡])/gu;
  let start = 0;
  for (const m of text.matchAll(re)) {
    const end = m.index + m[0].length;
    const space = /\s*$/.exec(m[0])![0];
    if (!full) {
      const word = /([\p{L}.]+)$/u.exec(text.slice(start, m.index))?.[1]?.toLowerCase() ?? '';
      const bare = word.replace(/^\.+|\.+$/g, '');
      if (m[0].startsWith('.') && (ABBREVIATIONS.has(bare) || /^\p{L}$/u.test(bare))) continue;
    }
    if (end - space.length > start) out.push({ sentence: text.slice(start, end - space.length), after: space });
    start = end;
  }
  if (start < text.length) out.push({ sentence: text.slice(start), after: '' });
  return out;
}

/** Whether a Markdown line starts a block of its own (ends a paragraph before it). */
function startsBlock(line: string): boolean {
  if (FENCE_RE.test(line) || HR_RE.test(line) || TABLE_RE.test(line)) return true;
  const m = LEAF_RE.exec(line)!;
  return m[1] !== '' || m[2] !== undefined;
}

function markdown(b: Builder, lines: string[]): void {
  let previousBlank = true;
  for (let i = 0; i < lines.length; i++) {
    if (i > 0) b.raw('\n');
    const line = lines[i]!;
    const fence = FENCE_RE.exec(line);
    if (fence) {
      // Code block: verbatim up to the closing fence of the same character, at least as long.
      const marker = fence[1]!;
      const close = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},} *$`);
      b.raw(line);
      while (i + 1 < lines.length) {
        b.raw(`\n${lines[++i]}`);
        if (close.test(lines[i]!)) break;
      }
      previousBlank = false;
      continue;
    }
    const blank = line.trim() === '';
    if (blank || HR_RE.test(line) || (previousBlank && /^( {4}|\t)/.test(line))) {
      b.raw(line);
      previousBlank = blank;
      continue;
    }
    previousBlank = false;
    if (TABLE_RE.test(line)) {
      const cells = line.split('|');
      cells.forEach((cell, k) => {
        if (k > 0) b.raw('|');
        if (TABLE_RULE_CELL_RE.test(cell) || cell.trim() === '') b.raw(cell);
        else b.inline(cell);
      });
      continue;
    }
    const leaf = LEAF_RE.exec(line)!;
    const prefix = leaf[0];
    b.raw(prefix);
    if (leaf[1] !== '' || leaf[2] !== undefined) {
      b.inline(line.slice(prefix.length));
      continue;
    }
    // A paragraph: this line and the plain lines after it, joined with a space.
    let text = line;
    while (i + 1 < lines.length && lines[i + 1]!.trim() !== '' && !startsBlock(lines[i + 1]!)) text += ` ${lines[++i]!.trim()}`;
    b.inline(text);
  }
}

function plainText(b: Builder, lines: string[]): void {
  for (let i = 0; i < lines.length; i++) {
    if (i > 0) b.raw('\n');
    if (lines[i]!.trim() === '') {
      b.raw(lines[i]!);
      continue;
    }
    let text = lines[i]!;
    while (i + 1 < lines.length && lines[i + 1]!.trim() !== '') text += ` ${lines[++i]!.trim()}`;
    b.plain(text);
  }
}

/**
 * Cuts a document into its template and the sentences to translate, in order. Line ends are
 * normalised to `\n`.
 * @example
 * const { parts, segments } = splitDocument('# Hello world\n\nThe dog bit the man.', 'markdown', 'en');
 * // segments: ['Hello world', 'The dog bit the man.']
 */
export function splitDocument(doc: string, format: DocumentFormat, lang: string): SplitDocument {
  const b = new Builder(lang);
  const lines = doc.replace(/\r\n?/g, '\n').split('\n');
  if (format === 'markdown') markdown(b, lines);
  else plainText(b, lines);
  return { parts: b.parts, segments: b.segments };
}

/**
 * Puts translated segments back into a document template.
 * @throws RangeError when a segment has no translation.
 */
export function assembleDocument(parts: DocumentPart[], translations: string[]): string {
  return parts
    .map((p) => {
      if ('raw' in p) return p.raw;
      const t = translations[p.seg];
      if (t === undefined) throw new RangeError(`segment ${p.seg} has no translation`);
      return t;
    })
    .join('');
}
