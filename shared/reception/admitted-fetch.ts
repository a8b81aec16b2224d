/**
 * @module A `fetch` for clients that go through reception: it asks reception for admission
 * (waiting its turn when told to, keeping its place), claims the ticket on the node it names,
 * then sends each request to that node with the admission. When the node no longer knows
 * the admission (it restarted, or the admission lapsed) or cannot be reached (it failed), it
 * asks reception again, which may name another node. Give it to `createApiClient` with an
 * empty `baseUrl`: paths are resolved against the current node.
 */
import { ADMISSION_HEADER, AdmitResponseSchema, CLIENT_KEY_HEADER, ClaimResponseSchema, RECEPTION_PATHS, type AdmitResponse, type TicketScope } from './schemas.ts';
import { ADMISSION_WAIT_MS_MAX, READMISSIONS_PER_REQUEST_MAX } from '../limits.ts';

export interface AdmittedFetchOptions {
  receptionUrl: string;
  scope: TicketScope;
  /** This client's key (32 random bytes, base64url), kept across reloads. */
  clientKey: string;
  fetch?: typeof fetch;
  /** Told each time the client is put (or kept) in line. */
  onWaiting?: (answer: Extract<AdmitResponse, { status: 'waiting' }>) => void;
  signal?: AbortSignal;
}

interface Admission {
  nodeUrl: string;
  admission: string;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

async function problemType(res: Response): Promise<string | undefined> {
  if (!(res.headers.get('content-type') ?? '').includes('problem+json')) return undefined;
  return ((await res.clone().json()) as { type?: string }).type;
}

export function admittedFetch(options: AdmittedFetchOptions): typeof fetch {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const reception = options.receptionUrl.replace(/\/$/, '');
  let current: Promise<Admission> | undefined;
  let place: string | undefined;

  async function admit(): Promise<Admission> {
    const until = Date.now() + ADMISSION_WAIT_MS_MAX;
    for (;;) {
      if (Date.now() > until) throw new Error(`not admitted within ${ADMISSION_WAIT_MS_MAX} ms`);
      const res = await doFetch(reception + RECEPTION_PATHS.admit, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CLIENT_KEY_HEADER]: options.clientKey },
        body: JSON.stringify({ scope: options.scope, ...(place ? { place } : {}) }),
        signal: options.signal,
      });
      if (!res.ok && res.status !== 202) throw new Error(`reception answered ${res.status}: ${await res.text()}`);
      const answer = AdmitResponseSchema.parse(await res.json());
      if (answer.status === 'waiting') {
        place = answer.place;
        options.onWaiting?.(answer);
        await sleep(answer.retryAfterMs, options.signal);
        continue;
      }
      place = undefined;
      const nodeUrl = answer.node.url.replace(/\/$/, '');
      const claim = await doFetch(nodeUrl + RECEPTION_PATHS.admission, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CLIENT_KEY_HEADER]: options.clientKey },
        body: JSON.stringify({ ticket: answer.ticket, scope: options.scope }),
        signal: options.signal,
      });
      // A ticket that expired on the way, or a node that filled or failed meanwhile: ask again.
      if (claim.status !== 201) continue;
      return { nodeUrl, admission: ClaimResponseSchema.parse(await claim.json()).admission };
    }
  }

  return async function fetchAdmitted(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    const path = typeof input === 'string' ? input : input instanceof URL ? input.pathname + input.search : new URL(input.url).pathname;
    for (let attempt = 0; ; attempt++) {
      const admitting = (current ??= admit());
      let admission: Admission;
      try {
        admission = await admitting;
      } catch (err) {
        if (current === admitting) current = undefined;
        throw err;
      }
      const headers = new Headers(init.headers);
      headers.set(CLIENT_KEY_HEADER, options.clientKey);
      headers.set(ADMISSION_HEADER, admission.admission);
      let res: Response;
      try {
        res = await doFetch(admission.nodeUrl + path, { ...init, headers });
      } catch (err) {
        // The node can't be reached: ask reception again (it stops sending clients to silent nodes).
        if (attempt >= READMISSIONS_PER_REQUEST_MAX || options.signal?.aborted) throw err;
        if (current === admitting) current = undefined;
        continue;
      }
      if (res.status === 401 && (await problemType(res)) === '/problems/admission-required' && attempt < READMISSIONS_PER_REQUEST_MAX) {
        if (current === admitting) current = undefined;
        continue;
      }
      return res;
    }
  };
}
