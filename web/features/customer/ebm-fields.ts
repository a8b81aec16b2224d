/**
 * @module The EBM job form's model: its text and choice values, the job description they
 * make, and the field-level messages of `EbmParamsSchema` (the server's own schema), keyed
 * by the schema path that names an input (`ranges.b.max`, `sampling.members` …). Defaults
 * come from the schema itself, never restated.
 */
import type { z } from 'zod';
import { EBM_DEFAULT_RANGES, EBM_PARAM_INFO, EbmParamsSchema, EbmSamplingSchema, ebmMembersCount, type EbmParams } from '../../../shared/jobs/ebm.ts';
import { EBM_MEMBER_PARAMS, type EbmMemberParam } from '../../../shared/kernels/ebm.codec.ts';

export const EBM_DEFAULTS: EbmParams = EbmParamsSchema.parse({});
const LHS_DEFAULTS = EbmSamplingSchema.parse({ method: 'lhs' }) as { members: number; seed: number };
const GRID_DEFAULTS = EbmSamplingSchema.parse({ method: 'grid' }) as { levels: number };

/** One member parameter in the form: a value, or a range to sample. */
export interface ParamValues {
  ranged: boolean;
  value: string;
  min: string;
  max: string;
}

/** The numeric settings the form shows as text inputs, with their help. */
export const EBM_SETTINGS = [
  { name: 'membersPerUnit', label: 'Members per unit', help: 'Parameter vectors one volunteer runs in one unit of work.', integer: true },
  { name: 'cells', label: 'Grid cells', help: 'Cells from the equator to the pole, even in sin(latitude).', integer: true },
  { name: 'maxSteps', label: 'Steps at most', help: 'Time steps a member may take to reach equilibrium; the price pays for all of them.', integer: true },
  { name: 'dt', label: 'Time step (years)', help: 'Larger steps reach equilibrium in fewer steps.', integer: false },
  { name: 'tolerance', label: 'Equilibrium tolerance (W m⁻²)', help: 'A member is in equilibrium when |C dT/dt| is below this everywhere.', integer: false },
  { name: 'sensitivityForcing', label: 'Sensitivity forcing (W m⁻²)', help: 'Added for the second run of each member; 3.7 is doubled CO₂.', integer: false },
  { name: 'heatCapacity', label: 'Heat capacity (W yr m⁻² K⁻¹)', help: 'Of the ocean mixed layer; it sets the pace, not the equilibrium.', integer: false },
  { name: 's2', label: 'Insolation P₂ coefficient', help: 'Sunlight s(x) = 1 + s₂·P₂(x) (North 1975: −0.482).', integer: false },
  { name: 'albedoP2', label: 'Albedo P₂ coefficient', help: 'Ice-free albedo grows toward the poles by a₂·P₂(x).', integer: false },
  { name: 'rampWidth', label: 'Albedo ramp half-width (K)', help: 'The albedo changes linearly within this of the freezing point; 0 is a step.', integer: false },
] as const;
export type SettingName = (typeof EBM_SETTINGS)[number]['name'];

export interface EbmFormValues {
  mode: 'sensitivity' | 'equilibrium';
  iceFeedback: boolean;
  profiles: boolean;
  method: 'lhs' | 'grid';
  members: string;
  seed: string;
  levels: string;
  settings: Record<SettingName, string>;
  params: Record<EbmMemberParam, ParamValues>;
}

/** Messages by input name (a schema path inside `params`). */
export type EbmFieldErrors = Record<string, string>;

