/**
 * @module The Lorenz-96 ensemble job form. Values are checked in the browser with the same
 * schema the server uses; messages, the browser's or the server's (problem+json `errors`),
 * appear next to their fields.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import type { ApiClient } from '../../../shared/api/client.ts';
import type { Job } from '../../../shared/api/schemas.ts';
import { describeError, problemOf } from '../../lib/errors.ts';
import {
  L96_DEFAULTS,
  L96_FIELDS,
  checkValues,
  defaultValues,
  splitServerErrors,
  type FieldErrors,
  type FieldSpec,
  type FieldValues,
  type L96Field,
} from './l96-fields.ts';
import { QuotePanel } from './quote-panel.tsx';
import { useQuote } from './use-quote.ts';

export function JobForm({ api, onSubmitted }: { api: ApiClient; onSubmitted: (job: Job) => void }) {
  const [values, setValues] = useState<FieldValues>(defaultValues);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const current = useMemo(() => checkValues(values), [values]);
  const quote = useQuote(api, current.status === 'ok' ? { kind: 'lorenz96', params: current.params } : undefined);

  function showFieldErrors(next: FieldErrors) {
    setErrors(next);
    const first = L96_FIELDS.find((f) => next[f.name]);
    // Take the visitor to the first thing to fix, as a screen reader user needs.
    if (first) form.current?.querySelector<HTMLInputElement>(`[name="${first.name}"]`)?.focus();
  }

  async function onSubmit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    setFormError(undefined);
    const check = current;
    if (check.status === 'invalid') return showFieldErrors(check.errors);
    setErrors({});
    setBusy(true);
    try {
      onSubmitted(await api.createJob({ kind: 'lorenz96', params: check.params }));
    } catch (err) {
      const problem = problemOf(err);
      if (problem?.errors?.length) {
        const { fields, other } = splitServerErrors(problem.errors);
        showFieldErrors(fields);
        if (other.length) setFormError(`${problem.title}: ${other.join('; ')}`);
      } else {
        setFormError(`The job was not submitted. ${describeError(err)}`);
      }
    } finally {
      setBusy(false);
    }
  }

  function onFieldInput(name: L96Field, value: string) {
    setValues((v) => ({ ...v, [name]: value }));
    if (errors[name]) setErrors(({ [name]: _gone, ...rest }) => rest);
  }

  return (
    <form ref={form} class="card job-form" data-testid="job-form" noValidate onSubmit={onSubmit} aria-labelledby="job-form-title">
      <h2 id="job-form-title">New Lorenz-96 ensemble</h2>
      <p class="muted small">
        Integrates an ensemble of perturbed Lorenz-96 runs; you get the ensemble mean and spread at every snapshot, and the
        probability of an event over lead time. Empty fields take their default.
      </p>
      <div class="field-grid">
        {L96_FIELDS.map((f) => (
          <NumberField key={f.name} spec={f} value={values[f.name]} error={errors[f.name]} onInput={onFieldInput} />
        ))}
      </div>
      {formError && (
        <p class="alert alert-error" data-testid="form-error" role="alert">
          {formError}
        </p>
      )}
      <QuotePanel state={quote} invalid={current.status === 'invalid'} />
      <div class="form-actions">
        <button type="submit" class="button button-start" data-testid="submit-job" disabled={busy} aria-busy={busy}>
          {busy ? 'Submitting…' : 'Submit job'}
        </button>
        <button
          type="button"
          class="button button-quiet"
          onClick={() => {
            setValues(defaultValues());
            setErrors({});
            setFormError(undefined);
          }}
        >
          Reset to defaults
        </button>
      </div>
    </form>
  );
}

interface NumberFieldProps {
  spec: FieldSpec;
  value: string;
  error: string | undefined;
  onInput: (name: L96Field, value: string) => void;
}

function NumberField({ spec, value, error, onInput }: NumberFieldProps) {
  const id = `l96-${spec.name}`;
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label for={id}>{spec.label}</label>
      {/* A text input, not type=number: no scroll-wheel changes, and our messages, not the browser's. */}
      <input
        id={id}
        name={spec.name}
        type="text"
        inputMode={spec.integer ? 'numeric' : undefined}
        autoComplete="off"
        spellcheck={false}
        placeholder={String(L96_DEFAULTS[spec.name])}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error ${id}-help` : `${id}-help`}
        onInput={(e) => onInput(spec.name, e.currentTarget.value)}
      />
      {error && (
        <p id={`${id}-error`} class="field-error" data-testid={`field-error-${spec.name}`}>
          {error}
        </p>
      )}
      <p id={`${id}-help`} class="help">
        {spec.help} Default {String(L96_DEFAULTS[spec.name])}.
      </p>
    </div>
  );
}
