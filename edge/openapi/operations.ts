/**
 * @module Every operation of the edge's HTTP API, as the reference lists it: what it takes,
 * who may call it and every problem type it can answer. The problems every operation of a
 * kind shares (a JSON body's four, authentication's, the session's CSRF check, a node's
 * admission check) are added by {@link problemSlugs}; each entry lists only its own.
 * edge/openapi/routes.test.ts fails when a route of the app is missing here, or an entry
 * names no route; tests/robustness/ sends every operation bad requests and checks each
 * answer's status and problem type against this table.
 */
import type { Role } from '../../shared/auth/schemas.ts';
import { GROUP_RELEASED_MAX } from '../../shared/groups/schemas.ts';
import { JOB_KIND_TITLES } from '../../shared/jobs/kinds.ts';
import { JSON_BODY_BYTES_MAX, RESULTS_BATCH_BYTES_MAX, TRAINING_JOB_BODY_BYTES_MAX, UNIT_OUTPUT_BYTES_MAX } from '../../shared/limits.ts';
import { ADMISSION_HEADER, CLIENT_KEY_HEADER, RECEPTION_PATHS, type TicketScope } from '../../shared/reception/schemas.ts';
import { PAYMENT_SIGNATURE_HEADER } from '../../shared/shop/schemas.ts';
import type { ProblemSlug } from '../http/problem.ts';
import { PAYMENT_CALLBACK_BYTES_MAX } from '../shop/shop-admin.routes.ts';
import type { SchemaName } from './schemas.ts';

/**
 * Who may call an operation. `customer` and `volunteer`: that identity's bearer credential,
 * or the session of an account owning one; `volunteerToken`: the anonymous volunteer's token
 * only; `session`: a signed-in user (holding `role` when given); `sessionOptional`: anyone,
 * a signed-in user sees more; `operator`: OPERATOR_TOKEN; `receptionKey`: the key reception
 * shares with its nodes (RECEPTION_REPORT_KEY); `paymentSignature`: the payment provider's
 * HMAC of the body; `operatorOrSession`: OPERATOR_TOKEN, or the session of an account with
 * the operator role.
 */
export type Security = 'none' | 'customer' | 'volunteer' | 'volunteerToken' | 'session' | 'sessionOptional' | 'operator' | 'operatorOrSession' | 'receptionKey' | 'paymentSignature';

export const TAGS = {
  Service: 'Health, this reference, problem types and kernel files',
  Customers: 'Customer accounts',
  Jobs: 'Quote, submit, follow and download jobs',
  Billing: 'Balance, top-ups and invoices',
  Volunteers: 'Anonymous volunteer identities, their points and credits',
  Work: 'The work protocol volunteer clients speak',
  Auth: 'Accounts: sign-up, sign-in, sign-out, claiming an anonymous volunteer identity',
  Shop: "Spending points in the partner shops: catalog, carts, checkout, orders",
  'Shop administration': "A shop's own routes (its operator's session) and the payment provider's callback",
  Licenses: 'License keys: public keys, activation, grants and the contributor license',
  Operator: "The compute operator's routes (OPERATOR_TOKEN)",
  Groups: 'Groups and private pools: a host browser passes a kernel to its peers over WebRTC and the server is needed at the start and the end only',
  Reception: 'Admission to the least-loaded node with single-use tickets, and the waiting room when every node is full',
} as const;
export type Tag = keyof typeof TAGS;

/** A body: a named JSON schema, or another content type described in words. */
export type Body = SchemaName | { contentType: string; description: string };

/** A request header the operation reads. */
export interface HeaderParam {
  name: string;
  required: boolean;
  description: string;
  /** JSON Schema of the value. */
  schema: { type: 'string'; pattern?: string; maxLength?: number };
  example: string;
}

/** One documented operation. */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI path: `{name}` where the route has `:name`. */
  path: string;
  tag: Tag;
  summary: string;
  description?: string;
  security: Security;
  /** `session` only: the role the user must hold (403 without it). */
  role?: Role;
  /** The body; `optional` when an empty body is read as the schema's defaults; `bytesMax` the bound it is read under. */
  request?: { body: Body; optional?: true; bytesMax: number };
  /** The query string, validated as one schema's properties. */
  query?: SchemaName;
  headers?: HeaderParam[];
  /** A node that requires admissions (ADMISSION=required) checks one for this scope first (edge/reception/mount.ts). */
  gated?: TicketScope;
  /** The usual success; `also` lists the other successes (a repeated idempotent request, 202 waiting …). */
  ok: { status: number; body: Body | null; also?: { status: number; description: string; body: Body | null }[] };
  /** Problem types of this operation beyond the shared ones {@link problemSlugs} adds. */
  problems?: ProblemSlug[];
}

const kinds = Object.entries(JOB_KIND_TITLES)
  .map(([k, t]) => `\`${k}\` (${t})`)
  .join(', ');

const CLIENT_KEY = (required: boolean): HeaderParam => ({
  name: CLIENT_KEY_HEADER,
  required,
  description: 'your client key: 32 random bytes, base64url, kept across reloads',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
  example: 'q5mZ0cM0wVY3b4QXc2xkHqFv9zT3oZ1m8Ww0JrQe1Xk',
});
const ADMISSION: HeaderParam = {
  name: ADMISSION_HEADER,
  required: false,
  description: 'the admission a node gave for your claimed ticket (required on a node with ADMISSION=required)',
  schema: { type: 'string', maxLength: 256 },
  example: 'adm_7Hq2',
};

