/**
 * @module A typed client of the HTTP API for the browser app, the Node worker, the CLI and
 * tests. It does no I/O of its own: the caller passes `fetch`.
 */
import type { z } from 'zod';
import {
  API_PATHS,
  CreateCustomerResponseSchema,
  CreateVolunteerResponseSchema,
  HeartbeatResponseSchema,
  JobListSchema,
  JobSchema,
  KernelListSchema,
  LeaseResponseSchema,
  ProblemSchema,
  ReportErrorResponseSchema,
  SubmitResultResponseSchema,
  SubmitResultsResponseSchema,
  VolunteerMeSchema,
  CreditsSchema,
  VolunteerUnitSchema,
  type LeaseRequest,
  type Problem,
  BalanceSchema,
  CUSTOMER_API_PATHS,
  InvoiceSchema,
  JobPartialSchema,
  JobProgressSchema,
  QuoteSchema,
  type JobProgress,
  type TopupRequest,
} from './schemas.ts';
import type { JobRequest } from '../jobs/kinds.ts';
import { bytesToBase64 } from '../base64.ts';

/** An API answer that was not 2xx, carrying the server's problem details. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly problem: Problem,
    /** Seconds the server asked to wait before trying again (its `Retry-After`), when it said. */
    readonly retryAfterS?: number,
  ) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
}

/** Options of {@link createApiClient}. */
export interface ApiClientOptions {
  /** Server origin, e.g. `http://127.0.0.1:8787`; empty for same-origin requests. */
  baseUrl?: string;
  /** Bearer token (a volunteer token or a customer API key). */
  token?: string | (() => string | undefined);
  fetch?: typeof fetch;
}

/**
 * @example
 * const api = createApiClient({ baseUrl: 'http://127.0.0.1:8787', token: apiKey });
 * const job = await api.createJob({ kind: 'lorenz96', params: {} });
 */
export function createApiClient(options: ApiClientOptions = {}) {
  const base = options.baseUrl?.replace(/\/$/, '') ?? '';
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const call = apiCaller(options);

  return {
    createCustomer: (name: string) => call(CreateCustomerResponseSchema, API_PATHS.customers, json('POST', { name })),
    createVolunteer: () => call(CreateVolunteerResponseSchema, API_PATHS.volunteers, { method: 'POST' }),
    me: () => call(VolunteerMeSchema, API_PATHS.volunteerMe),
    kernels: () => call(KernelListSchema, API_PATHS.kernels),
    createJob: (req: z.input<typeof import('../jobs/kinds.ts').JobRequestSchema> | JobRequest) =>
      call(JobSchema, API_PATHS.jobs, json('POST', req)),
    jobs: () => call(JobListSchema, API_PATHS.jobs),
    job: (id: string) => call(JobSchema, API_PATHS.job(id)),
    /** The integrated result, as parsed JSON. */
    jobResult: async (id: string): Promise<unknown> => {
      const headers = new Headers();
      const token = typeof options.token === 'function' ? options.token() : options.token;
      if (token) headers.set('authorization', `Bearer ${token}`);
      const res = await doFetch(base + API_PATHS.jobResult(id), { headers });
      if (!res.ok) throw new ApiError(await readProblem(res), retryAfterOf(res));
      return res.json();
    },
    lease: (req: LeaseRequest = {}) => call(LeaseResponseSchema, API_PATHS.lease, json('POST', req)),
    submitResult: (leaseId: number, output: Uint8Array) =>
      call(SubmitResultResponseSchema, API_PATHS.leaseResult(leaseId), {
        method: 'PUT',
        body: output as Uint8Array<ArrayBuffer>,
        headers: { 'content-type': 'application/octet-stream' },
      }),
    /** Several results in one request; each answer says its outcome or the problem that refused it. */
    submitResults: (items: { leaseId: number; output: Uint8Array }[]) =>
      call(SubmitResultsResponseSchema, API_PATHS.results, json('POST', { results: items.map((it) => ({ leaseId: it.leaseId, output: bytesToBase64(it.output) })) })),
    /** `progress`: work units of the unit done so far; the lease is extended only while it advances. */
    heartbeat: (leaseId: number, progress?: number) =>
      call(HeartbeatResponseSchema, API_PATHS.leaseHeartbeat(leaseId), {
        method: 'POST',
        ...(progress === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ progress }) }),
      }),
    cancelJob: (id: string) => call(JobSchema, API_PATHS.jobCancel(id), { method: 'POST' }),
    reportError: (leaseId: number, code: number, message: string) =>
      call(ReportErrorResponseSchema, API_PATHS.leaseError(leaseId), json('POST', { code, message: message.slice(0, 500) })),
    /** This volunteer's recent credits (newest first) and net points since `since` (epoch ms). */
    credits: (since: number, limit = 20) =>
      call(CreditsSchema, `${API_PATHS.volunteerCredits}?${new URLSearchParams({ since: String(since), limit: String(limit) })}`),
    /** A unit this volunteer returned a result for, with its job's progress. */
    volunteerUnit: (unitId: number) => call(VolunteerUnitSchema, API_PATHS.volunteerUnit(unitId)),
    /** Price and ETA of a job description; nothing is created. */
    quoteJob: (req: z.input<typeof import('../jobs/kinds.ts').JobRequestSchema> | JobRequest) =>
      call(QuoteSchema, CUSTOMER_API_PATHS.jobQuote, json('POST', req)),
    /** What the validated units of a job integrate to so far (no per-member lists). */
    jobPartial: (id: string) => call(JobPartialSchema, CUSTOMER_API_PATHS.jobPartial(id)),
    jobInvoice: (id: string) => call(InvoiceSchema, CUSTOMER_API_PATHS.jobInvoice(id)),
    balance: () => call(BalanceSchema, CUSTOMER_API_PATHS.billing),
    topUp: (req: TopupRequest) => call(BalanceSchema, CUSTOMER_API_PATHS.billingTopups, json('POST', req)),
    /** The integrated result as CSV text. */
    jobResultCsv: async (id: string): Promise<string> => {
      const res = await doFetch(base + CUSTOMER_API_PATHS.jobResultCsv(id), { headers: authHeaders() });
      if (!res.ok) throw new ApiError(await readProblem(res), retryAfterOf(res));
      return res.text();
    },
    /**
     * The job's progress events (server-sent events read over fetch, so the API key can be
     * sent, which EventSource cannot), until the stream ends or `signal` aborts.
     */
    jobEvents: (id: string, signal?: AbortSignal) => readProgressEvents(doFetch, base + API_PATHS.jobEvents(id), authHeaders(), signal),
  };

  function authHeaders(): Headers {
    const headers = new Headers();
    const token = typeof options.token === 'function' ? options.token() : options.token;
    if (token) headers.set('authorization', `Bearer ${token}`);
    return headers;
  }
}

