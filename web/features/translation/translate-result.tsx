/**
 * @module A translation job's result: source and translation side by side, segment by
 * segment; hovering or focusing a word highlights the word(s) aligned to it on the other side
 * (the decoder's alignment of each target word to the source word it translates); and the
 * translated document for download (.md or .txt, as it was uploaded).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ApiClient } from '../../../shared/api/client.ts';
import type { TranslateResult, TranslatedSegment } from '../../../shared/jobs/translate-result.ts';
import { describeError } from '../../lib/errors.ts';
import './translation.css';

/** The word under the pointer or focus: segment, side and token index. */
type Hot = { seg: number; side: 'src' | 'tgt'; index: number } | undefined;

export function TranslateResultView({ api, jobId }: { api: ApiClient; jobId: string }) {
  const [result, setResult] = useState<TranslateResult>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let alive = true;
    api.jobResult(jobId).then(
      (r) => alive && setResult(r as TranslateResult),
      (err: unknown) => alive && setError(`The translation could not be loaded. ${describeError(err)}`),
    );
    return () => {
      alive = false;
    };
  }, [api, jobId]);
  if (error) return <p class="alert alert-error">{error}</p>;
  if (!result) return <p class="muted">Loading the translation…</p>;
  return (
    <div class="translation" data-testid="translation-result">
      <DocumentDownload result={result} jobId={jobId} />
      <p class="muted small">
        {result.srcLang} → {result.tgtLang}, {result.segments.length} segments. Hover or focus a word to see its alignment.
      </p>
      <div class="side-by-side" role="table" aria-label="Source and translation">
        {result.segments.map((s, k) => (
          <SegmentRow key={k} seg={k} segment={s} />
        ))}
      </div>
    </div>
  );
}

function DocumentDownload({ result, jobId }: { result: TranslateResult; jobId: string }) {
  const ext = result.format === 'markdown' ? 'md' : 'txt';
  const url = useMemo(() => URL.createObjectURL(new Blob([result.document], { type: result.format === 'markdown' ? 'text/markdown' : 'text/plain' })), [result]);
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  return (
    <p class="form-actions">
      <a class="button button-small" data-testid="download-translation" href={url} download={`translation-${jobId}.${ext}`}>
        Download translation (.{ext})
      </a>
    </p>
  );
}

function SegmentRow({ seg, segment }: { seg: number; segment: TranslatedSegment }) {
  const [hot, setHot] = useState<Hot>();
  // Which words light up: the hot word, and the words aligned to it on the other side.
  const lit = (side: 'src' | 'tgt', i: number): boolean => {
    if (!hot) return false;
    if (hot.side === side) return hot.index === i;
    return side === 'src' ? segment.align[hot.index] === i : segment.align[i] === hot.index;
  };
  const words = (side: 'src' | 'tgt', tokens: string[]) =>
    tokens.map((t, i) => (
      <span
        key={i}
        class={`tok${lit(side, i) ? ' tok-lit' : ''}${side === 'tgt' && segment.unknown.includes(i) ? ' tok-unknown' : ''}`}
        title={side === 'tgt' && segment.unknown.includes(i) ? 'Not in the model: passed through as written' : undefined}
        tabIndex={0}
        data-testid={`tok-${seg}-${side}-${i}`}
        data-lit={lit(side, i) ? 'true' : undefined}
        onMouseEnter={() => setHot({ seg, side, index: i })}
        onMouseLeave={() => setHot(undefined)}
        onFocus={() => setHot({ seg, side, index: i })}
        onBlur={() => setHot(undefined)}
      >
        {t}
      </span>
    ));
  return (
    <div class="seg-row" role="row">
      <p class="seg seg-src" role="cell" data-testid={`seg-${seg}-src`}>
        {words('src', segment.src)}
      </p>
      <p class="seg seg-tgt" role="cell" data-testid={`seg-${seg}-tgt`}>
        {words('tgt', segment.tgt)}
      </p>
    </div>
  );
}
