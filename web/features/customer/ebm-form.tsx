/**
 * @module The energy-balance-model ensemble builder: what to compute, how to sample the
 * parameter ranges (Latin hypercube with a seed, or a grid), each physical parameter as a
 * value or a range, and the numerics. Values are checked in the browser with the schema the
 * server uses; messages, the browser's or the server's (problem+json `errors`), appear next
 * to their inputs. The quote and ETA follow the form.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import type { ApiClient } from '../../../shared/api/client.ts';
import type { Job } from '../../../shared/api/schemas.ts';
import { EBM_PARAM_INFO } from '../../../shared/jobs/ebm.ts';
import { EBM_MEMBER_PARAMS, type EbmMemberParam } from '../../../shared/kernels/ebm.codec.ts';
import { EBM_MEMBERS_MAX } from '../../../shared/limits.ts';
import { describeError, problemOf } from '../../lib/errors.ts';
import { EBM_SETTINGS, checkEbmValues, ebmDefaultValues, ebmServerErrors, membersOf, type EbmFieldErrors, type EbmFormValues } from './ebm-fields.ts';
import { QuotePanel } from './quote-panel.tsx';
import { useQuote } from './use-quote.ts';

const PARAM_HELP: Record<EbmMemberParam, string> = {
  a: 'Outgoing long-wave radiation is A + B·T.',
  b: 'The climate feedback: a smaller B means a more sensitive climate.',
  d: 'How strongly the atmosphere and ocean carry heat poleward.',
  solar: 'Total sunlight at the top of the atmosphere; the mean is S0/4.',
  albedoWarm: 'Fraction of sunlight reflected where there is no ice.',
  albedoIce: 'Fraction of sunlight reflected by ice.',
  tFreeze: 'Below this the surface is ice.',
  forcing: 'Extra forcing in every run (the sensitivity run adds its own on top).',
  tInit: 'Every run starts at this uniform temperature; a cold start may stay frozen.',
};

interface TextFieldProps {
  name: string;
  label: string;
  value: string;
  error: string | undefined;
  help?: string;
  onInput: (value: string) => void;
}

/** A text input (not type=number: no scroll-wheel changes, and our messages) with its error and help. */
function TextField({ name, label, value, error, help, onInput }: TextFieldProps) {
  const id = `ebm-${name.replaceAll('.', '-')}`;
  const described = [error ? `${id}-error` : '', help ? `${id}-help` : ''].filter(Boolean).join(' ');
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label for={id}>{label}</label>
      <input
        id={id}
        name={name}
        type="text"
        autoComplete="off"
        spellcheck={false}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      {error && (
        <p id={`${id}-error`} class="field-error" data-testid={`field-error-${name}`}>
          {error}
        </p>
      )}
      {help && (
        <p id={`${id}-help`} class="help">
          {help}
        </p>
      )}
    </div>
  );
}