/** A JSON body of `method` for a {@link apiCaller} call. */
export const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });

/**
 * One authenticated API call: its answer parsed with `schema`, or an {@link ApiError} with
 * the server's problem. Other clients of the API (groups) are built on it.
 */
export function apiCaller(options: ApiClientOptions) {
  const base = options.baseUrl?.replace(/\/$/, '') ?? '';
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  return async function call<S extends z.ZodType>(schema: S, path: string, init: RequestInit = {}): Promise<z.output<S>> {
    const headers = new Headers(init.headers);
    const token = typeof options.token === 'function' ? options.token() : options.token;
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (typeof init.body === 'string') headers.set('content-type', 'application/json');
    const res = await doFetch(base + path, { ...init, headers });
    if (!res.ok) throw new ApiError(await readProblem(res), retryAfterOf(res));
    return schema.parse(await res.json());
  };
}

/** Parses a `text/event-stream` body (WHATWG HTML §9.2) into its `progress` events. */
async function* readProgressEvents(doFetch: typeof fetch, url: string, headers: Headers, signal?: AbortSignal): AsyncGenerator<JobProgress> {
  headers.set('accept', 'text/event-stream');
  const res = await doFetch(url, { headers, signal });
  if (!res.ok) throw new ApiError(await readProblem(res), retryAfterOf(res));
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += value;
      let nl: number;
      while ((nl = buffer.search(/\r\n|\n|\r/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
        if (line === '') {
          if (event === 'progress' && data.length) yield JobProgressSchema.parse(JSON.parse(data.join('\n')));
          event = 'message';
          data = [];
        } else if (line.startsWith('event:')) {
          event = line.slice(6).trim();
        } else if (line.startsWith('data:')) {
          data.push(line.slice(5).replace(/^ /, ''));
        }
      }
    }
  } finally {
    // Leaving early (break, abort) must close the connection, not leave it streaming.
    await reader.cancel().catch(() => undefined);
  }
}

export type ApiClient = ReturnType<typeof createApiClient>;

/**
 * The `Retry-After` of an answer in seconds (RFC 9110 §10.2.3: delay-seconds, or an
 * HTTP-date, counted from this machine's clock); `undefined` when absent or unreadable.
 */
export function retryAfterOf(res: Response, now = Date.now()): number | undefined {
  const value = res.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** Reads a problem+json body, or describes a non-problem error answer (a proxy's 502, say). */
export async function readProblem(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    const parsed = ProblemSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: fall through to a generic problem
  }
  return { type: 'about:blank', title: res.statusText || `HTTP ${res.status}`, status: res.status, detail: text.slice(0, 200) || undefined };
}