const json = (body: SchemaName, bytesMax = JSON_BODY_BYTES_MAX) => ({ body, bytesMax });
const optionalJson = (body: SchemaName) => ({ body, optional: true as const, bytesMax: JSON_BODY_BYTES_MAX });

/** What refusing a job description can answer, beyond the shared problems. */
const JOB_DESCRIPTION_PROBLEMS: ProblemSlug[] = [
  'unknown-kind',
  'kernel-unavailable',
  'model-not-trained',
  'unsupported-language',
  'corpus-too-large',
  'corpus-invalid-utf8',
  'corpus-line-mismatch',
  'corpus-malformed',
  'corpus-empty',
  // A large body (a training corpus) is read in a worker thread, admitted per customer and overall (edge/jobs/prep/).
  'too-many-job-bodies',
  'job-bodies-busy',
  'job-body-unreadable',
];
/** Refusals of a license key before its license is looked at (shared/license/verify.ts), and an unknown license. */
const KEY_PROBLEMS: ProblemSlug[] = ['license-malformed', 'license-unknown-key', 'license-bad-signature', 'license-not-yet-valid', 'license-expired', 'license-revoked', 'license-not-found'];
const LEASE_PROBLEMS: ProblemSlug[] = ['lease-not-found', 'lease-not-yours'];
const SEAT_PROBLEMS: ProblemSlug[] = ['seat-not-found', 'group-closed'];

/** A host's operations on its group, the same under `/api/groups` (a volunteer hosts) and `/api/pools` (a customer hosts). */
function hostOperations(prefix: '/api/groups' | '/api/pools', security: 'volunteer' | 'customer'): Operation[] {
  const base = `${prefix}/{groupId}`;
  const what = prefix === '/api/groups' ? 'your group' : 'your pool';
  return [
    { method: 'get', path: base, tag: 'Groups', summary: `The seats of ${what}: seats left, each peer's state`, security, ok: { status: 200, body: 'GroupStatus' }, problems: ['group-not-found'] },
    { method: 'delete', path: base, tag: 'Groups', summary: `Close ${what}`, description: 'No seat is claimed after; a pool\'s approved seats are charged (per-seat billing) and the rest of its seat holds released.', security, ok: { status: 200, body: 'GroupClosed' }, problems: ['group-not-found'] },
    {
      method: 'put',
      path: `${base}/seats/{seatId}/offer`,
      tag: 'Groups',
      summary: "Send a seat's peer your WebRTC offer (complete, no trickle)",
      security,
      request: json('SignalRequest'),
      ok: { status: 200, body: 'SeatRef' },
      problems: ['group-not-found', 'group-closed', 'seat-not-found', 'signal-exists'],
    },
    { method: 'get', path: `${base}/seats/{seatId}/answer`, tag: 'Groups', summary: "Read (and so remove) a seat's answer", security, ok: { status: 200, body: 'Signal' }, problems: ['group-not-found', 'group-closed', 'seat-not-found', 'signal-not-found'] },
    {
      method: 'post',
      path: `${base}/lease`,
      tag: 'Groups',
      summary: 'Lease units for your peers',
      description:
        prefix === '/api/groups'
          ? "Each unit is leased to one peer that sent its reception notice, never one any member of the group holds a replica of; the group's replicas count as one network origin, so quorum partners come from outside it. Group leases last longer than a volunteer's."
          : "Units of the pool's job only, leased to its peers with the pool's quorum: the customer bears the risk of a lower quorum inside its own pool. A pool's replicas earn no points.",
      security,
      request: optionalJson('GroupLeaseRequest'),
      ok: { status: 200, body: 'GroupLeaseResponse' },
      problems: ['group-not-found', 'group-closed'],
    },
    {
      method: 'post',
      path: `${base}/results`,
      tag: 'Groups',
      summary: "Upload your peers' results, each signed by its peer",
      description:
        "Each result carries `inputSha256`, the SHA-256 of the input its peer computed on, and the peer's Ed25519 signature over `sparecycles-group-result\\n<groupId>\\n<leaseId>\\n<inputSha256>\\n<outputSha256>` (hashes in lower-case hex). Each is answered in the list: a bad signature (`signature-invalid`), a lease not leased to this group's peers (`lease-not-in-group`), an input other than the unit's (`input-altered`: the host altered it; the result is dropped, the peer is not penalised and the lease is given back, so the unit is leased again), or the work protocol's refusals are problems there. Valid results are the peer's, credited to the peer.",
      security,
      request: json('GroupResultsRequest', RESULTS_BATCH_BYTES_MAX),
      ok: { status: 200, body: 'GroupResultsResponse' },
      problems: ['group-not-found'],
    },
    {
      method: 'post',
      path: `${base}/release`,
      tag: 'Groups',
      summary: 'Give back leases of peers that left mid-unit',
      description:
        "The named leases that are this group's and still leased time out now, as expired leases do, with no penalty for anyone: their units can be leased again, to another peer or to anyone. Other leases in the list are not counted in `released`. Also after the group ended.",
      security,
      request: json('GroupReleaseRequest'),
      ok: { status: 200, body: 'GroupReleased' },
      problems: ['group-not-found'],
    },
  ];
}
const OWN_ORDER: ProblemSlug[] = ['order-not-found', 'order-not-yours'];
const OWN_CART: ProblemSlug[] = ['cart-not-found', 'cart-not-yours'];

