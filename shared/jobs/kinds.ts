/**
 * @module The job kinds the product offers, as one discriminated union: the request schema
 * for `POST /api/jobs` and the registry the edge splits and integrates with.
 */
import { z } from 'zod';
import { L96ParamsSchema } from './lorenz96.ts';

/** Body of `POST /api/jobs`. */
export const JobRequestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('lorenz96'), params: L96ParamsSchema }),
]);
export type JobRequest = z.output<typeof JobRequestSchema>;
export type JobKind = JobRequest['kind'];
export const JOB_KINDS = ['lorenz96'] as const satisfies readonly JobKind[];
