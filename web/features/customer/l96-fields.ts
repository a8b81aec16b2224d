/**
 * @module The Lorenz-96 job form's fields: labels and help for every parameter of
 * `L96ParamsSchema`, its defaults (taken from the schema itself, never restated), and the
 * mapping of validation issues, the browser's and the server's, to fields.
 */
import type { z } from 'zod';
import { L96ParamsSchema, type L96Params } from '../../../shared/jobs/lorenz96.ts';

export type L96Field = keyof L96Params;

export interface FieldSpec {
  name: L96Field;
  label: string;
  help: string;
  integer: boolean;
}

export const L96_FIELDS: readonly FieldSpec[] = [
  { name: 'n', label: 'Variables (N)', help: 'Grid points around the latitude circle.', integer: true },
  { name: 'forcing', label: 'Forcing (F)', help: 'Constant forcing; 8 gives the classic chaotic regime.', integer: false },
  { name: 'dt', label: 'Time step (dt)', help: 'Integration step, in model time units; above 0 and at most 0.1.', integer: false },
  { name: 'steps', label: 'Steps', help: 'Integration steps per member; lead time is steps × dt.', integer: true },
  { name: 'snapEvery', label: 'Snapshot every', help: 'Steps between kept snapshots; must divide Steps.', integer: true },
  { name: 'members', label: 'Members', help: 'Ensemble size: how many perturbed runs.', integer: true },
  { name: 'membersPerUnit', label: 'Members per unit', help: 'Members one volunteer integrates in one unit of work.', integer: true },
  { name: 'perturbation', label: 'Perturbation', help: 'Amplitude of the random initial perturbation of each variable.', integer: false },
  { name: 'seed', label: 'Seed', help: 'Random seed of the perturbations; the same seed gives the same ensemble.', integer: true },
  { name: 'cycles', label: 'Windows', help: 'Consecutive windows of the steps above; each starts from the previous window’s validated final states.', integer: true },
  { name: 'eventVar', label: 'Event variable', help: 'Which variable (0-based) the event probability is about.', integer: true },
  { name: 'eventThreshold', label: 'Event threshold', help: 'The event: the event variable above this value; its probability is reported over lead time.', integer: false },
];

/** The schema's defaults: parsing an empty object fills every field. */
export const L96_DEFAULTS: L96Params = L96ParamsSchema.parse({});

export type FieldValues = Record<L96Field, string>;
export type FieldErrors = Partial<Record<L96Field, string>>;

export function defaultValues(): FieldValues {
  const values = {} as FieldValues;
  for (const f of L96_FIELDS) values[f.name] = String(L96_DEFAULTS[f.name]);
  return values;
}

const isField = (name: string): name is L96Field => L96_FIELDS.some((f) => f.name === name);

/** Text to number; an empty field means "use the default" (the schema fills it in). */
function toNumber(text: string): number | undefined {
  const t = text.trim();
  return t === '' ? undefined : Number(t);
}

/** A field-level message in plain words, from one zod issue. */
function issueText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      return `Must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}.`;
    case 'too_big':
      return `Must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}.`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'Must be a whole number.' : 'Must be a number.';
    default: {
      const m = issue.message;
      return m ? `${m.charAt(0).toUpperCase()}${m.slice(1)}${/[.!?]$/.test(m) ? '' : '.'}` : 'Invalid value.';
    }
  }
}

export type FormCheck = { status: 'ok'; params: L96Params } | { status: 'invalid'; errors: FieldErrors };

/** Validates the form's text values with the same schema the server uses. */
export function checkValues(values: FieldValues): FormCheck {
  const raw: Record<string, number | undefined> = {};
  for (const f of L96_FIELDS) raw[f.name] = toNumber(values[f.name]);
  const parsed = L96ParamsSchema.safeParse(raw);
  if (parsed.success) return { status: 'ok', params: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const name = String(issue.path[0] ?? '');
    if (isField(name)) errors[name] ??= issueText(issue);
  }
  return { status: 'invalid', errors };
}

/**
 * Sorts a problem's `errors` into fields of this form and the rest. The server may name a
 * field as `params.n`, `/params/n` or `n`: the last segment decides.
 */
export function splitServerErrors(list: readonly { path: string; message: string }[]): { fields: FieldErrors; other: string[] } {
  const fields: FieldErrors = {};
  const other: string[] = [];
  for (const e of list) {
    const last = e.path.split(/[./]/).filter(Boolean).pop() ?? '';
    if (isField(last)) fields[last] ??= e.message;
    else other.push(e.path ? `${e.path}: ${e.message}` : e.message);
  }
  return { fields, other };
}
