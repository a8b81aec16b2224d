/**
 * @module The OpenAPI 3.1 document of the customer API (and the volunteer work API), built
 * from the very zod schemas the edge validates with (zod 4's `z.toJSONSchema`, JSON Schema
 * 2020-12, which OpenAPI 3.1 uses as is): request bodies as the schemas accept them (`input`,
 * defaults optional), responses as the edge writes them (`output`).
 */
import { z } from 'zod';
import {
  BalanceSchema,
  CreateCustomerRequestSchema,
  CreateCustomerResponseSchema,
  CreateVolunteerResponseSchema,
  HeartbeatResponseSchema,
  InvoiceSchema,
  JobListSchema,
  JobPartialSchema,
  JobProgressSchema,
  JobSchema,
  KernelListSchema,
  LeaseRequestSchema,
  LeaseResponseSchema,
  ProblemSchema,
  QuoteSchema,
  ReportErrorRequestSchema,
  ReportErrorResponseSchema,
  SubmitResultResponseSchema,
  SubmitResultsRequestSchema,
  SubmitResultsResponseSchema,
  TopupRequestSchema,
  VolunteerMeSchema,
} from '../../shared/api/schemas.ts';
import { JOB_KIND_TITLES, JobRequestSchema } from '../../shared/jobs/kinds.ts';
import {
  ADMISSION_HEADER,
  AdmitRequestSchema,
  AdmitResponseSchema,
  CLIENT_KEY_HEADER,
  ClaimRequestSchema,
  ClaimResponseSchema,
  LeaveRequestSchema,
  RECEPTION_PATHS,
  ReceptionConfigSchema,
} from '../../shared/reception/schemas.ts';

/** Every schema the document names, with the direction it is used in. */
const SCHEMAS: Record<string, { schema: z.ZodType; io: 'input' | 'output' }> = {
  Problem: { schema: ProblemSchema, io: 'output' },
  CreateCustomerRequest: { schema: CreateCustomerRequestSchema, io: 'input' },
  CreateCustomerResponse: { schema: CreateCustomerResponseSchema, io: 'output' },
  KernelList: { schema: KernelListSchema, io: 'output' },
  JobRequest: { schema: JobRequestSchema, io: 'input' },
  Job: { schema: JobSchema, io: 'output' },
  JobList: { schema: JobListSchema, io: 'output' },
  JobProgress: { schema: JobProgressSchema, io: 'output' },
  JobPartial: { schema: JobPartialSchema, io: 'output' },
  Quote: { schema: QuoteSchema, io: 'output' },
  Invoice: { schema: InvoiceSchema, io: 'output' },
  Balance: { schema: BalanceSchema, io: 'output' },
  TopupRequest: { schema: TopupRequestSchema, io: 'input' },
  CreateVolunteerResponse: { schema: CreateVolunteerResponseSchema, io: 'output' },
  VolunteerMe: { schema: VolunteerMeSchema, io: 'output' },
  LeaseRequest: { schema: LeaseRequestSchema, io: 'input' },
  LeaseResponse: { schema: LeaseResponseSchema, io: 'output' },
  SubmitResultResponse: { schema: SubmitResultResponseSchema, io: 'output' },
  SubmitResultsRequest: { schema: SubmitResultsRequestSchema, io: 'input' },
  SubmitResultsResponse: { schema: SubmitResultsResponseSchema, io: 'output' },
  HeartbeatResponse: { schema: HeartbeatResponseSchema, io: 'output' },
  ReportErrorRequest: { schema: ReportErrorRequestSchema, io: 'input' },
  ReportErrorResponse: { schema: ReportErrorResponseSchema, io: 'output' },
  ReceptionConfig: { schema: ReceptionConfigSchema, io: 'output' },
  AdmitRequest: { schema: AdmitRequestSchema, io: 'input' },
  AdmitResponse: { schema: AdmitResponseSchema, io: 'output' },
  LeaveRequest: { schema: LeaveRequestSchema, io: 'input' },
  ClaimRequest: { schema: ClaimRequestSchema, io: 'input' },
  ClaimResponse: { schema: ClaimResponseSchema, io: 'output' },
};
export type SchemaName = keyof typeof SCHEMAS;

