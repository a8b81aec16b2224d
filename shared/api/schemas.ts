/**
 * @module Request and response shapes of the HTTP API, one zod schema each, used by the edge
 * to validate and by clients to type their calls. Paths are listed in {@link API_PATHS}.
 */
import { z } from 'zod';
import { CREDITS_LISTED_MAX, CUSTOMER_TOPUP_MINOR_MAX, LEASE_BATCH_MAX, UNIT_OUTPUT_BYTES_MAX } from '../limits.ts';
import { NameSchema } from '../text.ts';

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
  /** A volunteer's recent credits and points since a time (its local midnight, say). */
  volunteerCredits: '/api/volunteers/me/credits',
  /** One unit this volunteer returned a result for, with its job. */
  volunteerUnit: (unitId: number) => `/api/volunteers/me/units/${unitId}`,
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

/** A customer's name, as people type it: no control characters, lone surrogates or invisible-only text; trimmed and NFC-normalised (shared/text.ts). */
export const CreateCustomerRequestSchema = z.strictObject({ name: NameSchema });
export const CreateCustomerResponseSchema = z.object({ customerId: z.string(), apiKey: z.string() });
export type CreateCustomerResponse = z.output<typeof CreateCustomerResponseSchema>;

export const CreateVolunteerResponseSchema = z.object({ volunteerId: z.string(), token: z.string() });
export type CreateVolunteerResponse = z.output<typeof CreateVolunteerResponseSchema>;

