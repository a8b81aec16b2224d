/**
 * @module The training form: the model type first — phrase-based (`phrase-train`,
 * phrase-training-form.tsx, recommended) or the word model (`ibm1-train`, below) — then that
 * type's fields. Both take a parallel corpus uploaded as a TSV (source TAB target per line)
 * or as two files aligned by line, or pasted as TSV (corpus-input.tsx), and the languages;
 * the corpus and languages stay when the type changes. The word model's corpus is checked in
 * the browser with the same schema and corpus reader the server uses, so its problems (line
 * counts, empty, oversize, a line without its tab, an unknown language) read the same here.
 */
import { useMemo, useState } from 'preact/hooks';
import type { ComponentChildren, JSX } from 'preact';
import type { ApiClient } from '../../../shared/api/client.ts';
import type { Job } from '../../../shared/api/schemas.ts';
import { Ibm1ParamsSchema } from '../../../shared/jobs/ibm1.ts';
import { IBM1_ITERATIONS_MAX } from '../../../shared/limits.ts';
import { readCorpus } from '../../../shared/translation/corpus.ts';
import { describeError, problemOf } from '../../lib/errors.ts';
import { QuotePanel } from '../customer/quote-panel.tsx';
import { useQuote } from '../customer/use-quote.ts';
import { CorpusInput } from './corpus-input.tsx';
import { corpusSummary, corpusTextOf, emptyCorpusInput, type CorpusInputState } from './corpus-source.ts';
import { LanguageFields, type LanguagePair } from './language-fields.tsx';
import { PhraseTrainingForm } from './phrase-training-form.tsx';
import './training.css';

/** The training job kinds the form offers. */
export type TrainingKind = 'phrase-train' | 'ibm1-train';

const MODEL_TYPES: { kind: TrainingKind; label: string; help: string }[] = [
  {
    kind: 'phrase-train',
    label: 'Phrase-based (recommended)',
    help: 'Translates phrases of several words with a language model, its weights tuned on a development set: the better translations.',
  },
  { kind: 'ibm1-train', label: 'Word model (IBM Model 1)', help: 'Translates word by word: quicker to train, rougher translations.' },
];

/** What both model types share, kept when the customer switches between them. */
export interface SharedTrainingInput {
  corpus: CorpusInputState;
  onCorpus: (update: (s: CorpusInputState) => CorpusInputState) => void;
  langs: LanguagePair;
  onLangs: (next: LanguagePair) => void;
  /** The model type choice, shown under the form's title. */
  chooser: ComponentChildren;
}

export function TrainingForm({ api, onSubmitted }: { api: ApiClient; onSubmitted: (job: Job) => void }) {
  const [kind, setKind] = useState<TrainingKind>('phrase-train');
  const [corpus, setCorpus] = useState(() => emptyCorpusInput('tsv'));
  const [langs, setLangs] = useState<LanguagePair>({ srcLang: 'de', tgtLang: 'en' });
  const chooser = (
    <fieldset class="field model-type" data-testid="train-model-type">
      <legend>Model type</legend>
      {MODEL_TYPES.map((t) => (
        <label key={t.kind} class="model-type-choice">
          <input type="radio" name="train-model-type" value={t.kind} data-testid={`train-model-${t.kind}`} checked={kind === t.kind} onChange={() => setKind(t.kind)} />
          <span>
            {t.label}
            <span class="help"> — {t.help}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
  const shared: SharedTrainingInput = { corpus, onCorpus: setCorpus, langs, onLangs: setLangs, chooser };
  return kind === 'phrase-train' ? <PhraseTrainingForm api={api} onSubmitted={onSubmitted} {...shared} /> : <WordTrainingForm api={api} onSubmitted={onSubmitted} {...shared} />;
}

/** The word model (`ibm1-train`): EM bounds, checked as the customer types, submit once valid. */
function WordTrainingForm({ api, onSubmitted, corpus: input, onCorpus, langs, onLangs, chooser }: { api: ApiClient; onSubmitted: (job: Job) => void } & SharedTrainingInput) {
  const { srcLang, tgtLang } = langs;
  const [maxIterations, setMaxIterations] = useState('10');
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const corpus = useMemo(() => corpusTextOf(input), [input.source, input.tsv, input.files]);
  const parsed = corpus ? Ibm1ParamsSchema.safeParse({ srcLang, tgtLang, corpus, maxIterations: Number(maxIterations) }) : undefined;
  // The server's own corpus reader, once per change of corpus or languages (tokenising a large corpus takes a moment).
  const read = useMemo(() => (corpus ? readCorpus(corpus, srcLang, tgtLang) : undefined), [corpus, srcLang, tgtLang]);
  const corpusError = read && read.status !== 'ok' ? read.detail : undefined;
  const paramsError = parsed && !parsed.success ? parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : undefined;
  const request = parsed?.success && read?.status === 'ok' ? { kind: 'ibm1-train' as const, params: parsed.data } : undefined;
  const quote = useQuote(api, request);

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
      <h2 id="training-form-title">Train a translation model</h2>
      {chooser}
      <p class="muted small">
        IBM Model 1, trained by expectation-maximisation on volunteers' machines: each iteration's units are made from the last one's counts, until
        the likelihood stops improving. The model (translation table and target n-grams) then translates documents.
      </p>
      <div class="field-grid">
        <LanguageFields value={langs} onChange={onLangs} />
        <div class="field">
          <label for="train-iterations">Iterations at most (1–{IBM1_ITERATIONS_MAX})</label>
          <input id="train-iterations" data-testid="train-iterations" inputMode="numeric" value={maxIterations} onInput={(e) => setMaxIterations(e.currentTarget.value)} />
        </div>
      </div>
      <CorpusInput
        prefix="train"
        legend="Corpus"
        name="corpus"
        choices={['tsv', 'two']}
        state={input}
        onChange={onCorpus}
        error={input.fileError ?? corpusError ?? paramsError}
        live
        summary={read?.status === 'ok' ? corpusSummary(read) : undefined}
      />
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
