/**
 * @module A parallel-corpus input, shared by the training forms: a TSV (source TAB target per
 * line) uploaded or pasted, or two files aligned by line, or — where the corpus is optional,
 * as a development set is — none. Files are read as strict UTF-8 and at most
 * IBM1_CORPUS_BYTES_MAX bytes (a file that is not is refused here, before any request). The
 * form checks the texts (corpus-source.ts gives it the `CorpusText`) and passes back the
 * message to show; the message is tied to the inputs by aria-describedby, and the main
 * input carries `name` so a form can focus it.
 */
import type { ComponentChildren, JSX } from 'preact';
import { IBM1_CORPUS_BYTES_MAX } from '../../../shared/limits.ts';
import { readUtf8File } from '../../lib/text-file.ts';
import type { CorpusInputState, CorpusSource } from './corpus-source.ts';

/** Characters the paste box shows; a longer text (an uploaded file) is summarised instead of rendered. */
const TEXTAREA_SHOWN_CHARS_MAX = 200_000;

const CHOICE_LABELS: Record<CorpusSource, string> = {
  none: 'None',
  tsv: 'One TSV (source TAB target per line)',
  two: 'Two files aligned by line',
};

export interface CorpusInputProps {
  /** Prefix of the ids and test ids (`train` gives `train-tsv`, `train-source-file` …). */
  prefix: string;
  legend: string;
  /** The input's name for errors and focus (the schema path: `corpus`, `dev`). */
  name: string;
  choices: readonly CorpusSource[];
  /** Label of the `none` choice, when offered. */
  noneLabel?: string;
  state: CorpusInputState;
  onChange: (update: (s: CorpusInputState) => CorpusInputState) => void;
  error?: string;
  /** Announce the error as it appears (a form that checks as the customer types). */
  live?: boolean;
  summary?: string;
  help?: ComponentChildren;
}

export function CorpusInput({ prefix, legend, name, choices, noneLabel, state, onChange, error, live, summary, help }: CorpusInputProps) {
  const errorId = `${prefix}-corpus-error`;
  const helpId = `${prefix}-corpus-help`;
  const described = [error ? errorId : '', help ? helpId : ''].filter(Boolean).join(' ') || undefined;
  const invalid = error ? true : undefined;
  const fieldClass = error ? 'field field-invalid' : 'field';

  async function onFile(which: 'tsv' | 'source' | 'target', e: JSX.TargetedEvent<HTMLInputElement>) {
    onChange((s) => ({ ...s, fileError: undefined }));
    const file = e.currentTarget.files?.[0];
    if (!file) return;
    const loaded = await readUtf8File(file, IBM1_CORPUS_BYTES_MAX, 'a corpus');
    if (typeof loaded === 'string') return onChange((s) => ({ ...s, fileError: loaded }));
    if (which === 'tsv') onChange((s) => ({ ...s, tsv: loaded.text }));
    else onChange((s) => ({ ...s, files: { ...s.files, [which]: loaded } }));
  }

  const long = state.tsv.length > TEXTAREA_SHOWN_CHARS_MAX;
  return (
    <div class="corpus-input">
      <fieldset class="field">
        <legend>{legend}</legend>
        {choices.map((s) => (
          <label key={s} class="inline-choice">
            <input type="radio" name={`${prefix}-source`} value={s} data-testid={`${prefix}-source-${s}`} checked={state.source === s} onChange={() => onChange((c) => ({ ...c, source: s }))} />
            {s === 'none' && noneLabel ? noneLabel : CHOICE_LABELS[s]}
          </label>
        ))}
      </fieldset>
      {help && (
        <p id={helpId} class="help" data-testid={`${prefix}-corpus-help`}>
          {help}
        </p>
      )}
      {state.source === 'tsv' && (
        <>
          <div class={fieldClass}>
            <label for={`${prefix}-tsv-file`}>Upload a TSV (UTF-8)</label>
            <input
              id={`${prefix}-tsv-file`}
              data-testid={`${prefix}-tsv-file`}
              type="file"
              accept=".tsv,.txt,text/tab-separated-values,text/plain"
              aria-describedby={described}
              onChange={(e) => onFile('tsv', e)}
            />
          </div>
          <div class={fieldClass}>
            <label for={`${prefix}-tsv`}>or paste it</label>
            <textarea
              id={`${prefix}-tsv`}
              name={name}
              data-testid={`${prefix}-tsv`}
              rows={6}
              value={long ? '' : state.tsv}
              placeholder={long ? `${state.tsv.length} characters loaded from a file` : 'das Haus\tthe house'}
              aria-invalid={invalid}
              aria-describedby={described}
              onInput={(e) => {
                const tsv = e.currentTarget.value;
                onChange((s) => ({ ...s, tsv }));
              }}
            />
          </div>
        </>
      )}
      {state.source === 'two' && (
        <div class="field-grid">
          {(['source', 'target'] as const).map((w) => (
            <div class={fieldClass} key={w}>
              <label for={`${prefix}-${w}-file`}>{w === 'source' ? 'Source text' : 'Target text'} (UTF-8, one sentence per line)</label>
              <input
                id={`${prefix}-${w}-file`}
                name={w === 'source' ? name : undefined}
                data-testid={`${prefix}-${w}-file`}
                type="file"
                accept=".txt,text/plain"
                aria-invalid={invalid}
                aria-describedby={described}
                onChange={(e) => onFile(w, e)}
              />
              {state.files[w] && <p class="muted small">{state.files[w]!.name}</p>}
            </div>
          ))}
        </div>
      )}
      {error && (
        <p id={errorId} class="field-error" role={live ? 'alert' : undefined} data-testid={errorId}>
          {error}
        </p>
      )}
      {summary && (
        <p class="muted small" data-testid={`${prefix}-corpus-summary`}>
          {summary}
        </p>
      )}
    </div>
  );
}
