/**
 * @module A parallel training corpus read, checked and tokenised: a TSV of sentence pairs
 * (`source TAB target` per line) or two texts aligned by line. Every refusal is one status
 * of {@link CorpusRead} (TigerBeetle style), which the edge answers with its own problem
 * type and the browser form shows before anything is sent.
 *
 * Invalid UTF-8: JSON bodies are decoded before any route sees them, and a decoder
 * replaces each invalid byte sequence with U+FFFD; a corpus containing U+FFFD (or a lone
 * surrogate, which JSON's `\uD800` escapes can carry) is refused as invalid text. A genuine
 * U+FFFD in a corpus is refused too: it marks text already damaged by an earlier decoding.
 */
import { IBM1_CORPUS_BYTES_MAX, IBM1_PAIRS_MAX, IBM1_SENTENCE_TOKENS_MAX, IBM1_VOCAB_MAX } from '../limits.ts';
import { BOS_TGT_ID, EOS_TGT_ID, NULL_SRC_ID } from './model.ts';
import { isSupportedLanguage, tokenize } from './tokenize.ts';
import { controlCharAt } from '../text.ts';

/** The corpus as a job carries it. */
export type CorpusText = { tsv: string } | { source: string; target: string };

/** A tokenised corpus with its vocabularies; token ids in flat typed arrays. */
export interface ParallelCorpus {
  srcLang: string;
  tgtLang: string;
  /** Source words by id; id 0 is NULL (''). */
  srcVocab: string[];
  /** Target words by id; 0 and 1 are `<s>` and `</s>`. */
  tgtVocab: string[];
  pairs: number;
  /** Pair p's source ids are srcTok[srcOff[p] .. srcOff[p+1]). */
  srcOff: Uint32Array;
  srcTok: Uint32Array;
  tgtOff: Uint32Array;
  tgtTok: Uint32Array;
  /** Lines skipped because one side was blank (a blank line on both sides counts too). */
  skipped: number;
}

/** The outcome of reading a corpus: the corpus, or why it was refused. */
export type CorpusRead =
  | { status: 'ok'; corpus: ParallelCorpus }
  | { status: 'unsupported-language'; detail: string }
  | { status: 'corpus-too-large'; detail: string }
  | { status: 'corpus-invalid-utf8'; detail: string }
  | { status: 'corpus-line-mismatch'; detail: string }
  | { status: 'corpus-malformed'; detail: string }
  | { status: 'corpus-empty'; detail: string };

/** UTF-8 length of a string (a lone surrogate counts 3 bytes, as U+FFFD would). */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Where the first U+FFFD or lone surrogate is (line number from 1), or undefined. */
function invalidTextLine(s: string): number | undefined {
  let bad = s.indexOf('\ufffd');
  if (bad < 0) {
    const m = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(s);
    if (!m) return undefined;
    bad = m.index;
  }
  let line = 1;
  for (let i = s.indexOf('\n'); i >= 0 && i < bad; i = s.indexOf('\n', i + 1)) line++;
  return line;
}

/** Lines of a text; one final newline does not start another line; CRLF is accepted. */
function lines(s: string): string[] {
  const all = s.split(/\r?\n/);
  if (all.length > 0 && all[all.length - 1] === '') all.pop();
  return all;
}

/**
 * Reads, checks and tokenises a corpus: languages, size, valid text, line structure, then
 * sentence lengths and vocabularies, in that order (the first problem found is reported).
 * @example readCorpus({ tsv: 'das Haus\tthe house\n' }, 'de', 'en').status // 'ok'
 */
