/**
 * @module The phrase-based training form (`phrase-train`): the languages and the corpus
 * (shared with the word model's form), an optional development set — without one the last
 * `devPairs` pairs of the corpus are held out for tuning — and the stage settings, each with
 * the bounds the server's schema enforces. The whole form is checked in the browser with
 * `PhraseTrainParamsSchema` and `readCorpus` (phrase-fields.ts): messages appear by the inputs
 * already touched as the customer types, and on submit every invalid input is marked at once
 * and the first is focused. The quote follows the form once it is valid.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import type { ApiClient } from '../../../shared/api/client.ts';
import type { Job } from '../../../shared/api/schemas.ts';
import { PHRASE_DEV_PAIRS_MAX } from '../../../shared/jobs/phrase-train.ts';
import { describeError, problemOf } from '../../lib/errors.ts';
import { QuotePanel } from '../customer/quote-panel.tsx';
import { useQuote } from '../customer/use-quote.ts';
import { CorpusInput } from './corpus-input.tsx';
import { corpusSummary, corpusTextOf, emptyCorpusInput, type CorpusInputState } from './corpus-source.ts';
import { LanguageFields } from './language-fields.tsx';
import { PHRASE_SETTINGS, checkPhraseValues, heldOutPairs, phraseDefaultValues, readWhenLanguagesOk, settingBounds, settingHelp, type PhraseSettingName } from './phrase-fields.ts';
import type { SharedTrainingInput } from './training-form.tsx';

type Errors = Record<string, string>;

interface SettingFieldProps {
  name: PhraseSettingName;
  label: string;
  help: string;
  value: string;
  error: string | undefined;
  onInput: (value: string) => void;
}

/** A whole-number input (text, not type=number: no scroll-wheel changes, and our messages) with its error and bounds. */
function SettingField({ name, label, help, value, error, onInput }: SettingFieldProps) {
  const id = `phrase-${name}`;
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label for={id}>{label}</label>
      <input
        id={id}
        name={name}
        data-testid={id}
        type="text"
        inputMode="numeric"
        autoComplete="off"
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error ${id}-help` : `${id}-help`}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      {error && (
        <p id={`${id}-error`} class="field-error" data-testid={`field-error-${name}`}>
          {error}
        </p>
      )}
      <p id={`${id}-help`} class="help">
        {settingHelp(name, help)}
      </p>
    </div>
  );
}

/** Sorts a problem's `errors` (paths like `params.lmOrder`, `params.corpus.tsv`) by input. */
function serverErrors(list: readonly { path: string; message: string }[]): Errors {
  const errors: Errors = {};
  for (const e of list) errors[e.path.replace(/^params\.?/, '').split('.')[0] || 'form'] ??= e.message;
  return errors;
}

export function PhraseTrainingForm({ api, onSubmitted, corpus, onCorpus, langs, onLangs, chooser }: { api: ApiClient; onSubmitted: (job: Job) => void } & SharedTrainingInput) {
  const [dev, setDev] = useState<CorpusInputState>(() => emptyCorpusInput('none'));
  const [settings, setSettings] = useState(() => phraseDefaultValues().settings);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [shown, setShown] = useState<Errors>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const { srcLang, tgtLang } = langs;

  // The server's own corpus reader, once per change of a corpus or the languages (tokenising a large corpus takes a moment).
  const corpusText = useMemo(() => corpusTextOf(corpus), [corpus.source, corpus.tsv, corpus.files]);
  const devText = useMemo(() => corpusTextOf(dev), [dev.source, dev.tsv, dev.files]);
  const corpusRead = useMemo(() => readWhenLanguagesOk(corpusText, srcLang, tgtLang), [corpusText, srcLang, tgtLang]);
  const devRead = useMemo(() => readWhenLanguagesOk(devText, srcLang, tgtLang), [devText, srcLang, tgtLang]);
  const check = useMemo(
    () => checkPhraseValues({ values: { srcLang, tgtLang, settings }, corpus, dev, corpusRead, devRead }),
    [srcLang, tgtLang, settings, corpus, dev, corpusRead, devRead],
  );
  const live = check.status === 'invalid' ? check.errors : {};
  const errors: Errors = { ...Object.fromEntries(Object.entries(live).filter(([k]) => touched.has(k))), ...shown };
  const quote = useQuote(api, check.status === 'ok' ? { kind: 'phrase-train', params: check.params } : undefined);

  /** Marks `name` touched (its text changed; choosing how a corpus is given does not): its live message shows, and a message shown on submit or by the server goes. */
  function touch(name: string) {
    setTouched((t) => (t.has(name) ? t : new Set(t).add(name)));
    setShown(({ [name]: _gone, ...rest }) => rest);
    setFormError(undefined);
  }

  function showErrors(next: Errors) {
    setShown(next);
    const first = Object.keys(next)[0];
    if (first) form.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
  }

  async function onSubmit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    setFormError(undefined);
    if (check.status === 'invalid') {
      if (check.errors.form) setFormError(check.errors.form);
      return showErrors(check.errors);
    }
    setBusy(true);
    try {
      onSubmitted(await api.createJob({ kind: 'phrase-train', params: check.params }));
    } catch (err) {
      const problem = problemOf(err);
      if (problem?.errors?.length) {
        const fields = serverErrors(problem.errors);
        if (fields.form) setFormError(`${problem.title}: ${fields.form}`);
        showErrors(fields);
      } else {
        setFormError(`The job was not submitted. ${problem ? `${problem.title}${problem.detail ? `: ${problem.detail}` : ''}` : describeError(err)}`);
      }
    } finally {
      setBusy(false);
    }
  }

  const devPairs = Number(settings.devPairs) || settingBounds('devPairs').default;
  const held = corpusRead?.status === 'ok' && dev.source === 'none' ? heldOutPairs(corpusRead.corpus.pairs, devPairs) : undefined;
  const setSetting = (name: PhraseSettingName) => (value: string) => {
    setSettings((s) => ({ ...s, [name]: value }));
    touch(name);
  };
  const devSetting = { name: 'devPairs' as const, label: 'Pairs held out for tuning', help: 'Taken from the end of the corpus, at most half of it.' };

  return (
    <form ref={form} class="card job-form training-form" data-testid="training-form" data-kind="phrase-train" noValidate onSubmit={onSubmit} aria-labelledby="training-form-title">
      <h2 id="training-form-title">Train a translation model</h2>
      {chooser}
      <p class="muted small">
        A phrase-based translation system trained on volunteers' machines in stages: word alignment by expectation-maximisation in both
        directions, the Viterbi alignments from which phrase pairs and a language model are built, then tuning rounds that decode a development set
        and choose the model's weights by minimum error rate training.
      </p>
      <div class="field-grid">
        <LanguageFields
          value={langs}
          errors={errors}
          onChange={(next) => {
            onLangs(next);
            touch(next.srcLang !== srcLang ? 'srcLang' : 'tgtLang');
          }}
        />
      </div>
      <CorpusInput
        prefix="train"
        legend="Corpus"
        name="corpus"
        choices={['tsv', 'two']}
        state={corpus}
        onChange={(update) => (onCorpus(update), update(corpus).source === corpus.source && touch('corpus'))}
        error={errors.corpus}
        summary={
          corpusRead?.status === 'ok'
            ? `${corpusSummary(corpusRead)}${held !== undefined && held > 0 ? ` The last ${held} are held out for tuning; ${corpusRead.corpus.pairs - held} train the model.` : ''}`
            : undefined
        }
      />
      <CorpusInput
        prefix="dev"
        legend="Development set (optional)"
        name="dev"
        choices={['none', 'tsv', 'two']}
        noneLabel="None: hold out the end of the corpus"
        state={dev}
        onChange={(update) => (setDev(update), update(dev).source === dev.source && touch('dev'))}
        error={errors.dev}
        summary={devRead?.status === 'ok' && dev.source !== 'none' ? corpusSummary(devRead) : undefined}
        help={
          dev.source === 'none'
            ? `Without a development set, the last ${devPairs} sentence pairs of the corpus (“Pairs held out for tuning”, default ${settingBounds('devPairs').default}, at most half the corpus) are held out to tune the weights and are not trained on.`
            : `Sentence pairs the corpus does not contain, in the same languages, at most ${PHRASE_DEV_PAIRS_MAX}; the tuning rounds decode them and compare with their translations.`
        }
      />
      <div class="field-grid">
        {dev.source === 'none' && <SettingField {...devSetting} value={settings.devPairs} error={errors.devPairs} onInput={setSetting('devPairs')} />}
        {PHRASE_SETTINGS.map((s) => (
          <SettingField key={s.name} name={s.name} label={s.label} help={s.help} value={settings[s.name]} error={errors[s.name]} onInput={setSetting(s.name)} />
        ))}
      </div>
      {formError && (
        <p class="alert alert-error" data-testid="form-error" role="alert">
          {formError}
        </p>
      )}
      {Object.keys(shown).length > 0 && (
        <p class="field-error" role="alert" data-testid="form-invalid">
          {Object.keys(shown).length === 1 ? 'One field needs' : `${Object.keys(shown).length} fields need`} fixing: see the marked fields.
        </p>
      )}
      <QuotePanel state={quote} invalid={check.status !== 'ok'} />
      <div class="form-actions">
        <button type="submit" class="button button-start" data-testid="submit-training" disabled={busy} aria-busy={busy}>
          {busy ? 'Submitting…' : 'Train'}
        </button>
      </div>
    </form>
  );
}
