/**
 * @module Resolving the model a translation job names: the customer's own finished
 * `ibm1-train` or `phrase-train` job, whose result carries the model under `model` (a word
 * model, or a phrase model with `kind: 'phrase'`). Another customer's job is
 * answered exactly like a missing one (never reveal others' jobs); the customer's own job that
 * has not finished training is a distinct problem, so the customer knows to wait.
 */
import type { Kysely, Transaction } from 'kysely';
import { TRANSLATE_MODELS_CACHED_MAX } from '../../shared/limits.ts';
import type { TranslationModel } from '../../shared/translation/model.ts';
import type { PhraseModel } from '../../shared/translation/phrase-model.ts';
import type { Database } from '../db/schema.ts';
import type { JobAnswer } from './refusals.ts';

/** Parsed models by training job id, at most TRANSLATE_MODELS_CACHED_MAX (only ever read after the ownership check). */
const models = new Map<string, TranslationModel | PhraseModel>();

/** The job kinds whose results are translation models. */
export const MODEL_JOB_KINDS: readonly string[] = ['ibm1-train', 'phrase-train'];

/** Whether a parsed result holds a model of the shape shared/translation/model.ts or phrase-model.ts describes. */
function isModel(m: unknown): m is TranslationModel | PhraseModel {
  const x = m as Partial<TranslationModel> & Partial<PhraseModel> | null;
  const common = typeof x === 'object' && x !== null && typeof x.srcLang === 'string' && typeof x.tgtLang === 'string' && Array.isArray(x.srcVocab) && Array.isArray(x.tgtVocab) && Array.isArray(x.lm?.entries);
  return common && (x.kind === 'phrase' ? Array.isArray(x.phrases) && Array.isArray(x.weights) && Number.isInteger(x.phraseCount) : Array.isArray(x.table));
}

/**
 * The trained model of job `modelJobId`, if it is this customer's completed training job;
 * else `not_found` (missing, another customer's, or not a training job) or
 * `model_not_trained` (still training, failed or cancelled).
 */
export async function loadOwnModel(db: Kysely<Database> | Transaction<Database>, customerId: string, modelJobId: string): Promise<JobAnswer<TranslationModel | PhraseModel>> {
  // Ownership and status first, without the (large) result column.
  const row = await db
    .selectFrom('jobs')
    .select(['id', 'kind', 'status'])
    .where('id', '=', modelJobId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (!row || !MODEL_JOB_KINDS.includes(row.kind)) return { status: 'not_found', detail: `no trained model ${modelJobId.slice(0, 64)}` };
  if (row.status !== 'completed') {
    return { status: 'model_not_trained', detail: `the training job ${row.id} is ${row.status}; translate with it once it has completed` };
  }
  const cached = models.get(row.id);
  if (cached) return { status: 'ok', value: cached };
  const { result } = await db.selectFrom('jobs').select('result').where('id', '=', row.id).executeTakeFirstOrThrow();
  const model = result === null ? undefined : (JSON.parse(result) as { model?: unknown }).model;
  if (!isModel(model)) return { status: 'model_not_trained', detail: `the training job ${row.id} has no model in its result` };
  // A completed job's result never changes, so its parsed model can be kept (bounded, oldest out).
  if (models.size >= TRANSLATE_MODELS_CACHED_MAX) models.delete(models.keys().next().value!);
  models.set(row.id, model);
  return { status: 'ok', value: model };
}