export function EbmForm({ api, onSubmitted }: { api: ApiClient; onSubmitted: (job: Job) => void }) {
  const [values, setValues] = useState<EbmFormValues>(ebmDefaultValues);
  const [shown, setShown] = useState<EbmFieldErrors>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const check = useMemo(() => checkEbmValues(values), [values]);
  // Messages appear as the customer types, for the inputs already touched, and all on submit.
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const live = check.status === 'invalid' ? check.errors : {};
  const errors: EbmFieldErrors = { ...Object.fromEntries(Object.entries(live).filter(([k]) => touched.has(k))), ...shown };
  const quote = useQuote(api, check.status === 'ok' ? { kind: 'ebm', params: check.request } : undefined);
  const members = membersOf(check);

  function change(name: string, update: (v: EbmFormValues) => EbmFormValues) {
    setValues(update);
    setTouched((t) => new Set(t).add(name));
    setShown(({ [name]: _gone, ...rest }) => rest);
    setFormError(undefined);
  }
  const setParam = (name: EbmMemberParam, key: 'value' | 'min' | 'max', path: string) => (text: string) =>
    change(path, (v) => ({ ...v, params: { ...v.params, [name]: { ...v.params[name], [key]: text } } }));

  function showErrors(next: EbmFieldErrors) {
    setShown(next);
    const first = Object.keys(next)[0];
    if (first) form.current?.querySelector<HTMLInputElement>(`[name="${first}"]`)?.focus();
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
      onSubmitted(await api.createJob({ kind: 'ebm', params: check.request } as never));
    } catch (err) {
      const problem = problemOf(err);
      if (problem?.errors?.length) {
        const fields = ebmServerErrors(problem.errors);
        if (fields.form) setFormError(`${problem.title}: ${fields.form}`);
        showErrors(fields);
      } else {
        setFormError(`The job was not submitted. ${describeError(err)}`);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={form} class="card job-form ebm-form" data-testid="ebm-form" noValidate onSubmit={onSubmit} aria-labelledby="ebm-form-title">
      <h2 id="ebm-form-title">New energy-balance-model ensemble</h2>
      <p class="muted small">
        Each member is a one-dimensional climate (North 1975) with its own physics, run to equilibrium on a volunteer’s computer. You get the
        distribution of global temperature, ice-edge latitude and climate sensitivity, and the temperature profiles.
      </p>

      <fieldset>
        <legend>What to compute</legend>
        <label class="check">
          <input type="radio" name="mode" checked={values.mode === 'sensitivity'} onChange={() => change('mode', (v) => ({ ...v, mode: 'sensitivity' }))} /> Climate
          sensitivity: every member with and without the sensitivity forcing
        </label>
        <label class="check">
          <input type="radio" name="mode" checked={values.mode === 'equilibrium'} onChange={() => change('mode', (v) => ({ ...v, mode: 'equilibrium' }))} /> Equilibrium
          climate only
        </label>
        <label class="check">
          <input type="checkbox" name="iceFeedback" checked={values.iceFeedback} onChange={(e) => change('iceFeedback', (v) => ({ ...v, iceFeedback: e.currentTarget.checked }))} />{' '}
          Ice-albedo feedback (several equilibria possible)
        </label>
        <label class="check">
          <input type="checkbox" name="profiles" checked={values.profiles} onChange={(e) => change('profiles', (v) => ({ ...v, profiles: e.currentTarget.checked }))} /> Keep
          temperature profiles
        </label>
      </fieldset>

      <fieldset>
        <legend>Sampling of the ranges</legend>
        <label class="check">
          <input type="radio" name="method" data-testid="sampling-lhs" checked={values.method === 'lhs'} onChange={() => change('method', (v) => ({ ...v, method: 'lhs' }))} /> Latin
          hypercube
        </label>
        <label class="check">
          <input type="radio" name="method" data-testid="sampling-grid" checked={values.method === 'grid'} onChange={() => change('method', (v) => ({ ...v, method: 'grid' }))} /> Grid
          (every combination)
        </label>
        <div class="field-grid">
          {values.method === 'lhs' ? (
            <>
              <TextField name="sampling.members" label="Members" value={values.members} error={errors['sampling.members']} help={`At most ${EBM_MEMBERS_MAX}.`} onInput={(t) => change('sampling.members', (v) => ({ ...v, members: t }))} />
              <TextField name="sampling.seed" label="Seed" value={values.seed} error={errors['sampling.seed']} help="The same seed gives the same members." onInput={(t) => change('sampling.seed', (v) => ({ ...v, seed: t }))} />
            </>
          ) : (
            <TextField name="sampling.levels" label="Levels per range" value={values.levels} error={errors['sampling.levels']} help="Evenly spaced values of each range, ends included." onInput={(t) => change('sampling.levels', (v) => ({ ...v, levels: t }))} />
          )}
        </div>
        <p class="small" data-testid="member-count">
          {members === undefined ? 'Members: fix the marked fields.' : `${members} members${values.mode === 'sensitivity' ? `, ${2 * members} runs` : ''}.`}
        </p>
      </fieldset>

      <fieldset>
        <legend>Physics: a value, or a range to sample</legend>
        <div class="param-rows">
          {EBM_MEMBER_PARAMS.map((name) => {
            const info = EBM_PARAM_INFO[name];
            const p = values.params[name];
            const unit = info.unit ? `, ${info.unit}` : '';
            return (
              <div class="param-row" key={name} data-testid={`param-${name}`}>
                <div class="param-name">
                  <strong>
                    {info.label}
                    {unit}
                  </strong>
                  <span class="help">
                    {PARAM_HELP[name]} Allowed {info.min} to {info.max}.
                  </span>
                  <label class="check small">
                    <input
                      type="checkbox"
                      name={`range-${name}`}
                      data-testid={`range-toggle-${name}`}
                      checked={p.ranged}
                      onChange={(e) => {
                        const ranged = e.currentTarget.checked;
                        change(`ranges.${name}.min`, (v) => ({ ...v, params: { ...v.params, [name]: { ...v.params[name], ranged } } }));
                      }}
                    />{' '}
                    Sample a range
                  </label>
                </div>
                {p.ranged ? (
                  <div class="param-inputs">
                    <TextField name={`ranges.${name}.min`} label="From" value={p.min} error={errors[`ranges.${name}.min`]} onInput={setParam(name, 'min', `ranges.${name}.min`)} />
                    <TextField name={`ranges.${name}.max`} label="To" value={p.max} error={errors[`ranges.${name}.max`]} onInput={setParam(name, 'max', `ranges.${name}.max`)} />
                  </div>
                ) : (
                  <div class="param-inputs">
                    <TextField name={`parameters.${name}`} label="Value" value={p.value} error={errors[`parameters.${name}`]} onInput={setParam(name, 'value', `parameters.${name}`)} />
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </fieldset>

      <details class="numerics" open={EBM_SETTINGS.some((s) => errors[s.name])}>
        <summary>Numerics and units of work</summary>
        <div class="field-grid">
          {EBM_SETTINGS.map((s) => (
            <TextField key={s.name} name={s.name} label={s.label} value={values.settings[s.name]} error={errors[s.name]} help={s.help} onInput={(t) => change(s.name, (v) => ({ ...v, settings: { ...v.settings, [s.name]: t } }))} />
          ))}
        </div>
      </details>

      <QuotePanel state={quote} invalid={check.status === 'invalid'} />
      {formError && (
        <p class="alert alert-error" data-testid="form-error" role="alert">
          {formError}
        </p>
      )}
      <div class="form-actions">
        <button type="submit" class="button button-start" data-testid="submit-ebm" disabled={busy} aria-busy={busy}>
          {busy ? 'Submitting…' : 'Submit job'}
        </button>
        <button
          type="button"
          class="button button-quiet"
          onClick={() => {
            setValues(ebmDefaultValues());
            setShown({});
            setTouched(new Set());
            setFormError(undefined);
          }}
        >
          Reset to defaults
        </button>
      </div>
    </form>
  );
}
