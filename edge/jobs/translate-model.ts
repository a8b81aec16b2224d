/**
 * @module Resolving the model a translation job names: the customer's own finished
 * `ibm1-train` job, whose result carries the model under `model`. Another customer's job is
 * answered exactly like a missing one (never reveal others' jobs); the customer's own job that
 * has not finished training is a distinct problem, so the customer knows to wait.
 */
import type { Kysely, Transaction } from 'kysely';
import type { TranslationModel } from '../../shared/translation/model.ts';
import type { Database } from '../db/schema.ts';
import { ProblemError } from '../http/problem.ts';

/** The job kind whose results are translation models. */
export const MODEL_JOB_KIND = 'ibm1-train';

/** Whether a parsed result holds a model of the shape shared/translation/model.ts describes. */
function isModel(m: unknown): m is TranslationModel {
  const x = m as Partial<TranslationModel> | null;
  return (
    typeof x === 'object' && x !== null && typeof x.srcLang === 'string' && typeof x.tgtLang === 'string' &&
    Array.isArray(x.srcVocab) && Array.isArray(x.tgtVocab) && Array.isArray(x.table) && Array.isArray(x.lm?.entries)
  );
}

/**
 * The trained model of job `modelJobId`, if it is this customer's completed training job.
 * @throws ProblemError `not-found` (missing, another customer's, or not a training job) or
 * `model-not-trained` (still training, failed or cancelled).
 */
export async function loadOwnModel(db: Kysely<Database> | Transaction<Database>, customerId: string, modelJobId: string): Promise<TranslationModel> {
  const row = await db
    .selectFrom('jobs')
    .select(['id', 'kind', 'status', 'result'])
    .where('id', '=', modelJobId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (!row || row.kind !== MODEL_JOB_KIND) throw new ProblemError('not-found', `no trained model ${modelJobId.slice(0, 64)}`);
  if (row.status !== 'completed' || row.result === null) {
    throw new ProblemError('model-not-trained', `the training job ${row.id} is ${row.status}; translate with it once it has completed`);
  }
  const model = (JSON.parse(row.result) as { model?: unknown }).model;
  if (!isModel(model)) throw new ProblemError('model-not-trained', `the training job ${row.id} has no model in its result`);
  return model;
}
