/**
 * @module What a corpus input holds, without the DOM: how the corpus is given (one TSV,
 * two files aligned by line, or, for an optional corpus such as a development set, none),
 * the texts read so far, the last file-reading problem, and the `CorpusText` a job carries.
 * The training forms share it through corpus-input.tsx.
 */
import type { CorpusRead, CorpusText } from '../../../shared/translation/corpus.ts';

/** How a corpus is given; `none` only where the corpus is optional. */
export type CorpusSource = 'none' | 'tsv' | 'two';

/** A file read as UTF-8. */
export interface LoadedFile {
  name: string;
  text: string;
}

/** One corpus input's state. */
export interface CorpusInputState {
  source: CorpusSource;
  tsv: string;
  files: { source?: LoadedFile; target?: LoadedFile };
  /** Why the last file chosen was not read (not UTF-8, too large). */
  fileError?: string;
}

/** An empty input given as `source`. */
export function emptyCorpusInput(source: CorpusSource): CorpusInputState {
  return { source, tsv: '', files: {} };
}

/** The corpus the input describes, or undefined while it has none (or is `none`). */
export function corpusTextOf(s: CorpusInputState): CorpusText | undefined {
  if (s.source === 'tsv') return s.tsv ? { tsv: s.tsv } : undefined;
  if (s.source === 'two') return s.files.source && s.files.target ? { source: s.files.source.text, target: s.files.target.text } : undefined;
  return undefined;
}

/** One line on a corpus read: its pairs, vocabulary sizes and skipped lines. */
export function corpusSummary(read: CorpusRead & { status: 'ok' }): string {
  const c = read.corpus;
  // Source id 0 is NULL; target ids 0 and 1 are <s> and </s> (shared/translation/corpus.ts).
  const skipped = c.skipped > 0 ? `; ${c.skipped} lines with a blank side skipped` : '';
  return `${c.pairs} sentence pairs, ${c.srcVocab.length - 1} source and ${c.tgtVocab.length - 2} target words${skipped}.`;
}
