/**
 * @module Request and response shapes of the HTTP API, one zod schema each, used by the edge
 * to validate and by clients to type their calls. Paths are listed in {@link API_PATHS}.
 */
import { z } from 'zod';
import { LEASE_BATCH_MAX, UNIT_OUTPUT_BYTES_MAX } from '../limits.ts';

/** Every API path, so clients never spell one twice. */
export const API_PATHS = {
  customers: '/api/customers',
  volunteers: '/api/volunteers',
  volunteerMe: '/api/volunteers/me',
  kernels: '/api/kernels',
  jobs: '/api/jobs',
  job: (id: string) => `/api/jobs/${encodeURIComponent(id)}`,
  jobResult: (id: string) => `/api/jobs/${encodeURIComponent(id)}/result`,
  jobCancel: (id: string) => `/api/jobs/${encodeURIComponent(id)}/cancel`,
  jobEvents: (id: string) => `/api/jobs/${encodeURIComponent(id)}/events`,
  leaseHeartbeat: (leaseId: number) => `/api/work/leases/${leaseId}/heartbeat`,
  lease: '/api/work/lease',
  /** Several results in one request (JSON, base64 outputs). */
  results: '/api/work/results',
  leaseResult: (leaseId: number) => `/api/work/leases/${leaseId}/result`,
  leaseError: (leaseId: number) => `/api/work/leases/${leaseId}/error`,
} as const;

/** RFC 9457 problem details, as every API error is answered. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string().optional(),
  /** Field-level errors of a request body, when the problem is a validation one. */
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.output<typeof ProblemSchema>;

export const CreateCustomerRequestSchema = z.strictObject({ name: z.string().trim().min(1).max(100) });
export const CreateCustomerResponseSchema = z.object({ customerId: z.string(), apiKey: z.string() });
export type CreateCustomerResponse = z.output<typeof CreateCustomerResponseSchema>;

export const CreateVolunteerResponseSchema = z.object({ volunteerId: z.string(), token: z.string() });
export type CreateVolunteerResponse = z.output<typeof CreateVolunteerResponseSchema>;

export const VolunteerMeSchema = z.object({
  volunteerId: z.string(),
  points: z.int(),
  resultsValid: z.int(),
  resultsPending: z.int(),
});
export type VolunteerMe = z.output<typeof VolunteerMeSchema>;

export const KernelInfoSchema = z.object({
  id: z.string(),
  version: z.int(),
  title: z.string(),
  sha256: z.string(),
  bytes: z.int(),
  url: z.string(),
});
export type KernelInfo = z.output<typeof KernelInfoSchema>;
export const KernelListSchema = z.object({ kernels: z.array(KernelInfoSchema) });

export const JobStatusSchema = z.enum(['running', 'completed', 'failed', 'cancelled']);
export type JobStatus = z.output<typeof JobStatusSchema>;

export const JobSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: JobStatusSchema,
  params: z.record(z.string(), z.unknown()),
  unitsTotal: z.int(),
  unitsValid: z.int(),
  unitsFailed: z.int(),
  priceMinor: z.int(),
  currency: z.string(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  /** Units that failed, with why (at most JOB_FAILURES_LISTED_MAX). */
  failures: z.array(z.object({ unit: z.int(), reason: z.string() })).default([]),
});
export type Job = z.output<typeof JobSchema>;

/** A job's live progress, as `GET /api/jobs/:id/events` streams it (server-sent events). */
export const JobProgressSchema = z.object({
  jobId: z.string(),
  status: JobStatusSchema,
  unitsTotal: z.int(),
  queued: z.int(),
  inProgress: z.int(),
  valid: z.int(),
  failed: z.int(),
  cancelled: z.int(),
  /** Units validated per second over the last measuring window; null before two samples. */
  unitsPerSecond: z.number().nullable(),
  /** Seconds until every unit is decided at that rate; null when unknown. */
  etaSeconds: z.number().nullable(),
});
export type JobProgress = z.output<typeof JobProgressSchema>;
export const JobListSchema = z.object({ jobs: z.array(JobSchema) });

export const LeaseRequestSchema = z.strictObject({
  max: z.int().min(1).max(LEASE_BATCH_MAX).default(1),
});
export type LeaseRequest = z.input<typeof LeaseRequestSchema>;

export const LeaseSchema = z.object({
  leaseId: z.int(),
  unitId: z.int(),
  jobId: z.string(),
  kernel: z.object({ id: z.string(), version: z.int(), sha256: z.string() }),
  /** The unit's input bytes, base64. */
  input: z.string(),
  outputBytes: z.int(),
  costPoints: z.int(),
  /** Epoch milliseconds after which the lease may be reissued to someone else. */
  deadline: z.int(),
});
export type Lease = z.output<typeof LeaseSchema>;
export const LeaseResponseSchema = z.object({
  leases: z.array(LeaseSchema),
  /** When no work was available: how long to wait before asking again. */
  retryAfterMs: z.int().optional(),
});
export type LeaseResponse = z.output<typeof LeaseResponseSchema>;

/** What became of a submitted result. */
export const ResultOutcomeSchema = z.enum([
  /** Stored; the unit waits for more replicas to agree. */
  'pending',
  /** Agrees with the canonical result: credited. */
  'valid',
  /** Disagrees with the canonical result: not credited. */
  'invalid',
  /** The unit failed or was cancelled before this result arrived: kept, not credited. */
  'unit_closed',
]);
export type ResultOutcome = z.output<typeof ResultOutcomeSchema>;
export const SubmitResultResponseSchema = z.object({
  leaseId: z.int(),
  outcome: ResultOutcomeSchema,
  creditedPoints: z.int(),
});
export type SubmitResultResponse = z.output<typeof SubmitResultResponseSchema>;

/** Several results at once (a worker that leased a batch returns it in one request). */
export const SubmitResultsRequestSchema = z.strictObject({
  results: z
    .array(z.strictObject({ leaseId: z.int().positive(), output: z.base64().max(Math.ceil(UNIT_OUTPUT_BYTES_MAX / 3) * 4) }))
    .min(1)
    .max(LEASE_BATCH_MAX),
});
export type SubmitResultsRequest = z.input<typeof SubmitResultsRequestSchema>;
/** One answer per item, in the request's order: its outcome, or the problem that refused it (nothing changed for it). */
export const SubmitResultsAnswerSchema = z.union([SubmitResultResponseSchema, z.object({ leaseId: z.int(), problem: ProblemSchema })]);
export type SubmitResultsAnswer = z.output<typeof SubmitResultsAnswerSchema>;
export const SubmitResultsResponseSchema = z.object({ results: z.array(SubmitResultsAnswerSchema) });
export type SubmitResultsResponse = z.output<typeof SubmitResultsResponseSchema>;

export const HeartbeatResponseSchema = z.object({
  leaseId: z.int(),
  /** Epoch milliseconds the lease now runs until. */
  deadline: z.int(),
  /** True when the work is no longer wanted: the client should stop the unit now. */
  stop: z.boolean(),
  reason: z.enum(['unit_valid', 'unit_failed', 'unit_cancelled', 'lease_closed']).optional(),
});
export type HeartbeatResponse = z.output<typeof HeartbeatResponseSchema>;

export const ReportErrorRequestSchema = z.strictObject({
  code: z.int(),
  message: z.string().max(500),
});
export const ReportErrorResponseSchema = z.object({ leaseId: z.int(), unitState: z.string() });
