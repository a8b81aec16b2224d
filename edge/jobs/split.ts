/**
 * @module Splitting a job description into its first iteration's units, and what it stores:
 * pure, with no database and no kernel registry, so the edge runs it on its own thread for a
 * small body and in a worker thread for a large one (prep/), with the same bytes either way.
 */
import type { JobKind } from '../../shared/jobs/kinds.ts';
import { CorpusRefusedError, publicIbm1Params } from '../../shared/jobs/ibm1.ts';
import { publicPhraseTrainParams } from '../../shared/jobs/phrase-train.ts';
import type { SplitUnit } from '../../shared/jobs/split.ts';
import { JOB_UNITS_MAX } from '../../shared/limits.ts';
import { JOB_KIND_HANDLERS } from './kinds.ts';
import type { JobAnswer } from './refusals.ts';

/** A job's first units and what every iteration it may run costs (before the quorum and the price). */
export interface JobSplit {
  units: SplitUnit[];
  /** Units over every iteration the job may run (JobKindHandler.unitsQuoted). */
  unitsQuoted: number;
  /** Their points. */
  points: number;
}

/**
 * Splits resolved parameters of `kind` (`context`: what its `resolve` step loaded), or why the
 * job cannot be split: a training corpus its reader refused, or too many units.
 */
export function splitJob(kind: JobKind, params: unknown, context: unknown): JobAnswer<JobSplit> {
  const handler = JOB_KIND_HANDLERS[kind];
  let units: SplitUnit[];
  try {
    units = handler.split(params, context);
  } catch (err) {
    // A training corpus the reader refused, under its own status (shared/jobs/ibm1.ts).
    if (err instanceof CorpusRefusedError) return { status: err.status, detail: err.detail };
    throw err;
  }
  if (units.length > JOB_UNITS_MAX) {
    return {
      status: 'invalid',
      detail: `the job would have ${units.length} units, at most ${JOB_UNITS_MAX}`,
      errors: [{ path: 'params', message: `too many units (${units.length} > ${JOB_UNITS_MAX}); put more members in each unit` }],
    };
  }
  const quoted = handler.unitsQuoted(params, units);
  return { status: 'ok', value: { units, unitsQuoted: quoted.length, points: quoted.reduce((sum, u) => sum + u.costPoints, 0) } };
}

/** A job's parameters as kept: whole in `job_params.params`, and as the API shows them in `jobs.params`. */
export interface StoredParams {
  params: string;
  publicParams: string;
}

/** The JSON a job of `kind` stores for its resolved `params`. */
export function storedParams(kind: JobKind, params: unknown): StoredParams {
  return { params: JSON.stringify(params), publicParams: JSON.stringify(publicParams(kind, params as Record<string, unknown>)) };
}

/** A job's parameters as the API shows them (kept in `jobs.params`): a training job's corpus (megabytes) by its size only. */
function publicParams(kind: string, params: Record<string, unknown>): Record<string, unknown> {
  if (kind === 'ibm1-train') return publicIbm1Params(params);
  if (kind === 'phrase-train') return publicPhraseTrainParams(params);
  if (kind === 'translate') {
    // The plan (template and tokens, up to ~100 KB) is the edge's; the document is in the result.
    const { plan: _plan, document, ...rest } = params;
    const text = typeof document === 'string' ? document : '';
    return { ...rest, document: { characters: text.length, lines: text.split('\n').length } };
  }
  return params;
}