export const VolunteerMeSchema = z.object({
  volunteerId: z.string(),
  /** Spendable (vested) points. */
  points: z.int(),
  /**
   * Points for validated results not yet beyond doubt: they vest when the server's own run
   * confirms the result, or a day after independent volunteers agreed on it.
   */
  pointsVesting: z.int().default(0),
  /** Whether an account claimed this identity: an anonymous identity cannot spend points. */
  claimed: z.boolean().default(false),
  resultsValid: z.int(),
  /**
   * Valid results that earned no points: work on a job paid by trial credit only whose
   * customer is on this identity's network or owns it, or a result past the quorum its unit
   * is paid for (a late one). They still counted for the customer.
   */
  resultsUnpaid: z.int().default(0),
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
  /**
   * Units whose result the server's own run corrected after they were decided; a completed
   * job's result was integrated again from the corrected bytes.
   */
  amendedUnits: z.int().default(0),
  /**
   * What the valid units rest on (`GET /api/jobs/:id` only): the server's own run, or the
   * agreement of independent volunteers of whom one had passed probation.
   */
  assurance: z.object({ serverVerified: z.int(), byAgreement: z.int() }).optional(),
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

/**
 * `POST /api/work/leases/:id/heartbeat` body (optional): the work units of the unit done so
 * far. A lease is extended only while this advances (up to LEASE_HELD_TTLS_MAX lifetimes).
 */
export const HeartbeatRequestSchema = z.strictObject({ progress: z.int().min(0).max(Number.MAX_SAFE_INTEGER) });

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

/** `GET /api/volunteers/me/credits?since=&limit=`: epoch ms and rows wanted. */
export const CreditsQuerySchema = z.object({
  since: z.coerce.number().int().nonnegative(),
  limit: z.coerce.number().int().min(1).max(CREDITS_LISTED_MAX).default(20),
});
/** One movement of a volunteer's points for a unit: a credit, or the reversal of one (negative). */
export const CreditSchema = z.object({
  transferId: z.string(),
  jobId: z.string(),
  unitId: z.int(),
  points: z.int(),
  kind: z.enum(['credit', 'reversal']),
  /** Epoch ms. */
  at: z.int(),
});
export type Credit = z.output<typeof CreditSchema>;
export const CreditsSchema = z.object({
  /** Net points from units credited at or after `since`. */
  pointsSince: z.int(),
  since: z.int(),
  /** Newest first. */
  credits: z.array(CreditSchema),
});
export type Credits = z.output<typeof CreditsSchema>;

/** A unit as the volunteer who worked on it sees it. */
export const VolunteerUnitSchema = z.object({
  unitId: z.int(),
  jobId: z.string(),
  jobKind: z.string(),
  jobStatus: JobStatusSchema,
  unitsTotal: z.int(),
  unitsValid: z.int(),
  unitState: z.enum(['queued', 'in_progress', 'valid', 'failed', 'cancelled']),
  costPoints: z.int(),
  results: z.array(
    z.object({
      leaseId: z.int(),
      state: z.enum(['leased', 'returned', 'timed_out', 'errored']),
      outcome: ResultOutcomeSchema.nullable(),
      creditedPoints: z.int(),
      leasedAt: z.int(),
      returnedAt: z.int().nullable(),
    }),
  ),
});
export type VolunteerUnit = z.output<typeof VolunteerUnitSchema>;

/** Customer paths added with job quotes, partial results, invoices and billing. */
export const CUSTOMER_API_PATHS = {
  /** Price and ETA of a job description, without creating it (same body as `POST /api/jobs`). */
  jobQuote: '/api/jobs/quote',
  /** What the validated units of a running job integrate to so far. */
  jobPartial: (id: string) => `/api/jobs/${encodeURIComponent(id)}/partial`,
  /** The integrated result as CSV (one row per member, or per lead time). */
  jobResultCsv: (id: string) => `/api/jobs/${encodeURIComponent(id)}/result.csv`,
  jobInvoice: (id: string) => `/api/jobs/${encodeURIComponent(id)}/invoice`,
  /** The customer's balance. */
  billing: '/api/billing',
  /** Adds money to the balance through the payment provider. */
  billingTopups: '/api/billing/topups',
  openapi: '/api/openapi.json',
  /** The API reference page, rendered from the OpenAPI document. */
  docs: '/api/docs',
} as const;

/** `POST /api/jobs/quote`: what the job would cost and how long the volunteers would take now. */
export const QuoteSchema = z.object({
  kind: z.string(),
  units: z.int(),
  /** Σ unit points over every iteration. */
  points: z.int(),
  quorum: z.int(),
  /** points × quorum × price per point; held on the balance when the job is submitted. */
  priceMinor: z.int(),
  currency: z.string(),
  /** Unit points validated per second over the last window, all jobs together; null when idle. */
  pointsPerSecond: z.number().nullable(),
  /** Points of units still open in running jobs, ahead of this one. */
  backlogPoints: z.int(),
  /** Seconds until this job would be done at the current throughput; null when nobody computes. */
  etaSeconds: z.number().nullable(),
  availableMinor: z.int(),
  /** Whether the balance covers the price now. */
  affordable: z.boolean(),
});
export type Quote = z.output<typeof QuoteSchema>;

/** A customer's money, in minor units of `currency`. */
export const BalanceSchema = z.object({
  currency: z.string(),
  /** Posted balance. */
  balanceMinor: z.int(),
  /** Reserved by the holds of running jobs. */
  heldMinor: z.int(),
  /** What new jobs may hold: balance − held. */
  availableMinor: z.int(),
});
export type Balance = z.output<typeof BalanceSchema>;

export const TopupRequestSchema = z.strictObject({
  amountMinor: z.int().min(1).max(CUSTOMER_TOPUP_MINOR_MAX),
  /** A card token from the payment provider's client (the simulator takes tok_ok, tok_decline, tok_timeout). */
  card: z.string().min(1).max(100),
  /** Chosen by the client; repeating a top-up with the same key charges once. */
  idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
});
export type TopupRequest = z.input<typeof TopupRequestSchema>;

/** What a job costs: its quote and hold, the charge of its valid units, and units by state. */
export const InvoiceSchema = z.object({
  jobId: z.string(),
  currency: z.string(),
  /** held while running; charged or released (nothing owed) when it ended; unbilled for jobs from before billing. */
  status: z.enum(['unbilled', 'held', 'charged', 'released', 'uncollected']),
  quorum: z.int(),
  pricePerPointMinor: z.int(),
  quoteMinor: z.int(),
  heldMinor: z.int(),
  chargedMinor: z.int(),
  releasedMinor: z.int(),
  /** Valid units are charged; failed, cancelled and open ones are not. */
  lines: z.array(
    z.object({
      state: z.enum(['valid', 'failed', 'cancelled', 'open']),
      units: z.int(),
      points: z.int(),
      amountMinor: z.int(),
    }),
  ),
  settledAt: z.string().nullable(),
  /**
   * The job's private pools (issue 16), billed apart from its units: seats bought, seats
   * charged so far (per approved seat or per reception notice) at the seat price; `open`
   * while the pool runs (the rest of its seats held, released when it ends).
   */
  pools: z
    .array(
      z.object({
        groupId: z.string(),
        billing: z.enum(['seat', 'notice']),
        seats: z.int(),
        seatsCharged: z.int(),
        seatPriceMinor: z.int(),
        amountMinor: z.int(),
        open: z.boolean(),
      }),
    )
    .default([]),
});
export type Invoice = z.output<typeof InvoiceSchema>;

/** `GET /api/jobs/:id/partial`: the kind's result document built from the units done so far. */
export const JobPartialSchema = z.object({ kind: z.string(), membersDone: z.int() }).loose();
