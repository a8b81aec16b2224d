/**
 * @module How the edge splits and integrates each job kind; the kinds themselves (schemas,
 * splitters, assimilators) live in shared/jobs so the browser and tests use the same code.
 */
import type { JobKind, JobRequest } from '../../shared/jobs/kinds.ts';
import { EBM_KERNEL, EbmParamsSchema, splitEbm } from '../../shared/jobs/ebm.ts';
import { assimilateEbm, integrateEbm, type EbmResult } from '../../shared/jobs/ebm-result.ts';
import { L96_KERNEL, L96ParamsSchema, assimilateL96, integrateL96, nextL96, splitL96, type L96Result } from '../../shared/jobs/lorenz96.ts';
import type { SplitUnit } from '../../shared/jobs/split.ts';
import { IBM1_KERNEL, Ibm1ParamsSchema, adoptPreparedCorpus, forgetPreparedCorpora, takePreparedCorpus, assimilateIbm1, nextIbm1, partialIbm1, splitIbm1, trimIbm1, type Ibm1Result } from '../../shared/jobs/ibm1.ts';
import { TRANSLATE_KERNEL, TranslateParamsSchema, TranslateStoredSchema, planTranslation, splitTranslation } from '../../shared/jobs/translate.ts';
import { assimilateTranslate, translatePartial, type TranslateResult } from '../../shared/jobs/translate-result.ts';
import {
  PhraseTrainParamsSchema,
  assimilatePhraseTrain,
  nextPhraseTrain,
  partialPhraseTrain,
  phraseTrainEarlier,
  phraseTrainQuote,
  splitPhraseTrain,
  takePhraseTrainCorpus,
  adoptPhraseTrainCorpus,
  forgetPhraseTrainCorpora,
  trimPhraseTrain,
  PHRASE_TRAIN_KERNELS,
  type PhraseTrainResult,
} from '../../shared/jobs/phrase-train.ts';
import { TranslateStoredAnySchema, isPhraseModel, isPhrasePlan, assimilatePhraseTranslate, phrasePartial, planPhraseTranslation, splitPhraseTranslation } from '../../shared/jobs/translate-phrase.ts';
import type { PhraseModel } from '../../shared/translation/phrase-model.ts';
import { TRANSLATE_SENTENCES_PER_UNIT } from '../../shared/limits.ts';
import type { TranslationModel } from '../../shared/translation/model.ts';
import type { PreparedCorpus } from '../../shared/translation/em.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isRefusal, type JobAnswer } from './refusals.ts';
import { loadOwnModel } from './translate-model.ts';

/** What a kind's `resolve` may read: the database, as the customer submitting the job. */
export interface ResolveContext {
  db: Kysely<Database>;
  customerId: string;
}

/** Canonical outputs of earlier iterations (unit order), by iteration, as `earlierIterations` asked. */
export type EarlierOutputs = ReadonlyMap<number, Uint8Array[]>;

/** What the edge needs to know of a job kind. */
export interface JobKindHandler {
  kernel: { id: string; version: number };
  /**
   * For kinds whose split needs stored data (a translation needs its model): loads it, as the
   * submitting customer, and returns the parameters to store and split with and a `context`
   * for `split` alone (not stored); a refusal when the data is missing or not theirs.
   */
  resolve?(params: unknown, ctx: ResolveContext): Promise<JobAnswer<{ params: unknown; context: unknown }>>;
  /** The first iteration's units; may throw shared/'s CorpusRefusedError for a training corpus it can't use. */
  split(params: unknown, context?: unknown): SplitUnit[];
  /** Total units over every iteration, for the quote (an upper bound for open-ended kinds). */
  unitsQuoted(params: unknown, firstIteration: SplitUnit[]): SplitUnit[];
  /**
   * For iterative kinds: the next iteration's units from this iteration's canonical outputs
   * (in unit order), or `null` when the job is done.
   */
  next?(params: unknown, outputs: Uint8Array[], iteration: number, earlier: EarlierOutputs): SplitUnit[] | null;
  /**
   * For staged kinds whose later stages build on an earlier stage's results (a translation
   * system's tuning rounds decode with the phrase table its alignment stage made): the earlier
   * iterations whose canonical outputs `next` and `assimilate` read, given the current one.
   */
  earlierIterations?(params: unknown, iteration: number): number[];
  /**
   * For kinds that keep state prepared by `split` for later iterations (a training corpus
   * tokenised and sharded): a worker thread that split the job `take`s it out of its cache
   * (and `forget`s everything else), and the edge `adopt`s it into its own, so the next
   * iteration, run on the edge, does not prepare it again.
   */
  handOver?: { take(params: unknown): unknown; adopt(params: unknown, state: unknown): void; forget(): void };
  /** Integrates canonical outputs, in unit order, into the result document. */
  assimilate(params: unknown, outputs: Uint8Array[], earlier: EarlierOutputs): unknown;
  /**
   * A small result from the validated units of the current iteration so far (`index`: the
   * unit's place in its iteration), without per-member lists; for the job page while it runs.
   */
  partial(params: unknown, units: { index: number; output: Uint8Array }[], iteration: number): { membersDone: number };
  /** The final result trimmed the same way as `partial`. */
  trim(result: unknown): unknown;
}

/** A Lorenz-96 result without the per-variable fields that grow with N × members. */
function trimL96(r: L96Result) {
  const { mean: _mean, spread: _spread, members: _members, ...rest } = r;
  return rest;
}

function trimEbm(r: EbmResult) {
  const { members: _members, ...rest } = r;
  return rest;
}

