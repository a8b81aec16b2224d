/**
 * @module The job kinds the product offers, as one discriminated union: the request schema
 * for `POST /api/jobs` and the registry the edge splits and integrates with.
 */
import { z } from 'zod';
import { EbmParamsSchema } from './ebm.ts';
import { Ibm1ParamsSchema } from './ibm1.ts';
import { PhraseTrainParamsSchema } from './phrase-train.ts';
import { L96ParamsSchema } from './lorenz96.ts';
import { TranslateParamsSchema } from './translate.ts';

/** Body of `POST /api/jobs` (and of `POST /api/jobs/quote`). */
export const JobRequestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('lorenz96'), params: L96ParamsSchema }),
  z.strictObject({ kind: z.literal('ebm'), params: EbmParamsSchema }),
  z.strictObject({ kind: z.literal('ibm1-train'), params: Ibm1ParamsSchema }),
  z.strictObject({ kind: z.literal('phrase-train'), params: PhraseTrainParamsSchema }),
  z.strictObject({ kind: z.literal('translate'), params: TranslateParamsSchema }),
]);
export type JobRequest = z.output<typeof JobRequestSchema>;
export type JobKind = JobRequest['kind'];
export const JOB_KINDS = ['lorenz96', 'ebm', 'ibm1-train', 'phrase-train', 'translate'] as const satisfies readonly JobKind[];

/** What customers read about each kind (the API reference, the CLI and the job list). */
export const JOB_KIND_TITLES: Record<JobKind, string> = {
  lorenz96: 'Lorenz-96 ensemble forecast',
  ebm: 'Energy-balance-model ensemble',
  'ibm1-train': 'Word-alignment training (IBM Model 1)',
  'phrase-train': 'Translation system training (phrase-based, tuned)',
  translate: 'Document translation',
};
