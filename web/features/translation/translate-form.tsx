/**
 * @module The translate job form: one of the customer's trained models (completed
 * `phrase-train` and `ibm1-train` jobs, each labelled with its type), a document pasted or uploaded (read as strict UTF-8: a file that is not
 * is refused here, before any request), its format, the live quote, and submit. The document
 * is checked with the same schema the server uses.
 */
import { useMemo, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import type { ApiClient } from '../../../shared/api/client.ts';
import type { Job } from '../../../shared/api/schemas.ts';
import { DocumentSchema } from '../../../shared/jobs/translate.ts';
import { TRANSLATE_DOCUMENT_BYTES_MAX } from '../../../shared/limits.ts';
import { describeError, problemOf } from '../../lib/errors.ts';
import { readUtf8File } from '../../lib/text-file.ts';
import { QuotePanel } from '../customer/quote-panel.tsx';
import { useQuote } from '../customer/use-quote.ts';
import './translation.css';

/** The kinds of job whose results are models (the edge's MODEL_JOB_KINDS), with what the picker calls each. */
const MODEL_TYPES: Readonly<Record<string, string>> = { 'phrase-train': 'Phrase-based', 'ibm1-train': 'Word model (IBM 1)' };

type Format = 'text' | 'markdown';

/** A short label for a model: its type, languages and when it finished. */
function modelLabel(job: Job): string {
  const p = job.params as { srcLang?: string; tgtLang?: string };
  const when = job.completedAt ? new Date(job.completedAt).toLocaleString() : '';
  return `${MODEL_TYPES[job.kind] ?? job.kind} · ${p.srcLang ?? '?'} → ${p.tgtLang ?? '?'} · ${job.id} · ${when}`;
}

export function TranslateForm({ api, jobs, onSubmitted }: { api: ApiClient; jobs: Job[] | undefined; onSubmitted: (job: Job) => void }) {
  const models = useMemo(() => (jobs ?? []).filter((j) => Object.hasOwn(MODEL_TYPES, j.kind) && j.status === 'completed'), [jobs]);
  const [model, setModel] = useState('');
  const [document, setDocument] = useState('');
  const [format, setFormat] = useState<Format>('markdown');
  const [fileError, setFileError] = useState<string>();
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const chosen = model || models[0]?.id || '';
  const check = DocumentSchema.safeParse(document);
  const docError = document === '' ? undefined : check.success ? undefined : check.error.issues[0]?.message;
  const request = chosen && check.success ? { kind: 'translate' as const, params: { model: chosen, document, format } } : undefined;
  const quote = useQuote(api, request);

  async function onFile(e: JSX.TargetedEvent<HTMLInputElement>) {
    setFileError(undefined);
    const file = e.currentTarget.files?.[0];
    if (!file) return;
    const read = await readUtf8File(file, TRANSLATE_DOCUMENT_BYTES_MAX, 'a document');
    if (typeof read === 'string') return setFileError(read);
    setDocument(read.text);
    setFormat(/\.(md|markdown)$/i.test(file.name) ? 'markdown' : 'text');
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
      const fields = problem?.errors?.map((x) => x.message).join('; ');
      setFormError(`The job was not submitted. ${fields ? `${problem!.title}: ${fields}` : describeError(err)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card job-form translate-form" data-testid="translate-form" noValidate onSubmit={onSubmit} aria-labelledby="translate-form-title">
      <h2 id="translate-form-title">Translate a document</h2>
      <p class="muted small">
        Translates plain text or Markdown with a model you trained; paragraphs, headings, lists, code and links keep their place, and words the
        model does not know pass through unchanged.
      </p>
      {models.length === 0 ? (
        <p class="alert" data-testid="no-models">
          You have no trained model yet: train one first (“Train a translation model”, phrase-based or word model).
        </p>
      ) : (
        <div class="field">
          <label for="translate-model">Model</label>
          <select id="translate-model" data-testid="translate-model" value={chosen} onChange={(e) => setModel(e.currentTarget.value)}>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {modelLabel(m)}
              </option>
            ))}
          </select>
        </div>
      )}
      <div class="field">
        <label for="translate-file">Upload a document (.txt or .md, UTF-8)</label>
        <input id="translate-file" data-testid="translate-file" type="file" accept=".txt,.md,.markdown,text/plain,text/markdown" onChange={onFile} />
        {fileError && (
          <p class="field-error" role="alert" data-testid="translate-file-error">
            {fileError}
          </p>
        )}
      </div>
      <div class={docError ? 'field field-invalid' : 'field'}>
        <label for="translate-document">Document</label>
        <textarea
          id="translate-document"
          data-testid="translate-document"
          rows={8}
          value={document}
          aria-invalid={docError ? true : undefined}
          onInput={(e) => setDocument(e.currentTarget.value)}
        />
        {docError && <p class="field-error">{docError}</p>}
      </div>
      <fieldset class="field">
        <legend>Format</legend>
        {(['markdown', 'text'] as const).map((f) => (
          <label key={f} class="inline-choice">
            <input type="radio" name="translate-format" value={f} data-testid={`translate-format-${f}`} checked={format === f} onChange={() => setFormat(f)} />
            {f === 'markdown' ? 'Markdown' : 'Plain text'}
          </label>
        ))}
      </fieldset>
      {formError && (
        <p class="alert alert-error" data-testid="form-error" role="alert">
          {formError}
        </p>
      )}
      <QuotePanel state={quote} invalid={request === undefined} />
      <div class="form-actions">
        <button type="submit" class="button button-start" data-testid="submit-translate" disabled={busy || !request} aria-busy={busy}>
          {busy ? 'Submitting…' : 'Translate'}
        </button>
      </div>
    </form>
  );
}
