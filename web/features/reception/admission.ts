/**
 * @module One browser client of reception for one scope (volunteer work, job submission,
 * checkout): `admittedFetch` (shared/reception/admitted-fetch.ts) with its place in line and
 * client key kept across reloads ({@link AdmissionStore}), its progress fed to the waiting
 * room's state, and an unreachable reception asked again with backoff, a bounded number of
 * times. Also reads whether this site requires admission at all.
 */
import { RECEPTION_UNREACHABLE_RETRIES_MAX } from '../../../shared/limits.ts';
import { admittedFetch, type AdmissionError, type AdmittedFetch } from '../../../shared/reception/admitted-fetch.ts';
import { RECEPTION_PATHS, ReceptionConfigSchema, type ReceptionConfig, type TicketScope } from '../../../shared/reception/schemas.ts';
import { abortError } from '../../../shared/abort.ts';
import { backoffMs, delay } from '../../../shared/volunteer/retry.ts';
import type { AdmissionStore } from './admission-store.ts';
import { initialWaitingState, waitingReducer, type WaitingEvent, type WaitingState } from './waiting-state.ts';

export interface AdmissionOptions {
  scope: TicketScope;
  /** Where reception is; empty for this page's origin. */
  receptionUrl: string;
  store: AdmissionStore;
  fetch?: typeof fetch;
  /** `include` where the node must see the session cookie (checkout). */
  credentials?: RequestCredentials;
  now?: () => number;
  random?: () => number;
  /** How the page waits before asking an unreachable reception again (tests pass a quick one). */
  delay?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function isAdmissionRoute(input: RequestInfo | URL): boolean {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split('?')[0];
  return path === RECEPTION_PATHS.admit || path === RECEPTION_PATHS.admission;
}

function isAdmissionError(err: unknown): err is AdmissionError {
  return (err as { name?: unknown } | null)?.name === 'AdmissionError';
}

export class Admission {
  private current: WaitingState = initialWaitingState;
  private readonly listeners = new Set<(s: WaitingState) => void>();
  private readonly inner: AdmittedFetch;
  private readonly now: () => number;
  /** Counts `end()` calls: a request waiting to ask again after one has been told to stop. */
  private ended = 0;
  /** A `fetch` through reception: give it to an API client with an empty `baseUrl`. */
  readonly fetch: typeof fetch;

  constructor(readonly options: AdmissionOptions) {
    const { scope, store } = options;
    this.now = options.now ?? Date.now;
    const base = options.fetch ?? globalThis.fetch.bind(globalThis);
    const credentials = options.credentials;
    // The cookie goes only with the gated request itself: reception and the node's admission
    // routes don't need it, and a cookie-carrying DELETE without a body would be refused as
    // cross-site by the node's CSRF check (edge/auth/csrf.ts).
    const doFetch: typeof fetch = credentials ? (input, init) => base(input, isAdmissionRoute(input) ? init : { ...init, credentials }) : base;
    let kept = store.place(scope);
    this.inner = admittedFetch({
      receptionUrl: options.receptionUrl,
      scope,
      clientKey: store.clientKey(),
      fetch: doFetch,
      place: kept?.place,
      onWaiting: (answer) => {
        const event: WaitingEvent = { ...answer, type: 'waiting', now: this.now(), firstPosition: kept?.firstPosition };
        kept = undefined;
        // Stored before it is shown, so a reload at any moment finds the place.
        store.keepPlace(scope, { place: answer.place, firstPosition: waitingReducer(this.current, event).firstPosition ?? answer.position });
        this.dispatch(event);
      },
      onAdmitted: () => {
        store.forgetPlace(scope);
        this.dispatch({ type: 'admitted' });
      },
    });
    this.fetch = async (input, init) => {
      if (this.current.phase === 'idle' || this.current.phase === 'failed') this.dispatch({ type: 'asking' });
      const epoch = this.ended;
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.inner(input, init);
        } catch (err) {
          if (!isAdmissionError(err)) throw err;
          const again = err.reason === 'reception-unreachable' && attempt < RECEPTION_UNREACHABLE_RETRIES_MAX;
          const waitMs = again ? backoffMs(attempt, options.random) : 0;
          this.dispatch({ type: 'failed', failure: err.reason, detail: err.detail, ...(again ? { retryAt: this.now() + waitMs } : {}) });
          if (!again) throw err;
          await (options.delay ?? delay)(waitMs, init?.signal ?? undefined);
          if (this.ended !== epoch) throw abortError('admission ended');
          this.dispatch({ type: 'asking' });
        }
      }
    };
  }

  get state(): WaitingState {
    return this.current;
  }

  /** Calls `listener` on every change; returns the unsubscribe. */
  subscribe(listener: (s: WaitingState) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** The chime was played (or skipped because muted). */
  chimed(): void {
    this.dispatch({ type: 'chimed' });
  }

  /** Gives the admission back (session stopped, job submitted, order placed). */
  async end(): Promise<void> {
    this.ended++;
    await this.inner.end();
    this.options.store.forgetPlace(this.options.scope);
    this.dispatch({ type: 'ended' });
  }

  private dispatch(event: WaitingEvent): void {
    this.current = waitingReducer(this.current, event);
    for (const l of [...this.listeners]) l(this.current);
  }
}

let config: Promise<ReceptionConfig> | undefined;

/**
 * Whether this site requires admission and where reception is (asked once per page). An
 * edge without the route (or unreachable) means no admission: requests go as before.
 */
export function receptionConfig(doFetch: typeof fetch = globalThis.fetch.bind(globalThis)): Promise<ReceptionConfig> {
  return (config ??= doFetch(RECEPTION_PATHS.config, { headers: { accept: 'application/json' } })
    .then(async (res) => (res.ok ? ReceptionConfigSchema.parse(await res.json()) : { required: false, receptionUrl: '' }))
    .catch(() => {
      config = undefined; // ask again next time
      return { required: false, receptionUrl: '' };
    }));
}