/** One documented operation: what it takes and answers, by schema name. */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  tag: 'Customers' | 'Jobs' | 'Billing' | 'Volunteers' | 'Reception';
  summary: string;
  description?: string;
  auth: boolean;
  request?: SchemaName | { contentType: string; description: string };
  /** Success status and body: a schema name, another content type described in words, or none (204). */
  ok: { status: number; body: SchemaName | { contentType: string; description: string } | null };
  /** Problem statuses this operation answers beyond 401/422 (always possible). */
  problems?: number[];
}

const kinds = Object.entries(JOB_KIND_TITLES)
  .map(([k, t]) => `\`${k}\` (${t})`)
  .join(', ');

/** Every documented operation, in the order the reference page lists them. */
export const OPERATIONS: Operation[] = [
  { method: 'post', path: '/api/customers', tag: 'Customers', summary: 'Create a customer account and its API key', auth: false, request: 'CreateCustomerRequest', ok: { status: 201, body: 'CreateCustomerResponse' } },
  { method: 'get', path: '/api/kernels', tag: 'Customers', summary: 'The kernels this server runs', auth: false, ok: { status: 200, body: 'KernelList' } },
  {
    method: 'post',
    path: '/api/jobs/quote',
    tag: 'Jobs',
    summary: 'Price and ETA of a job, without creating it',
    description: `Same body as POST /api/jobs. Kinds: ${kinds}. The ETA divides the open work ahead plus this job's by the points volunteers validated per second over the last minute; it is null while nobody computes.`,
    auth: true,
    request: 'JobRequest',
    ok: { status: 200, body: 'Quote' },
  },
  {
    method: 'post',
    path: '/api/jobs',
    tag: 'Jobs',
    summary: 'Submit a job',
    description: `Validates, prices (Σ unit points × quorum × price per point) and splits the job, and holds the price on the balance. A balance that does not cover it is answered 402 and nothing is created. Kinds: ${kinds}.`,
    auth: true,
    request: 'JobRequest',
    ok: { status: 201, body: 'Job' },
    problems: [402, 503],
  },
  { method: 'get', path: '/api/jobs', tag: 'Jobs', summary: 'Your jobs, newest first', auth: true, ok: { status: 200, body: 'JobList' } },
  { method: 'get', path: '/api/jobs/{id}', tag: 'Jobs', summary: 'A job and its unit counts', auth: true, ok: { status: 200, body: 'Job' }, problems: [404] },
  {
    method: 'post',
    path: '/api/jobs/{id}/cancel',
    tag: 'Jobs',
    summary: 'Cancel a running job',
    description: 'Open units stop being handed out; valid units are charged and the rest of the hold is released.',
    auth: true,
    ok: { status: 200, body: 'Job' },
    problems: [404, 409],
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/events',
    tag: 'Jobs',
    summary: 'Live progress (server-sent events)',
    description: 'A `progress` event with a JobProgress document every second until the job ends; reconnect to continue.',
    auth: true,
    ok: { status: 200, body: { contentType: 'text/event-stream', description: 'events named `progress`, data: JobProgress' } },
    problems: [404],
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/partial',
    tag: 'Jobs',
    summary: 'What the units validated so far integrate to',
    description: "The kind's result document from the valid units, without per-member lists: histograms and statistics (ebm), spread and event probability over lead time (lorenz96).",
    auth: true,
    ok: { status: 200, body: 'JobPartial' },
    problems: [404],
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/result',
    tag: 'Jobs',
    summary: 'The integrated result (JSON)',
    auth: true,
    ok: { status: 200, body: { contentType: 'application/json', description: "the kind's result document, with every member" } },
    problems: [404, 409],
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/result.csv',
    tag: 'Jobs',
    summary: 'The integrated result (CSV)',
    auth: true,
    ok: { status: 200, body: { contentType: 'text/csv', description: 'one row per member (ebm) or per lead time (lorenz96), with a header row' } },
    problems: [404, 409],
  },
  { method: 'get', path: '/api/jobs/{id}/invoice', tag: 'Billing', summary: "A job's invoice", auth: true, ok: { status: 200, body: 'Invoice' }, problems: [404] },
  { method: 'get', path: '/api/billing', tag: 'Billing', summary: 'Your balance', auth: true, ok: { status: 200, body: 'Balance' } },
  {
    method: 'post',
    path: '/api/billing/topups',
    tag: 'Billing',
    summary: 'Add money to your balance',
    description: 'Charges the card through the payment provider; repeating the request with the same idempotencyKey charges once.',
    auth: true,
    request: 'TopupRequest',
    ok: { status: 201, body: 'Balance' },
    problems: [402],
  },
  { method: 'post', path: '/api/volunteers', tag: 'Volunteers', summary: 'Create an anonymous volunteer identity', auth: false, ok: { status: 201, body: 'CreateVolunteerResponse' } },
  { method: 'get', path: '/api/volunteers/me', tag: 'Volunteers', summary: 'Your points', auth: true, ok: { status: 200, body: 'VolunteerMe' } },
  { method: 'post', path: '/api/work/lease', tag: 'Volunteers', summary: 'Lease units to compute', auth: true, request: 'LeaseRequest', ok: { status: 200, body: 'LeaseResponse' } },
  {
    method: 'put',
    path: '/api/work/leases/{id}/result',
    tag: 'Volunteers',
    summary: "Submit one lease's output bytes",
    auth: true,
    request: { contentType: 'application/octet-stream', description: 'the kernel output bytes' },
    ok: { status: 200, body: 'SubmitResultResponse' },
    problems: [403, 404, 409],
  },
  { method: 'post', path: '/api/work/results', tag: 'Volunteers', summary: 'Submit several results at once', auth: true, request: 'SubmitResultsRequest', ok: { status: 200, body: 'SubmitResultsResponse' } },
  { method: 'post', path: '/api/work/leases/{id}/heartbeat', tag: 'Volunteers', summary: 'Keep a lease alive', auth: true, ok: { status: 200, body: 'HeartbeatResponse' }, problems: [403, 404] },
  { method: 'post', path: '/api/work/leases/{id}/error', tag: 'Volunteers', summary: 'Report that a unit failed to run', auth: true, request: 'ReportErrorRequest', ok: { status: 200, body: 'ReportErrorResponse' }, problems: [403, 404] },
  { method: 'get', path: RECEPTION_PATHS.config, tag: 'Reception', summary: 'Whether clients of this site go through reception, and where it is', auth: false, ok: { status: 200, body: 'ReceptionConfig' } },
  {
    method: 'post',
    path: RECEPTION_PATHS.admit,
    tag: 'Reception',
    summary: 'Ask for admission to the least-loaded node',
    description: `Send your client key (32 random bytes, base64url, kept across reloads) in \`${CLIENT_KEY_HEADER}\`; the ticket is bound to it. \`admitted\` (200) names the node and carries a single-use ticket to claim there before it expires. \`waiting\` (202, with \`Retry-After\`) gives your position, a wait estimate and a signed place: send the place back when you ask again, and you keep your arrival time.`,
    auth: false,
    request: 'AdmitRequest',
    ok: { status: 200, body: 'AdmitResponse' },
    problems: [400, 503],
  },
  { method: 'post', path: RECEPTION_PATHS.leave, tag: 'Reception', summary: 'Give up your place in line', description: `With your client key in \`${CLIENT_KEY_HEADER}\`.`, auth: false, request: 'LeaveRequest', ok: { status: 204, body: null } },
  {
    method: 'post',
    path: RECEPTION_PATHS.admission,
    tag: 'Reception',
    summary: "Claim a ticket on the node it names (the node's side)",
    description: `With the same client key in \`${CLIENT_KEY_HEADER}\`. A forged, expired, not-yet-valid, wrong-node, wrong-client, wrong-scope or already-used ticket is refused with its own problem type. The admission goes in \`${ADMISSION_HEADER}\` on the node's gated requests (work, job submission, checkout).`,
    auth: false,
    request: 'ClaimRequest',
    ok: { status: 201, body: 'ClaimResponse' },
    problems: [401, 403, 409, 421, 503],
  },
  { method: 'delete', path: RECEPTION_PATHS.admission, tag: 'Reception', summary: 'End your admission and free its slot', description: `With \`${ADMISSION_HEADER}\` and \`${CLIENT_KEY_HEADER}\`.`, auth: false, ok: { status: 204, body: null } },
];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function content(body: NonNullable<Operation['request']>) {
  return typeof body === 'string'
    ? { 'application/json': { schema: ref(body) } }
    : { [body.contentType]: { schema: { description: body.description } } };
}

