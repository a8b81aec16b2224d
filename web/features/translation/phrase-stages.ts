/**
 * @module The stages of a phrase-based training job (`phrase-train`) as the job page lists
 * them, without the DOM: alignment EM (A iterations, both directions), the Viterbi alignment
 * (after which the edge extracts phrases and estimates the language model), then R tuning
 * rounds; which one runs, and how far it is, from the job's partial result (`stage`, `round`,
 * `membersDone`, `pairs`, as shared/jobs/phrase-train.ts's `partialPhraseTrain` gives it)
 * and its unit counts.
 */
import { PhraseTrainParamsSchema, type trimPhraseTrain } from '../../../shared/jobs/phrase-train.ts';

/** The finished job's result as the job page gets it (the model is in the download). */
export type PhraseFinalDoc = ReturnType<typeof trimPhraseTrain>;

/**
 * The running job's partial result. `iteration` (the job's 0-based iteration) is read when the
 * server sends it; without it the page cannot tell which alignment iteration runs.
 */
export interface PhrasePartialDoc {
  kind: 'phrase-train';
  stage: 'align' | 'viterbi' | 'tuning';
  round?: number;
  iteration?: number;
  membersDone: number;
  pairs: number;
}

/** Whether the document is the final result (it has the tuning history). */
export function isFinalPhraseDoc(doc: PhrasePartialDoc | PhraseFinalDoc): doc is PhraseFinalDoc {
  return Array.isArray((doc as Partial<PhraseFinalDoc>).tuning);
}

/** Iterations of the alignment stage and rounds of tuning. */
export interface PhrasePlan {
  alignIterations: number;
  tuningRounds: number;
}

const planFields = PhraseTrainParamsSchema.pick({ alignIterations: true, tuningRounds: true });

/** The plan of a job from its public parameters; what they leave out is the schema's default. */
export function phrasePlanOf(params: Record<string, unknown>): PhrasePlan {
  const parsed = planFields.safeParse({ alignIterations: params.alignIterations, tuningRounds: params.tuningRounds });
  return parsed.success ? parsed.data : planFields.parse({});
}

/** Where the job is: a running stage, or all done. */
export type PhraseAt = { stage: 'align'; iteration?: number } | { stage: 'viterbi' } | { stage: 'tuning'; round: number } | { stage: 'done' };

/** Where a partial result says the job is. */
export function phraseAtOf(doc: PhrasePartialDoc): PhraseAt {
  if (doc.stage === 'align') return { stage: 'align', iteration: doc.iteration };
  if (doc.stage === 'viterbi') return { stage: 'viterbi' };
  return { stage: 'tuning', round: doc.round ?? 1 };
}

/** One row of the stage list. */
export interface StageRow {
  key: 'align' | 'viterbi' | 'tuning';
  label: string;
  state: 'done' | 'current' | 'stopped' | 'pending';
  /** Progress within the current stage. */
  progress?: { value: number; max: number | undefined; text: string };
}

/** What was done in the current iteration, and the job's unit counts. */
export interface Within {
  membersDone: number;
  pairs: number;
  unitsTotal: number;
  unitsValid: number;
}

/**
 * Units of the iteration that runs: its units are the job's last ones, so they number the
 * total less those valid before it (valid less the `doneHere` of this one). The partial result
 * may be read a moment before the live counts, so never fewer than are done.
 */
export function currentIterationUnits(unitsTotal: number, unitsValid: number, doneHere: number): number {
  return Math.max(doneHere, unitsTotal - (unitsValid - doneHere));
}

const STAGE_ORDER = { align: 0, viterbi: 1, tuning: 2, done: 3 } as const;

/** The stage list: one row per stage (no tuning row when R = 0), the current one with its progress. */
export function phraseStageRows(plan: PhrasePlan, at: PhraseAt, within: Within | undefined, running: boolean): StageRow[] {
  const { alignIterations: A, tuningRounds: R } = plan;
  const here = STAGE_ORDER[at.stage];
  const stateOf = (k: 'align' | 'viterbi' | 'tuning'): StageRow['state'] =>
    STAGE_ORDER[k] < here ? 'done' : STAGE_ORDER[k] > here ? 'pending' : running ? 'current' : 'stopped';
  // Alignment and Viterbi units hold sentence pairs of one direction each: both directions make 2 × pairs.
  const aligned = within && { value: within.membersDone, max: 2 * within.pairs, text: `${within.membersDone} of ${2 * within.pairs} sentence pairs (both directions)` };
  const rows: StageRow[] = [];

  const alignState = stateOf('align');
  const i = at.stage === 'align' && at.iteration !== undefined ? at.iteration + 1 : undefined;
  rows.push({
    key: 'align',
    label: alignState === 'done' ? `Alignment EM ${A}/${A}` : i !== undefined ? `Alignment EM ${i}/${A}` : `Alignment EM, ${A} iterations`,
    state: alignState,
    progress: alignState === 'pending' || alignState === 'done' ? undefined : aligned,
  });
  const viterbiState = stateOf('viterbi');
  rows.push({
    key: 'viterbi',
    label: 'Viterbi alignment, then phrase extraction and the language model',
    state: viterbiState,
    progress: viterbiState === 'pending' || viterbiState === 'done' ? undefined : aligned,
  });
  if (R > 0) {
    const tuningState = stateOf('tuning');
    const r = at.stage === 'tuning' ? at.round : undefined;
    const units = within && currentIterationUnits(within.unitsTotal, within.unitsValid, within.membersDone);
    rows.push({
      key: 'tuning',
      label: tuningState === 'done' ? `Tuning ${R}/${R} rounds` : r !== undefined ? `Tuning round ${r}/${R}` : `Tuning, ${R} rounds`,
      state: tuningState,
      progress:
        tuningState === 'pending' || tuningState === 'done' || !within
          ? undefined
          : { value: within.membersDone, max: units, text: `${within.membersDone} of ${units} dev-set units decoded` },
    });
  }
  return rows;
}