/** A translation result without the document and the per-segment tokens (the page fetches the full result). */
function trimTranslate(r: TranslateResult) {
  const { document: _document, segments, ...rest } = r;
  return { ...rest, segments: segments.length };
}

export const JOB_KIND_HANDLERS: Record<JobKind, JobKindHandler> = {
  lorenz96: {
    kernel: L96_KERNEL,
    split: (params) => splitL96(L96ParamsSchema.parse(params)),
    unitsQuoted: (params, first) => Array.from({ length: L96ParamsSchema.parse(params).cycles }, () => first).flat(),
    next: (params, outputs, iteration) => nextL96(L96ParamsSchema.parse(params), outputs, iteration),
    assimilate: (params, outputs) => assimilateL96(L96ParamsSchema.parse(params), outputs),
    partial: (params, units) => trimL96(integrateL96(L96ParamsSchema.parse(params), units)),
    trim: (result) => trimL96(result as L96Result),
  },
  ebm: {
    kernel: EBM_KERNEL,
    split: (params) => splitEbm(EbmParamsSchema.parse(params)),
    unitsQuoted: (_params, first) => first,
    assimilate: (params, outputs) => assimilateEbm(EbmParamsSchema.parse(params), outputs),
    partial: (params, units) => integrateEbm(EbmParamsSchema.parse(params), units.map((u) => ({ seq: u.index, output: u.output })), false),
    trim: (result) => trimEbm(result as EbmResult),
  },
  'ibm1-train': {
    kernel: IBM1_KERNEL,
    split: (params) => splitIbm1(Ibm1ParamsSchema.parse(params)),
    unitsQuoted: (params, first) => Array.from({ length: Ibm1ParamsSchema.parse(params).maxIterations }, () => first).flat(),
    next: (params, outputs, iteration) => nextIbm1(Ibm1ParamsSchema.parse(params), outputs, iteration),
    handOver: {
      take: (params) => takePreparedCorpus(Ibm1ParamsSchema.parse(params)),
      adopt: (params, state) => adoptPreparedCorpus(Ibm1ParamsSchema.parse(params), state as PreparedCorpus),
      forget: forgetPreparedCorpora,
    },
    assimilate: (params, outputs) => assimilateIbm1(Ibm1ParamsSchema.parse(params), outputs),
    partial: (params, units) => partialIbm1(Ibm1ParamsSchema.parse(params), units),
    trim: (result) => trimIbm1(result as Ibm1Result),
  },
  'phrase-train': {
    kernel: PHRASE_TRAIN_KERNELS.align,
    split: (params) => splitPhraseTrain(PhraseTrainParamsSchema.parse(params)),
    unitsQuoted: (params, first) => phraseTrainQuote(PhraseTrainParamsSchema.parse(params), first),
    next: (params, outputs, iteration, earlier) => nextPhraseTrain(PhraseTrainParamsSchema.parse(params), outputs, iteration, earlier),
    earlierIterations: (params, iteration) => phraseTrainEarlier(PhraseTrainParamsSchema.parse(params), iteration),
    handOver: {
      take: (params) => takePhraseTrainCorpus(PhraseTrainParamsSchema.parse(params)),
      adopt: (params, state) => adoptPhraseTrainCorpus(PhraseTrainParamsSchema.parse(params), state),
      forget: forgetPhraseTrainCorpora,
    },
    assimilate: (params, outputs, earlier) => assimilatePhraseTrain(PhraseTrainParamsSchema.parse(params), outputs, earlier),
    partial: (params, units, iteration) => partialPhraseTrain(PhraseTrainParamsSchema.parse(params), iteration, units),
    trim: (result) => trimPhraseTrain(result as PhraseTrainResult),
  },
  translate: {
    kernel: TRANSLATE_KERNEL,
    resolve: async (params, ctx) => {
      const p = TranslateParamsSchema.parse(params);
      const model = await loadOwnModel(ctx.db, ctx.customerId, p.model);
      if (isRefusal(model)) return model;
      const m = model.value;
      const plan = isPhraseModel(m) ? planPhraseTranslation(p, m) : planTranslation(p, m);
      // A job of no units would never finish: refuse a document with nothing to translate.
      if (plan.segments.length === 0) {
        return {
          status: 'invalid',
          detail: 'the document has no text to translate',
          errors: [{ path: 'params.document', message: 'the document holds only code, markup, URLs or punctuation: nothing to translate' }],
        };
      }
      return { status: 'ok', value: { params: { ...p, plan }, context: model.value } };
    },
    split: (params, context) => {
      if (context === undefined) throw new Error('translate: split needs the model its resolve step loaded');
      const stored = TranslateStoredAnySchema.parse(params);
      if (isPhrasePlan(stored.plan)) return splitPhraseTranslation(stored.plan, context as PhraseModel);
      return splitTranslation(TranslateStoredSchema.parse(params), context as TranslationModel);
    },
    unitsQuoted: (_params, first) => first,
    assimilate: (params, outputs) => {
      const stored = TranslateStoredAnySchema.parse(params);
      if (isPhrasePlan(stored.plan)) return assimilatePhraseTranslate({ ...stored, plan: stored.plan }, outputs);
      return assimilateTranslate(params, outputs, TRANSLATE_SENTENCES_PER_UNIT);
    },
    partial: (params, units) => {
      const stored = TranslateStoredAnySchema.parse(params);
      if (isPhrasePlan(stored.plan)) return phrasePartial(stored.plan, units.map((u) => u.index));
      return translatePartial(params, units.map((u) => u.index), TRANSLATE_SENTENCES_PER_UNIT);
    },
    trim: (result) => trimTranslate(result as TranslateResult),
  },
};

export type { JobRequest };