const PROBLEM_TEXT: Record<number, string> = {
  401: 'missing or unknown API key (for a ticket: forged, expired or not yet valid)',
  402: 'payment required: the balance does not cover it, or the card was declined',
  403: 'not yours',
  404: 'no such resource',
  400: 'the place-in-line token was not issued here',
  409: 'conflict with the current state (for a ticket: already used)',
  421: 'the ticket admits to another node',
  422: 'the request is not valid; `errors` lists each field',
  503: 'not available now: the kernel is not on this server, the waiting room or the node is full',
};

/** The document, built once per process. */
let built: Record<string, unknown> | undefined;

/**
 * @example
 * const doc = openApiDocument(); // { openapi: '3.1.0', paths: { '/api/jobs': … } }
 */
export function openApiDocument(): Record<string, unknown> {
  if (built) return built;
  const schemas: Record<string, unknown> = {};
  for (const [name, { schema, io }] of Object.entries(SCHEMAS)) {
    const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
    schemas[name] = json;
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const problems = [...new Set([...(op.request ? [422] : []), ...(op.auth ? [401] : []), ...(op.problems ?? [])])].sort((a, b) => a - b);
    const responses: Record<string, unknown> = { [op.ok.status]: { description: 'success', ...(op.ok.body ? { content: content(op.ok.body) } : {}) } };
    for (const status of problems) responses[status] = { description: PROBLEM_TEXT[status] ?? 'problem', content: { 'application/problem+json': { schema: ref('Problem') } } };
    (paths[op.path] ??= {})[op.method] = {
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(params.length ? { parameters: params } : {}),
      ...(op.request ? { requestBody: { required: true, content: content(op.request) } } : {}),
      responses,
      ...(op.auth ? {} : { security: [] }),
    };
  }
  built = {
    openapi: '3.1.0',
    info: {
      title: 'SpareCycles API',
      version: '1',
      description:
        'Submit climate-style ensemble jobs, follow them and download their results. Authenticate with `Authorization: Bearer <API key>` (from POST /api/customers). Every error is `application/problem+json` (RFC 9457), with field-level `errors` for invalid requests.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'Customers', description: 'Accounts and kernels' },
      { name: 'Jobs', description: 'Quote, submit, follow and download jobs' },
      { name: 'Billing', description: 'Balance, top-ups and invoices' },
      { name: 'Volunteers', description: 'The work protocol volunteer clients speak' },
      { name: 'Reception', description: 'Admission to the least-loaded node with single-use tickets, and the waiting room when every node is full' },
    ],
    paths,
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a customer API key or a volunteer token' } } },
  };
  return built;
}
