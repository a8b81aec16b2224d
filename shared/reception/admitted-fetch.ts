/**
 * @module A `fetch` for clients that go through reception: it asks reception for admission
 * (waiting its turn when told to, keeping its place), claims the ticket on the node it names,
 * then sends each request to that node with the admission. When the node no longer knows
 * the admission (it restarted, or the admission lapsed) or cannot be reached (it failed), it
 * asks reception again, which may name another node. Give it to `createApiClient` with an
 * empty `baseUrl`: paths are resolved against the current node. `end()` gives the admission
 * back when the session or order is over, so the node's slot frees at once.
 *
 * Failures to be admitted are {@link AdmissionError}s (branch on `name` and `reason`), so a
 * page can say what went wrong: reception unreachable or refusing, tickets refused, too long
 * in line.
 */
import { ADMISSION_HEADER, AdmitResponseSchema, CLIENT_KEY_HEADER, ClaimResponseSchema, RECEPTION_PATHS, type AdmitResponse, type TicketScope } from './schemas.ts';
import { ADMISSION_WAIT_MS_MAX, READMISSIONS_PER_REQUEST_MAX, TICKET_CLAIMS_PER_ADMISSION_MAX } from '../limits.ts';

/** Why a client was not admitted. */
export type AdmissionFailure = 'reception-unreachable' | 'reception-refused' | 'ticket-refused' | 'wait-too-long';

/** A client could not be admitted; `reason` says why, `detail` what the server said. */
export class AdmissionError extends Error {
  override name = 'AdmissionError';
  constructor(
    readonly reason: AdmissionFailure,
    readonly detail: string,
    /** The HTTP status of the answer that failed, when there was one. */
    readonly status?: number,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** The fetch {@link admittedFetch} returns, with a way to give the admission back. */
export type AdmittedFetch = typeof fetch & {
  /** Ends the admission on its node (best effort) and forgets it; the next request asks reception again. */
  end(): Promise<void>;
};

export interface AdmittedFetchOptions {
  receptionUrl: string;
  scope: TicketScope;
  /** This client's key (32 random bytes, base64url), kept across reloads. */
  clientKey: string;
  fetch?: typeof fetch;
  /** Told each time the client is put (or kept) in line. */
  onWaiting?: (answer: Extract<AdmitResponse, { status: 'waiting' }>) => void;
  signal?: AbortSignal;
  /** A place-in-line token kept from an earlier visit: the client keeps its place. */
  place?: string;
  /** Told when a ticket is claimed on a node. */
  onAdmitted?: (node: { id: string; url: string }) => void;
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

/** Asks reception once; a network failure or a refusal becomes an {@link AdmissionError}. */
async function askReception(doFetch: typeof fetch, url: string, init: RequestInit): Promise<AdmitResponse> {
  let res: Response;
  try {
    res = await doFetch(url, init);
  } catch (err) {
    if (init.signal?.aborted) throw err;
    throw new AdmissionError('reception-unreachable', err instanceof Error ? err.message : String(err));
  }
  if (!res.ok && res.status !== 202) {
    const text = await res.text().catch(() => '');
    throw new AdmissionError(res.status >= 500 ? 'reception-unreachable' : 'reception-refused', text.slice(0, 300) || `HTTP ${res.status}`, res.status);
  }
  const parsed = AdmitResponseSchema.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) throw new AdmissionError('reception-refused', 'reception sent an answer this client does not understand', res.status);
  return parsed.data;
}

export function admittedFetch(options: AdmittedFetchOptions): AdmittedFetch {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const reception = options.receptionUrl.replace(/\/$/, '');
  let current: Promise<Admission> | undefined;
  /** Cancels the admission being asked for (waiting in line, claiming), for `end()`. */
  let asking: AbortController | undefined;
  let place: string | undefined = options.place;

  async function admit(): Promise<Admission> {
    const ctl = new AbortController();
    asking = ctl;
    try {
      return await admitOnce(options.signal ? AbortSignal.any([options.signal, ctl.signal]) : ctl.signal);
    } finally {
      if (asking === ctl) asking = undefined;
    }
  }

  async function admitOnce(signal: AbortSignal): Promise<Admission> {
    const until = Date.now() + ADMISSION_WAIT_MS_MAX;
    let refusals = 0;
    let lastRefusal = '';
    for (;;) {
      if (Date.now() > until) throw new AdmissionError('wait-too-long', `not admitted within ${ADMISSION_WAIT_MS_MAX} ms`);
      if (refusals >= TICKET_CLAIMS_PER_ADMISSION_MAX) throw new AdmissionError('ticket-refused', lastRefusal);
      const answer = await askReception(doFetch, reception + RECEPTION_PATHS.admit, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CLIENT_KEY_HEADER]: options.clientKey },
        body: JSON.stringify({ scope: options.scope, ...(place ? { place } : {}) }),
        signal,
      });
      if (answer.status === 'waiting') {
        place = answer.place;
        options.onWaiting?.(answer);
        await sleep(answer.retryAfterMs, signal);
        continue;
      }
      place = undefined;
      const nodeUrl = answer.node.url.replace(/\/$/, '');
      const claim = await doFetch(nodeUrl + RECEPTION_PATHS.admission, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CLIENT_KEY_HEADER]: options.clientKey },
        body: JSON.stringify({ ticket: answer.ticket, scope: options.scope }),
        signal,
      });
      // A ticket that expired on the way, or a node that filled or failed meanwhile: ask again (bounded).
      if (claim.status !== 201) {
        refusals++;
        lastRefusal = `${answer.node.id} answered ${claim.status}: ${(await claim.text().catch(() => '')).slice(0, 300)}`;
        continue;
      }
      options.onAdmitted?.(answer.node);
      return { nodeUrl, admission: ClaimResponseSchema.parse(await claim.json()).admission };
    }
  }

  async function end(): Promise<void> {
    const admitting = current;
    current = undefined;
    // Still in line or claiming: stop asking (the request waiting on it fails with an AbortError),
    // and give the place up so nobody behind waits for this client.
    if (asking) {
      asking.abort();
      const left = place;
      place = undefined;
      await doFetch(reception + RECEPTION_PATHS.leave, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CLIENT_KEY_HEADER]: options.clientKey },
        body: JSON.stringify(left ? { place: left } : {}),
      }).catch(() => undefined); // unreachable: the place lapses after WAITING_ABANDON_MS
    }
    if (!admitting) return;
    const admission = await admitting.catch(() => undefined);
    if (!admission) return;
    await doFetch(admission.nodeUrl + RECEPTION_PATHS.admission, {
      method: 'DELETE',
      headers: { [CLIENT_KEY_HEADER]: options.clientKey, [ADMISSION_HEADER]: admission.admission },
    }).catch(() => undefined); // an unreachable node frees the slot when the admission idles out
  }

  return Object.assign(async function fetchAdmitted(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
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
  }, { end });
}