export function ebmDefaultValues(): EbmFormValues {
  const settings = {} as Record<SettingName, string>;
  for (const s of EBM_SETTINGS) settings[s.name] = String(EBM_DEFAULTS[s.name]);
  const params = {} as Record<EbmMemberParam, ParamValues>;
  for (const name of EBM_MEMBER_PARAMS) {
    const range = (EBM_DEFAULT_RANGES as Partial<Record<EbmMemberParam, { min: number; max: number }>>)[name];
    params[name] = { ranged: range !== undefined, value: String(EBM_PARAM_INFO[name].value), min: String(range?.min ?? ''), max: String(range?.max ?? '') };
  }
  return {
    mode: EBM_DEFAULTS.mode,
    iceFeedback: EBM_DEFAULTS.iceFeedback,
    profiles: EBM_DEFAULTS.profiles,
    method: 'lhs',
    members: String(LHS_DEFAULTS.members),
    seed: String(LHS_DEFAULTS.seed),
    levels: String(GRID_DEFAULTS.levels),
    settings,
    params,
  };
}

/** Text to number; an empty field means "the default" (undefined, filled by the schema). */
function toNumber(text: string): number | undefined {
  const t = text.trim();
  return t === '' ? undefined : Number(t);
}

/** The `params` object of the job description the form describes (not yet validated). */
export function ebmRequestParams(v: EbmFormValues): Record<string, unknown> {
  const parameters: Record<string, number | undefined> = {};
  const ranges: Record<string, { min: number | undefined; max: number | undefined }> = {};
  for (const name of EBM_MEMBER_PARAMS) {
    const p = v.params[name];
    if (p.ranged) ranges[name] = { min: toNumber(p.min), max: toNumber(p.max) };
    else parameters[name] = toNumber(p.value);
  }
  const settings: Record<string, number | undefined> = {};
  for (const s of EBM_SETTINGS) settings[s.name] = toNumber(v.settings[s.name]);
  const sampling = v.method === 'lhs' ? { method: 'lhs', members: toNumber(v.members), seed: toNumber(v.seed) } : { method: 'grid', levels: toNumber(v.levels) };
  return { mode: v.mode, iceFeedback: v.iceFeedback, profiles: v.profiles, ...settings, parameters, ranges, sampling };
}

/** A field-level message in plain words: zod's own wording for bounds, the schema's message otherwise. */
export function issueMessage(issue: z.core.$ZodIssue): string {
  const m = issue.message;
  if (issue.code === 'too_small' && m.startsWith('Too small')) return `Must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}.`;
  if (issue.code === 'too_big' && m.startsWith('Too big')) return `Must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}.`;
  if (issue.code === 'invalid_type') return /received undefined$/.test(m) ? 'Required.' : issue.expected === 'int' ? 'Must be a whole number.' : 'Must be a number.';
  return m ? `${m.charAt(0).toUpperCase()}${m.slice(1)}${/[.!?]$/.test(m) ? '' : '.'}` : 'Invalid value.';
}

export type EbmFormCheck = { status: 'ok'; params: EbmParams; request: Record<string, unknown> } | { status: 'invalid'; errors: EbmFieldErrors };

/** Validates the form with the server's schema; messages are keyed by input name. */
export function checkEbmValues(v: EbmFormValues): EbmFormCheck {
  const request = ebmRequestParams(v);
  const parsed = EbmParamsSchema.safeParse(request);
  if (parsed.success) return { status: 'ok', params: parsed.data, request };
  const errors: EbmFieldErrors = {};
  for (const issue of parsed.error.issues) errors[issue.path.join('.') || 'form'] ??= issueMessage(issue);
  return { status: 'invalid', errors };
}

/** Sorts a problem's `errors` (paths like `params.ranges.b.max`) by input name. */
export function ebmServerErrors(list: readonly { path: string; message: string }[]): EbmFieldErrors {
  const errors: EbmFieldErrors = {};
  for (const e of list) errors[e.path.replace(/^params\.?/, '') || 'form'] ??= e.message;
  return errors;
}

/** Parameter vectors the form would sample, or undefined while the numbers are not valid. */
export function membersOf(check: EbmFormCheck): number | undefined {
  return check.status === 'ok' ? ebmMembersCount(check.params) : undefined;
}