/** Every operation, in the order the reference page lists them. */
export const OPERATIONS: Operation[] = [
  // Service
  { method: 'get', path: '/api/health', tag: 'Service', summary: 'Whether this edge answers, its database and its kernels', security: 'none', ok: { status: 200, body: 'Health' } },
  { method: 'get', path: '/api/openapi.json', tag: 'Service', summary: 'This document (OpenAPI 3.1)', security: 'none', ok: { status: 200, body: { contentType: 'application/json', description: 'this OpenAPI document' } } },
  { method: 'get', path: '/api/docs', tag: 'Service', summary: 'This reference as a page', security: 'none', ok: { status: 200, body: { contentType: 'text/html', description: 'the reference page' } } },
  { method: 'get', path: '/api/docs.css', tag: 'Service', summary: "The reference page's stylesheet", security: 'none', ok: { status: 200, body: { contentType: 'text/css', description: 'the stylesheet' } } },
  { method: 'get', path: '/problems/{slug}', tag: 'Service', summary: 'What a problem type means (its `type` URI)', security: 'none', ok: { status: 200, body: 'ProblemType' }, problems: ['not-found'] },
  { method: 'get', path: '/api/kernels', tag: 'Service', summary: 'The kernels this server runs', security: 'none', ok: { status: 200, body: 'KernelList' } },
  {
    method: 'get',
    path: '/kernels/{file}',
    tag: 'Service',
    summary: "A kernel's WebAssembly module (the `url` of GET /api/kernels)",
    description: 'Served with its SHA-256 as ETag; If-None-Match with it answers 304.',
    security: 'none',
    ok: { status: 200, body: { contentType: 'application/wasm', description: 'the module' }, also: [{ status: 304, description: 'not modified (If-None-Match)', body: null }] },
    problems: ['not-found'],
  },
  // Customers
  {
    method: 'post',
    path: '/api/customers',
    tag: 'Customers',
    summary: 'Create a customer account and its API key',
    description: 'Bounded per network origin: over the bound, 429 with Retry-After and nothing is created.',
    security: 'none',
    request: json('CreateCustomerRequest'),
    ok: { status: 201, body: 'CreateCustomerResponse' },
    problems: ['too-many-identities'],
  },
  // Jobs
  {
    method: 'post',
    path: '/api/jobs/quote',
    tag: 'Jobs',
    summary: 'Price and ETA of a job, without creating it',
    description: `Same body as POST /api/jobs. Kinds: ${kinds}. The ETA divides the open work ahead plus this job's by the points volunteers validated per second over the last minute; it is null while nobody computes. The body may have ${JSON_BODY_BYTES_MAX} bytes, ${TRAINING_JOB_BODY_BYTES_MAX} for an \`ibm1-train\` job.`,
    security: 'customer',
    request: json('JobRequest'),
    ok: { status: 200, body: 'Quote' },
    problems: JOB_DESCRIPTION_PROBLEMS,
  },
  {
    method: 'post',
    path: '/api/jobs',
    tag: 'Jobs',
    summary: 'Submit a job',
    description: `Validates, prices (Σ unit points × quorum × price per point) and splits the job, and holds the price on the balance. A balance that does not cover it is answered 402 and nothing is created. Kinds: ${kinds}. The body may have ${JSON_BODY_BYTES_MAX} bytes, ${TRAINING_JOB_BODY_BYTES_MAX} for an \`ibm1-train\` job.`,
    security: 'customer',
    request: json('JobRequest'),
    gated: 'jobs',
    headers: [ADMISSION],
    ok: { status: 201, body: 'Job' },
    problems: [...JOB_DESCRIPTION_PROBLEMS, 'insufficient-funds'],
  },
  { method: 'get', path: '/api/jobs', tag: 'Jobs', summary: 'Your jobs, newest first', security: 'customer', ok: { status: 200, body: 'JobList' } },
  { method: 'get', path: '/api/jobs/{id}', tag: 'Jobs', summary: 'A job and its unit counts', security: 'customer', ok: { status: 200, body: 'Job' }, problems: ['not-found'] },
  {
    method: 'post',
    path: '/api/jobs/{id}/cancel',
    tag: 'Jobs',
    summary: 'Cancel a running job',
    description: 'Open units stop being handed out; valid units are charged and the rest of the hold is released.',
    security: 'customer',
    ok: { status: 200, body: 'Job' },
    problems: ['not-found', 'job-not-running'],
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/events',
    tag: 'Jobs',
    summary: 'Live progress (server-sent events)',
    description: 'A `progress` event with a JobProgress document every second until the job ends; reconnect to continue.',
    security: 'customer',
    ok: { status: 200, body: { contentType: 'text/event-stream', description: 'events named `progress`, data: JobProgress' } },
    problems: ['not-found', 'too-many-progress-streams'],
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/partial',
    tag: 'Jobs',
    summary: 'What the units validated so far integrate to',
    description: "The kind's result document from the valid units, without per-member lists: histograms and statistics (ebm), spread and event probability over lead time (lorenz96).",
    security: 'customer',
    ok: { status: 200, body: 'JobPartial' },
    problems: ['not-found'],
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/result',
    tag: 'Jobs',
    summary: 'The integrated result (JSON)',
    security: 'customer',
    ok: { status: 200, body: { contentType: 'application/json', description: "the kind's result document, with every member" } },
    problems: ['not-found', 'job-not-complete'],
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/result.csv',
    tag: 'Jobs',
    summary: 'The integrated result (CSV)',
    security: 'customer',
    ok: { status: 200, body: { contentType: 'text/csv', description: 'one row per member (ebm) or per lead time (lorenz96), with a header row' } },
    problems: ['not-found', 'job-not-complete'],
  },
  // Billing
  { method: 'get', path: '/api/jobs/{id}/invoice', tag: 'Billing', summary: "A job's invoice", security: 'customer', ok: { status: 200, body: 'Invoice' }, problems: ['not-found'] },
  { method: 'get', path: '/api/billing', tag: 'Billing', summary: 'Your balance', security: 'customer', ok: { status: 200, body: 'Balance' } },
  {
    method: 'post',
    path: '/api/billing/topups',
    tag: 'Billing',
    summary: 'Add money to your balance',
    description: 'Charges the card through the payment provider; repeating the request with the same idempotencyKey charges once.',
    security: 'customer',
    request: json('TopupRequest'),
    ok: { status: 201, body: 'Balance', also: [{ status: 200, description: 'a repeated request: charged once, the balance as it is', body: 'Balance' }] },
    problems: ['payment-declined'],
  },
  // Volunteers
  {
    method: 'post',
    path: '/api/volunteers',
    tag: 'Volunteers',
    summary: 'Create an anonymous volunteer identity',
    description: 'Takes no body. Bounded per network origin: over the bound, 429 with Retry-After and nothing is created.',
    security: 'none',
    ok: { status: 201, body: 'CreateVolunteerResponse' },
    problems: ['too-many-identities'],
  },
  { method: 'get', path: '/api/volunteers/me', tag: 'Volunteers', summary: 'Your points', security: 'volunteer', ok: { status: 200, body: 'VolunteerMe' } },
  {
    method: 'get',
    path: '/api/volunteers/me/credits',
    tag: 'Volunteers',
    summary: 'Your recent credits, and the points earned since a time',
    security: 'volunteer',
    query: 'CreditsQuery',
    ok: { status: 200, body: 'Credits' },
  },
  { method: 'get', path: '/api/volunteers/me/units/{unitId}', tag: 'Volunteers', summary: 'One unit you returned a result for, with its job', security: 'volunteer', ok: { status: 200, body: 'VolunteerUnit' }, problems: ['not-found'] },
  // Work
  {
    method: 'post',
    path: '/api/work/lease',
    tag: 'Work',
    summary: 'Lease units to compute',
    description: 'An empty body leases one unit.',
    security: 'volunteer',
    request: optionalJson('LeaseRequest'),
    gated: 'volunteer',
    headers: [ADMISSION],
    ok: { status: 200, body: 'LeaseResponse' },
  },
  {
    method: 'put',
    path: '/api/work/leases/{leaseId}/result',
    tag: 'Work',
    summary: "Submit one lease's output bytes",
    security: 'volunteer',
    request: { body: { contentType: 'application/octet-stream', description: 'the kernel output bytes' }, bytesMax: UNIT_OUTPUT_BYTES_MAX },
    gated: 'volunteer',
    headers: [ADMISSION],
    ok: { status: 200, body: 'SubmitResultResponse' },
    problems: [...LEASE_PROBLEMS, 'lease-closed', 'result-conflict', 'result-size'],
  },
  {
    method: 'post',
    path: '/api/work/results',
    tag: 'Work',
    summary: 'Submit several results at once',
    description: "Each result is answered in the list: a lease's refusal is a problem there, not the request's status.",
    security: 'volunteer',
    request: json('SubmitResultsRequest', RESULTS_BATCH_BYTES_MAX),
    gated: 'volunteer',
    headers: [ADMISSION],
    ok: { status: 200, body: 'SubmitResultsResponse' },
  },
  {
    method: 'post',
    path: '/api/work/leases/{leaseId}/heartbeat',
    tag: 'Work',
    summary: 'Keep a lease alive',
    description: 'Without a body (older clients) the lease is not extended; with `progress` it is, while the progress advances.',
    security: 'volunteer',
    request: optionalJson('HeartbeatRequest'),
    gated: 'volunteer',
    headers: [ADMISSION],
    ok: { status: 200, body: 'HeartbeatResponse' },
    problems: LEASE_PROBLEMS,
  },
  {
    method: 'post',
    path: '/api/work/leases/{leaseId}/error',
    tag: 'Work',
    summary: 'Report that a unit failed to run',
    security: 'volunteer',
    request: json('ReportErrorRequest'),
    gated: 'volunteer',
    headers: [ADMISSION],
    ok: { status: 200, body: 'ReportErrorResponse' },
    problems: [...LEASE_PROBLEMS, 'lease-closed'],
  },
  // Groups
  {
    method: 'post',
    path: '/api/groups',
    tag: 'Groups',
    summary: 'Create a volunteer group: an invite (shown once) and the kernel it runs',
    security: 'volunteer',
    request: json('CreateGroupRequest'),
    ok: { status: 201, body: 'CreatedGroup' },
    problems: ['kernel-unknown', 'too-many-groups'],
  },
  {
    method: 'post',
    path: '/api/pools',
    tag: 'Groups',
    summary: 'Create a private pool for one of your running jobs, its seats held on your balance',
    description: '`billing`: `seat` charges each approved seat (claimed, not declined), `notice` each reception notice. `quorum` may lower the quorum of the units your pool computes: you bear that risk. No points are issued for a pool.',
    security: 'customer',
    request: json('CreatePoolRequest'),
    ok: { status: 201, body: 'CreatedGroup' },
    problems: ['not-found', 'job-not-running', 'kernel-unknown', 'too-many-groups', 'insufficient-funds'],
  },
  ...hostOperations('/api/groups', 'volunteer'),
  ...hostOperations('/api/pools', 'customer'),
  {
    method: 'post',
    path: '/api/seats',
    tag: 'Groups',
    summary: "Claim a seat with an invite and your Ed25519 public key; the kernel's sha256 comes from the server",
    security: 'volunteer',
    request: json('ClaimSeatRequest'),
    ok: { status: 200, body: 'Seat', also: [{ status: 200, description: 'the seat you hold already', body: 'Seat' }] },
    problems: ['group-not-found', 'group-closed', 'group-full', 'group-own-seat', 'kernel-unknown'],
  },
  { method: 'post', path: '/api/seats/{groupId}/notice', tag: 'Groups', summary: 'Say you received the kernel (a reception notice; idempotent)', security: 'volunteer', ok: { status: 200, body: 'SeatRef' }, problems: SEAT_PROBLEMS },
  {
    method: 'post',
    path: '/api/seats/{groupId}/leave',
    tag: 'Groups',
    summary: 'Give up on your host: your leases of its group go back',
    description: `Your leases of this group still leased time out now, with no penalty, so their units are reissued (at most ${GROUP_RELEASED_MAX} a call: call again while \`released\` is that many). Your seat stays as it is (a pool's bill stands). Also after the group ended.`,
    security: 'volunteer',
    ok: { status: 200, body: 'GroupReleased' },
    problems: ['seat-not-found'],
  },
  { method: 'delete', path: '/api/seats/{groupId}', tag: 'Groups', summary: 'Decline your seat before you received the kernel (not billed)', security: 'volunteer', ok: { status: 200, body: 'SeatRef' }, problems: [...SEAT_PROBLEMS, 'seat-received'] },
  { method: 'get', path: '/api/seats/{groupId}/offer', tag: 'Groups', summary: "Read (and so remove) the host's offer for your seat", security: 'volunteer', ok: { status: 200, body: 'Signal' }, problems: [...SEAT_PROBLEMS, 'signal-not-found'] },
  { method: 'put', path: '/api/seats/{groupId}/answer', tag: 'Groups', summary: 'Send the host your answer', security: 'volunteer', request: json('SignalRequest'), ok: { status: 200, body: 'SeatRef' }, problems: [...SEAT_PROBLEMS, 'signal-exists'] },
  // Auth
  {
    method: 'post',
    path: '/api/auth/signup',
    tag: 'Auth',
    summary: 'Create an account and sign in',
    description: 'Sets the session cookie. A sign-up makes a volunteer or customer identity, bounded per network origin as POST /api/volunteers and /api/customers are.',
    security: 'none',
    request: json('SignupRequest'),
    ok: { status: 201, body: 'SessionUser' },
    problems: ['email-taken', 'too-many-identities'],
  },
  {
    method: 'post',
    path: '/api/auth/login',
    tag: 'Auth',
    summary: 'Sign in',
    description: 'Sets the session cookie. An unknown e-mail and a wrong password are answered alike; repeated failures are answered 429 with Retry-After.',
    security: 'none',
    request: json('LoginRequest'),
    ok: { status: 200, body: 'SessionUser' },
    problems: ['invalid-credentials', 'too-many-attempts'],
  },
  { method: 'post', path: '/api/auth/logout', tag: 'Auth', summary: 'Sign out', description: 'Ends the presented session, if any, and clears the cookie.', security: 'none', ok: { status: 204, body: null } },
  { method: 'get', path: '/api/auth/me', tag: 'Auth', summary: 'The signed-in user', security: 'session', ok: { status: 200, body: 'SessionUser' } },
  {
    method: 'post',
    path: '/api/auth/claim',
    tag: 'Auth',
    summary: 'Claim the anonymous volunteer identity whose token you hold for an account',
    description: "A new account (201), or an existing one with its own password (200); the account keeps the identity's points. Signs in.",
    security: 'volunteerToken',
    request: json('ClaimIdentityRequest'),
    ok: { status: 201, body: 'SessionUser', also: [{ status: 200, description: 'an existing account took the identity', body: 'SessionUser' }] },
    problems: ['already-claimed', 'email-taken', 'invalid-credentials', 'too-many-attempts'],
  },
  // Shop
  { method: 'get', path: '/api/shop/catalog', tag: 'Shop', summary: 'The shops and what they sell', security: 'none', ok: { status: 200, body: 'Catalog' } },
  { method: 'get', path: '/api/shop/me', tag: 'Shop', summary: 'Whether you are signed in, and your spendable points', security: 'sessionOptional', ok: { status: 200, body: 'ShopMe' } },
  { method: 'post', path: '/api/shop/carts', tag: 'Shop', summary: 'Open a cart at a shop', security: 'session', request: json('CreateCartRequest'), ok: { status: 201, body: 'Cart' }, problems: ['shop-not-found', 'too-many-carts'] },
  { method: 'get', path: '/api/shop/carts', tag: 'Shop', summary: 'Your carts', security: 'session', ok: { status: 200, body: 'CartList' } },
  { method: 'get', path: '/api/shop/carts/{cartId}', tag: 'Shop', summary: 'One of your carts', security: 'session', ok: { status: 200, body: 'Cart' }, problems: OWN_CART },
  {
    method: 'put',
    path: '/api/shop/carts/{cartId}/lines/{productId}',
    tag: 'Shop',
    summary: "Set a product's quantity in your cart (0 removes it)",
    security: 'session',
    request: json('SetCartLineRequest'),
    ok: { status: 200, body: 'Cart' },
    problems: [...OWN_CART, 'cart-not-open', 'unknown-product'],
  },
  {
    method: 'post',
    path: '/api/shop/checkout',
    tag: 'Shop',
    summary: 'Order a cart, paying partly with points',
    description: 'Idempotent by `idempotencyKey`: a repeated request answers the same order (200); the same key with another cart or amount is refused.',
    security: 'session',
    request: json('CheckoutRequest'),
    gated: 'checkout',
    headers: [ADMISSION],
    ok: { status: 201, body: 'Order', also: [{ status: 200, description: 'a repeated request: the order it made', body: 'Order' }] },
    problems: [...OWN_CART, 'idempotency-key-reused', 'cart-not-open', 'cart-empty', 'product-unavailable', 'points-below-minimum', 'no-points-account', 'points-insufficient', 'shop-not-approved', 'settlement-limit-reached', ...OWN_ORDER, 'order-not-payable', 'order-expired'],
  },
  { method: 'get', path: '/api/shop/orders', tag: 'Shop', summary: 'Your orders', security: 'session', ok: { status: 200, body: 'OrderList' } },
  { method: 'get', path: '/api/shop/orders/{orderId}', tag: 'Shop', summary: 'One of your orders', security: 'session', ok: { status: 200, body: 'Order' }, problems: OWN_ORDER },
  {
    method: 'post',
    path: '/api/shop/orders/{orderId}/pay',
    tag: 'Shop',
    summary: 'Pay an order that awaits payment',
    security: 'session',
    request: json('PayRequest'),
    ok: { status: 200, body: 'Order' },
    problems: [...OWN_ORDER, 'order-not-payable', 'order-expired', 'shop-not-approved'],
  },
  { method: 'post', path: '/api/shop/orders/{orderId}/cancel', tag: 'Shop', summary: 'Cancel an unpaid order, releasing its points', security: 'session', ok: { status: 200, body: 'Order' }, problems: [...OWN_ORDER, 'order-not-cancellable'] },
  {
    method: 'post',
    path: '/api/shop/orders/{orderId}/refunds',
    tag: 'Shop',
    summary: 'Refund an order, or some of its lines',
    description: 'An empty body refunds every line still refundable.',
    security: 'session',
    request: optionalJson('RefundRequest'),
    ok: { status: 201, body: 'Refund' },
    problems: [...OWN_ORDER, 'order-not-refundable'],
  },
  // Shop administration
  {
    method: 'post',
    path: '/api/shop/payments/callback',
    tag: 'Shop administration',
    summary: "The payment provider's notice that a payment changed",
    description: `Signed by the provider: \`${PAYMENT_SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the body>\`, checked before anything else (one 401 for every bad signature, naming no payment). Even signed, it carries no authority: the edge asks the provider for the payment it names.`,
    security: 'paymentSignature',
    request: json('PaymentCallbackRequest', PAYMENT_CALLBACK_BYTES_MAX),
    ok: { status: 200, body: 'PaymentCallbackResponse' },
    problems: ['payment-not-found'],
  },
  {
    method: 'get',
    path: '/api/shop/shops/{shopId}/settlement',
    tag: 'Shop administration',
    summary: "A shop's settlement report for a period (JSON or CSV)",
    security: 'session',
    role: 'shop_operator',
    query: 'SettlementQuery',
    ok: { status: 200, body: 'SettlementReport', also: [{ status: 200, description: 'with format=csv', body: { contentType: 'text/csv', description: 'one row per order line, with a header row' } }] },
    problems: ['forbidden', 'shop-not-found'],
  },
  {
    method: 'put',
    path: '/api/shop/shops/{shopId}',
    tag: 'Shop administration',
    summary: 'Set up or change your shop',
    security: 'session',
    role: 'shop_operator',
    description: "A new shop starts `pending`: it takes no points until the operator approves it. Its rules must stay within the caps the operator set (422 naming the field), and its name must differ from every other shop's (compared ignoring case, width and spacing).",
    request: json('ShopUpsertRequest'),
    ok: { status: 200, body: 'Shop', also: [{ status: 201, description: 'the shop was created', body: 'Shop' }] },
    problems: ['forbidden', 'shop-name-taken'],
  },
  {
    method: 'get',
    path: '/api/shop/shops/{shopId}/governance',
    tag: 'Shop administration',
    summary: "A shop's status, its own rules, the operator's caps and what the operator owes it",
    description: "For the shop's operator or the compute operator.",
    security: 'session',
    ok: { status: 200, body: 'ShopGovernance' },
    problems: ['forbidden', 'shop-not-found'],
  },
  { method: 'get', path: '/api/shop/point-value', tag: 'Shop', summary: 'The value of a point (minor units per point), set by the operator', security: 'none', ok: { status: 200, body: 'PointValue' } },
  {
    method: 'put',
    path: '/api/shop/point-value',
    tag: 'Operator',
    summary: 'Set the value of a point',
    description: 'No shop prices a point above it; lowering it applies to later checkouts at once.',
    security: 'operatorOrSession',
    request: json('PointValueRequest'),
    ok: { status: 200, body: 'PointValue' },
  },
  { method: 'get', path: '/api/shop/shops', tag: 'Operator', summary: 'Every shop with its status, caps and what the operator owes it', security: 'operatorOrSession', ok: { status: 200, body: 'ShopGovernanceList' } },
  {
    method: 'put',
    path: '/api/shop/shops/{shopId}/caps',
    tag: 'Operator',
    summary: "Set a shop's caps: its highest rate, largest discount share and settlement limit",
    security: 'operatorOrSession',
    request: json('ShopCapsRequest'),
    ok: { status: 200, body: 'ShopGovernance' },
    problems: ['shop-not-found'],
  },
  {
    method: 'put',
    path: '/api/shop/shops/{shopId}/status',
    tag: 'Operator',
    summary: 'Approve a shop (it takes points from then on) or suspend it',
    security: 'operatorOrSession',
    request: json('ShopStatusRequest'),
    ok: { status: 200, body: 'ShopGovernance' },
    problems: ['shop-not-found'],
  },
  {
    method: 'post',
    path: '/api/shop/shops/{shopId}/products',
    tag: 'Shop administration',
    summary: 'Add a product to your shop',
    security: 'session',
    role: 'shop_operator',
    request: json('ProductRequest'),
    ok: { status: 201, body: 'Product' },
    problems: ['forbidden', 'shop-not-found'],
  },
  {
    method: 'put',
    path: '/api/shop/shops/{shopId}/products/{productId}',
    tag: 'Shop administration',
    summary: 'Change a product of your shop',
    security: 'session',
    role: 'shop_operator',
    request: json('ProductRequest'),
    ok: { status: 200, body: 'Product' },
    problems: ['forbidden', 'unknown-product'],
  },
  // Licenses
  { method: 'get', path: '/api/licenses/public-keys', tag: 'Licenses', summary: 'The public keys license keys are signed with', security: 'none', ok: { status: 200, body: 'PublicKeys' } },
  {
    method: 'post',
    path: '/api/licenses/activate',
    tag: 'Licenses',
    summary: 'Activate a license key on a device',
    security: 'none',
    request: json('ActivationRequest'),
    ok: { status: 200, body: 'ActivationResponse' },
    problems: [...KEY_PROBLEMS, 'license-activation-limit'],
  },
  {
    method: 'post',
    path: '/api/licenses/deactivate',
    tag: 'Licenses',
    summary: 'Deactivate a license key on a device, freeing its slot',
    description: "Only the license's owner: the session of the account it belongs to (or that owns the volunteer identity it was granted to); a grant to an anonymous volunteer is deactivated with that volunteer's token. The key alone is 401, another owner's session 403.",
    security: 'session',
    request: json('ActivationRequest'),
    ok: { status: 200, body: 'DeactivationResponse' },
    problems: [...KEY_PROBLEMS, 'license-not-yours'],
  },
  {
    method: 'post',
    path: '/api/licenses/grants/{code}/redeem',
    tag: 'Licenses',
    summary: 'Redeem a single-use license grant',
    description: 'The license is issued to you (the volunteer); an empty body is `{}`.',
    security: 'volunteer',
    request: optionalJson('RedeemGrantRequest'),
    ok: { status: 201, body: 'IssuedLicense' },
    problems: ['grant-not-found', 'grant-already-redeemed'],
  },
  {
    method: 'post',
    path: '/api/licenses/contributor-grant',
    tag: 'Licenses',
    summary: "This month's contributor license, for enough vested points",
    description: 'An anonymous identity must be claimed by an account first (403).',
    security: 'volunteer',
    request: json('ContributorGrantRequest'),
    ok: { status: 200, body: 'ContributorGrantResponse' },
    problems: ['license-product-not-found'],
  },
  // Operator
  { method: 'post', path: '/api/licenses/{id}/revoke', tag: 'Operator', summary: 'Revoke a license', security: 'operator', request: json('RevokeRequest'), ok: { status: 200, body: 'RevokeResponse' }, problems: ['license-not-found'] },
  { method: 'post', path: '/api/licenses/grants', tag: 'Operator', summary: 'Create a single-use license grant', security: 'operator', request: json('CreateGrantRequest'), ok: { status: 201, body: 'CreateGrantResponse' } },
  { method: 'get', path: RECEPTION_PATHS.status, tag: 'Operator', summary: "Reception's view: nodes, load, the line, tickets", security: 'operator', ok: { status: 200, body: 'ReceptionStatus' } },
  // Reception
  { method: 'get', path: RECEPTION_PATHS.config, tag: 'Reception', summary: 'Whether clients of this site go through reception, and where it is', security: 'none', ok: { status: 200, body: 'ReceptionConfig' } },
  {
    method: 'post',
    path: RECEPTION_PATHS.admit,
    tag: 'Reception',
    summary: 'Ask for admission to the least-loaded node',
    description: `The ticket is bound to your client key. \`admitted\` (200) names the node and carries a single-use ticket to claim there before it expires. \`waiting\` (202, with \`Retry-After\`) gives your position, a wait estimate and a signed place: send the place back when you ask again, and you keep your arrival time.`,
    security: 'none',
    request: json('AdmitRequest'),
    headers: [CLIENT_KEY(true)],
    ok: { status: 200, body: 'AdmitResponse', also: [{ status: 202, description: 'waiting: your place in line (Retry-After)', body: 'AdmitResponse' }] },
    problems: ['place-invalid', 'waiting-room-full'],
  },
  {
    method: 'post',
    path: RECEPTION_PATHS.leave,
    tag: 'Reception',
    summary: 'Give up your place in line',
    security: 'none',
    request: json('LeaveRequest'),
    headers: [CLIENT_KEY(true)],
    ok: { status: 204, body: null },
    problems: ['place-invalid'],
  },
  {
    method: 'post',
    path: RECEPTION_PATHS.report,
    tag: 'Reception',
    summary: "A node's load report (nodes only)",
    security: 'receptionKey',
    request: json('NodeReport'),
    ok: { status: 204, body: null },
  },
  {
    method: 'post',
    path: RECEPTION_PATHS.admission,
    tag: 'Reception',
    summary: "Claim a ticket on the node it names (the node's side)",
    description: `With the client key the ticket was issued to. A forged, expired, not-yet-valid, wrong-node, wrong-client, wrong-scope or already-used ticket is refused with its own problem type. The admission goes in \`${ADMISSION_HEADER}\` on the node's gated requests (work, job submission, checkout).`,
    security: 'none',
    request: json('ClaimRequest'),
    headers: [CLIENT_KEY(false)],
    ok: { status: 201, body: 'ClaimResponse' },
    problems: ['ticket-forged', 'ticket-not-yet-valid', 'ticket-expired', 'ticket-wrong-node', 'ticket-wrong-client', 'ticket-wrong-scope', 'ticket-used', 'node-full'],
  },
  {
    method: 'delete',
    path: RECEPTION_PATHS.admission,
    tag: 'Reception',
    summary: 'End your admission and free its slot',
    description: 'Answers 204 whether or not the admission existed.',
    security: 'none',
    headers: [ADMISSION, CLIENT_KEY(false)],
    ok: { status: 204, body: null },
  },
];