export function readCorpus(text: CorpusText, srcLang: string, tgtLang: string): CorpusRead {
  for (const lang of [srcLang, tgtLang]) {
    if (!isSupportedLanguage(lang)) return { status: 'unsupported-language', detail: `'${lang.slice(0, 40)}' is not a language tag this server can tokenise (BCP 47, e.g. en, de, ja, zh-Hant)` };
  }
  const parts = 'tsv' in text ? [text.tsv] : [text.source, text.target];
  const bytes = parts.reduce((sum, s) => sum + utf8Bytes(s), 0);
  if (bytes > IBM1_CORPUS_BYTES_MAX) return { status: 'corpus-too-large', detail: `the corpus has ${bytes} bytes of UTF-8, at most ${IBM1_CORPUS_BYTES_MAX}` };
  for (const [k, s] of parts.entries()) {
    const line = invalidTextLine(s);
    const which = 'tsv' in text ? 'the TSV' : k === 0 ? 'the source text' : 'the target text';
    if (line !== undefined) return { status: 'corpus-invalid-utf8', detail: `${which} is not valid UTF-8 text at line ${line} (a replacement character U+FFFD or a lone surrogate)` };
    const at = controlCharAt(s);
    if (at >= 0) {
      const code = s.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0');
      return { status: 'corpus-malformed', detail: `${which} holds a control character (U+${code}) at line ${s.slice(0, at).split('\n').length}: only tabs and line breaks may appear` };
    }
  }
  let src: string[];
  let tgt: string[];
  if ('tsv' in text) {
    src = [];
    tgt = [];
    const rows = lines(text.tsv);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (row.trim() === '') {
        src.push('');
        tgt.push('');
        continue;
      }
      const tab = row.indexOf('\t');
      if (tab < 0 || row.indexOf('\t', tab + 1) >= 0) {
        return { status: 'corpus-malformed', detail: `line ${i + 1} of the TSV must be 'source<TAB>target' with exactly one tab` };
      }
      src.push(row.slice(0, tab));
      tgt.push(row.slice(tab + 1));
    }
  } else {
    src = lines(text.source);
    tgt = lines(text.target);
    if (src.length !== tgt.length) {
      return { status: 'corpus-line-mismatch', detail: `the source text has ${src.length} lines and the target text ${tgt.length}; they must be aligned line by line` };
    }
  }
  if (src.length > IBM1_PAIRS_MAX) return { status: 'corpus-too-large', detail: `the corpus has ${src.length} lines, at most ${IBM1_PAIRS_MAX}` };
  return tokenizeCorpus(src, tgt, srcLang, tgtLang);
}

function tokenizeCorpus(src: string[], tgt: string[], srcLang: string, tgtLang: string): CorpusRead {
  const srcVocab = [''];
  const tgtVocab = ['<s>', '</s>'];
  const srcIds = new Map<string, number>([['', NULL_SRC_ID]]);
  const tgtIds = new Map<string, number>([['<s>', BOS_TGT_ID], ['</s>', EOS_TGT_ID]]);
  const srcTok: number[] = [];
  const tgtTok: number[] = [];
  const srcOff = [0];
  const tgtOff = [0];
  let skipped = 0;
  for (let i = 0; i < src.length; i++) {
    const s = tokenize(src[i]!, srcLang);
    const t = tokenize(tgt[i]!, tgtLang);
    if (s.length === 0 || t.length === 0) {
      skipped++;
      continue;
    }
    for (const [toks, side] of [[s, 'source'], [t, 'target']] as const) {
      if (toks.length > IBM1_SENTENCE_TOKENS_MAX) {
        return { status: 'corpus-malformed', detail: `line ${i + 1}: the ${side} sentence has ${toks.length} tokens, at most ${IBM1_SENTENCE_TOKENS_MAX}` };
      }
    }
    for (const w of s) {
      let id = srcIds.get(w);
      if (id === undefined) {
        id = srcVocab.push(w) - 1;
        srcIds.set(w, id);
      }
      srcTok.push(id);
    }
    for (const w of t) {
      let id = tgtIds.get(w);
      if (id === undefined) {
        id = tgtVocab.push(w) - 1;
        tgtIds.set(w, id);
      }
      tgtTok.push(id);
    }
    srcOff.push(srcTok.length);
    tgtOff.push(tgtTok.length);
  }
  if (srcOff.length === 1) return { status: 'corpus-empty', detail: 'the corpus has no sentence pair with words on both sides' };
  if (srcVocab.length > IBM1_VOCAB_MAX || tgtVocab.length > IBM1_VOCAB_MAX) {
    return { status: 'corpus-too-large', detail: `the vocabularies have ${srcVocab.length} source and ${tgtVocab.length} target words, at most ${IBM1_VOCAB_MAX} each` };
  }
  return {
    status: 'ok',
    corpus: {
      srcLang,
      tgtLang,
      srcVocab,
      tgtVocab,
      pairs: srcOff.length - 1,
      srcOff: Uint32Array.from(srcOff),
      srcTok: Uint32Array.from(srcTok),
      tgtOff: Uint32Array.from(tgtOff),
      tgtTok: Uint32Array.from(tgtTok),
      skipped,
    },
  };
}
