/**
 * @module The word-alignment training form (`ibm1-train`): a parallel corpus uploaded as a
 * TSV (source TAB target per line) or as two files aligned by line, or pasted as TSV; the
 * languages and the EM bounds; the live quote, and submit. Files are read as strict UTF-8
 * (a file that is not is refused here, before any request), and the corpus is checked in the
 * browser with the same schema and corpus reader the server uses, so its problems (line
 * counts, empty, oversize, a line without its tab, an unknown language) read the same here.
 */
import { useMemo, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import type { ApiClient } from '../../../shared/api/client.ts';
import type { Job } from '../../../shared/api/schemas.ts';
import { Ibm1ParamsSchema } from '../../../shared/jobs/ibm1.ts';
import { IBM1_CORPUS_BYTES_MAX, IBM1_ITERATIONS_MAX } from '../../../shared/limits.ts';
import { readCorpus, type CorpusText } from '../../../shared/translation/corpus.ts';
import { describeError, problemOf } from '../../lib/errors.ts';
import { readUtf8File } from '../../lib/text-file.ts';
import { QuotePanel } from '../customer/quote-panel.tsx';
import { useQuote } from '../customer/use-quote.ts';
import './training.css';

type Source = 'tsv' | 'two';
type Loaded = { name: string; text: string };

export function TrainingForm({ api, onSubmitted }: { api: ApiClient; onSubmitted: (job: Job) => void }) {
  const [source, setSource] = useState<Source>('tsv');
  const [tsv, setTsv] = useState('');
  const [files, setFiles] = useState<{ source?: Loaded; target?: Loaded }>({});
  const [srcLang, setSrcLang] = useState('de');
  const [tgtLang, setTgtLang] = useState('en');
  const [maxIterations, setMaxIterations] = useState('10');
  const [fileError, setFileError] = useState<string>();
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const corpus = useMemo<CorpusText | undefined>(
    () => (source === 'tsv' ? (tsv ? { tsv } : undefined) : files.source && files.target ? { source: files.source.text, target: files.target.text } : undefined),
    [source, tsv, files],
  );
  const parsed = corpus ? Ibm1ParamsSchema.safeParse({ srcLang, tgtLang, corpus, maxIterations: Number(maxIterations) }) : undefined;
  // The server's own corpus reader, once per change of corpus or languages (tokenising a large corpus takes a moment).
  const read = useMemo(() => (corpus ? readCorpus(corpus, srcLang, tgtLang) : undefined), [corpus, srcLang, tgtLang]);
  const corpusError = read && read.status !== 'ok' ? read.detail : undefined;
  const paramsError = parsed && !parsed.success ? parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : undefined;
  const request = parsed?.success && read?.status === 'ok' ? { kind: 'ibm1-train' as const, params: parsed.data } : undefined;
  const quote = useQuote(api, request);

  async function onFile(which: 'tsv' | 'source' | 'target', e: JSX.TargetedEvent<HTMLInputElement>) {
    setFileError(undefined);
    const file = e.currentTarget.files?.[0];
    if (!file) return;
    const loaded = await readUtf8File(file, IBM1_CORPUS_BYTES_MAX, 'a corpus');
    if (typeof loaded === 'string') return setFileError(loaded);
    if (which === 'tsv') setTsv(loaded.text);
    else setFiles((f) => ({ ...f, [which]: loaded }));
  }

  async function onSubmit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy || !request) return;
    setFormError(undefined);
    setBusy(true);
    try {
      onSubmitted(await api.createJob(request));
    } catch (err) {
      const problem = problemOf(err);
      const fields = problem?.errors?.map((x) => `${x.path}: ${x.message}`).join('; ');
      setFormError(`The job was not submitted. ${problem ? `${problem.title}: ${fields || problem.detail || ''}` : describeError(err)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card job-form training-form" data-testid="training-form" noValidate onSubmit={onSubmit} aria-labelledby="training-form-title">
      <h2 id="training-form-title">Train a word-alignment model</h2>
      <p class="muted small">
        IBM Model 1, trained by expectation-maximisation on volunteers' machines: each iteration's units are made from the last one's counts, until
        the likelihood stops improving. The model (translation table and target n-grams) then translates documents.
      </p>
      <div class="field-grid">
        <div class="field">
          <label for="train-src">Source language (BCP 47)</label>
          <input id="train-src" data-testid="train-src" value={srcLang} onInput={(e) => setSrcLang(e.currentTarget.value.trim())} />
        </div>
        <div class="field">
          <label for="train-tgt">Target language</label>
          <input id="train-tgt" data-testid="train-tgt" value={tgtLang} onInput={(e) => setTgtLang(e.currentTarget.value.trim())} />
        </div>
        <div class="field">
          <label for="train-iterations">Iterations at most (1–{IBM1_ITERATIONS_MAX})</label>
          <input id="train-iterations" data-testid="train-iterations" inputMode="numeric" value={maxIterations} onInput={(e) => setMaxIterations(e.currentTarget.value)} />
        </div>
      </div>
      <fieldset class="field">
        <legend>Corpus</legend>
        {(['tsv', 'two'] as const).map((s) => (
          <label key={s} class="inline-choice">
            <input type="radio" name="train-source" value={s} data-testid={`train-source-${s}`} checked={source === s} onChange={() => setSource(s)} />
            {s === 'tsv' ? 'One TSV (source TAB target per line)' : 'Two files aligned by line'}
          </label>
        ))}
      </fieldset>
      {source === 'tsv' ? (
        <>
          <div class="field">
            <label for="train-tsv-file">Upload a TSV (UTF-8)</label>
            <input id="train-tsv-file" data-testid="train-tsv-file" type="file" accept=".tsv,.txt,text/tab-separated-values,text/plain" onChange={(e) => onFile('tsv', e)} />
          </div>
          <div class="field">
            <label for="train-tsv">or paste it</label>
            <textarea id="train-tsv" data-testid="train-tsv" rows={6} value={tsv.length > 200_000 ? '' : tsv} placeholder={tsv.length > 200_000 ? `${tsv.length} characters loaded from a file` : 'das Haus\tthe house'} onInput={(e) => setTsv(e.currentTarget.value)} />
          </div>
        </>
      ) : (
        <div class="field-grid">
          {(['source', 'target'] as const).map((w) => (
            <div class="field" key={w}>
              <label for={`train-${w}-file`}>{w === 'source' ? 'Source text' : 'Target text'} (UTF-8, one sentence per line)</label>
              <input id={`train-${w}-file`} data-testid={`train-${w}-file`} type="file" accept=".txt,text/plain" onChange={(e) => onFile(w, e)} />
              {files[w] && <p class="muted small">{files[w]!.name}</p>}
            </div>
          ))}
        </div>
      )}
      {(fileError || corpusError || paramsError) && (
        <p class="field-error" role="alert" data-testid="train-corpus-error">
          {fileError ?? corpusError ?? paramsError}
        </p>
      )}
      {read?.status === 'ok' && (
        <p class="muted small" data-testid="train-corpus-summary">
          {read.corpus.pairs} sentence pairs, {read.corpus.srcVocab.length - 1} source and {read.corpus.tgtVocab.length - 2} target words
          {read.corpus.skipped > 0 ? `; ${read.corpus.skipped} lines with a blank side skipped` : ''}.
        </p>
      )}
      {formError && (
        <p class="alert alert-error" data-testid="form-error" role="alert">
          {formError}
        </p>
      )}
      <QuotePanel state={quote} invalid={request === undefined} />
      <div class="form-actions">
        <button type="submit" class="button button-start" data-testid="submit-training" disabled={busy || !request} aria-busy={busy}>
          {busy ? 'Submitting…' : 'Train'}
        </button>
      </div>
    </form>
  );
}