const UNSAFE = new Set(['post', 'put', 'delete']);

/**
 * Every problem type `op` can answer: its own, and those its kind shares. A JSON body:
 * malformed, wrong content type, too large, invalid (edge/http/body.ts); a binary body: the
 * last but one two. Authentication: unauthenticated, and for identities reached through a
 * session, an account without that identity (edge/auth/require.ts). Any state-changing
 * request under /api/ that carries a session cookie is CSRF-checked (edge/auth/csrf.ts):
 * the check does not depend on the operation's own authentication. A node requiring
 * admissions checks one on the gated operations (edge/reception/mount.ts).
 */
export function problemSlugs(op: Operation): ProblemSlug[] {
  const slugs = new Set<ProblemSlug>(op.problems ?? []);
  const add = (...s: ProblemSlug[]) => s.forEach((x) => slugs.add(x));
  if (op.request) {
    if (typeof op.request.body === 'string') add('malformed-json', 'unsupported-media-type', 'body-too-large', 'validation');
    else add('unsupported-media-type', 'body-too-large');
  }
  if (op.query || op.headers?.some((h) => h.required)) add('validation');
  if (op.security === 'customer' || op.security === 'volunteer') add('unauthenticated', 'forbidden');
  if (op.security === 'volunteerToken' || op.security === 'session' || op.security === 'operator' || op.security === 'receptionKey') add('unauthenticated');
  if (op.security === 'paymentSignature') add('callback-signature-invalid');
  if (op.security === 'operatorOrSession') add('unauthenticated', 'forbidden');
  if (op.role) add('forbidden');
  if (UNSAFE.has(op.method) && op.path.startsWith('/api/')) add('cross-site-request');
  if (op.gated) add('admission-required', 'ticket-wrong-client', 'ticket-wrong-scope');
  return [...slugs];
}
