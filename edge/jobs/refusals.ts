/**
 * @module Why the jobs domain refuses a request, as a status union: job operations return a
 * {@link JobRefusal} instead of throwing, and `jobs.routes.ts` maps each status to its problem
 * type in one table. A refusal carries the sentence the customer reads (it names the numbers
 * of the rule that refused) and, for field errors, the fields.
 */
import type { CorpusRefusedError } from '../../shared/jobs/ibm1.ts';

/** Every reason a job request or operation is refused. */
export type JobRefusalStatus =
  | 'not_found'
  | 'job_not_running'
  | 'kernel_unavailable'
  | 'invalid'
  | 'insufficient_funds'
  | 'model_not_trained'
  /** A training corpus refused by its reader (shared/jobs/ibm1.ts), under the reader's own names. */
  | CorpusRefusedError['status'];

export interface JobRefusal {
  status: JobRefusalStatus;
  detail: string;
  /** Fields at fault, for `invalid`. */
  errors?: { path: string; message: string }[];
}

/** An answer of the jobs domain: the value, or why not. */
export type JobAnswer<T> = { status: 'ok'; value: T } | JobRefusal;

/** Whether an answer is a refusal. */
export function isRefusal<T>(a: JobAnswer<T>): a is JobRefusal {
  return a.status !== 'ok';
}

/** The refusal of a job that is not this customer's (never revealed) or does not exist. */
export function jobNotFound(jobId: string): JobRefusal {
  return { status: 'not_found', detail: `no job ${jobId}` };
}
