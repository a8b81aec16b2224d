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
  type LeaseRequest,
  type Problem,
} from './schemas.ts';
import type { JobRequest } from '../jobs/kinds.ts';
import { bytesToBase64 } from '../base64.ts';

/** An API answer that was not 2xx, carrying the server's problem details. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly problem: Problem) {
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

  async function call<S extends z.ZodType>(schema: S, path: string, init: RequestInit = {}): Promise<z.output<S>> {
    const headers = new Headers(init.headers);
    const token = typeof options.token === 'function' ? options.token() : options.token;
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (typeof init.body === 'string') headers.set('content-type', 'application/json');
    const res = await doFetch(base + path, { ...init, headers });
    if (!res.ok) throw new ApiError(await readProblem(res));
    return schema.parse(await res.json());
  }

  const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });

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
      if (!res.ok) throw new ApiError(await readProblem(res));
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
    heartbeat: (leaseId: number) => call(HeartbeatResponseSchema, API_PATHS.leaseHeartbeat(leaseId), { method: 'POST' }),
    cancelJob: (id: string) => call(JobSchema, API_PATHS.jobCancel(id), { method: 'POST' }),
    reportError: (leaseId: number, code: number, message: string) =>
      call(ReportErrorResponseSchema, API_PATHS.leaseError(leaseId), json('POST', { code, message: message.slice(0, 500) })),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

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
