/**
 * @module Creating the Node worker's volunteer identity when the server asks it to wait: new
 * identities are bounded per network origin (edge/accounts/identity-limiter.ts), so a farm of
 * workers started at once behind one address gets 429 with Retry-After. The worker waits as
 * asked, a bounded number of times and never longer than a named maximum per wait, and says
 * why on the console; any other error is passed on at once, as before.
 */

/** Attempts at creating the identity, the first included. */
export const IDENTITY_CREATE_ATTEMPTS_MAX = 4;
/**
 * Longest wait before one retry: the hourly bound always frees a slot within an hour; a
 * longer Retry-After (the daily bound) is reported, and the worker stops instead of idling.
 */
export const IDENTITY_RETRY_WAIT_MS_MAX = 60 * 60_000;
/** Added to the server's Retry-After, so the retry lands after the window's end, not on it. */
const IDENTITY_RETRY_MARGIN_MS = 1_000;
/** Wait when a 429 or 503 says no Retry-After (a proxy's answer, say). */
const IDENTITY_RETRY_WAIT_MS_DEFAULT = 60_000;

/** What to do after a failed attempt: wait and try again, or give up with the error. */
export type IdentityRetryStep = { action: 'wait'; waitMs: number; why: string } | { action: 'give_up'; why?: string };

/**
 * The step after attempt `attempt` (1-based) failed with `err`: only an API error that asks
 * the client to come back later (429, 503) is retried, after its Retry-After.
 * @example
 * identityRetryStep(new ApiError(problem429, 600), 1) // { action: 'wait', waitMs: 601_000, … }
 */
export function identityRetryStep(err: unknown, attempt: number): IdentityRetryStep {
  const e = err as { name?: unknown; status?: unknown; retryAfterS?: unknown; message?: unknown } | null;
  if (e?.name !== 'ApiError' || (e.status !== 429 && e.status !== 503)) return { action: 'give_up' };
  const retryAfterMs = typeof e.retryAfterS === 'number' ? e.retryAfterS * 1000 : IDENTITY_RETRY_WAIT_MS_DEFAULT;
  const said = `the server refused a new identity (${e.status}: ${String(e.message)})`;
  if (attempt >= IDENTITY_CREATE_ATTEMPTS_MAX) return { action: 'give_up', why: `${said}; gave up after ${attempt} attempts` };
  if (retryAfterMs > IDENTITY_RETRY_WAIT_MS_MAX) {
    return { action: 'give_up', why: `${said}; it asks to wait ${Math.ceil(retryAfterMs / 60_000)} min, more than this worker waits (${IDENTITY_RETRY_WAIT_MS_MAX / 60_000} min)` };
  }
  const waitMs = retryAfterMs + IDENTITY_RETRY_MARGIN_MS;
  return { action: 'wait', waitMs, why: `${said}; trying again in ${Math.ceil(waitMs / 1000)} s (attempt ${attempt + 1} of ${IDENTITY_CREATE_ATTEMPTS_MAX})` };
}

/** What {@link createIdentityWithRetries} runs with; tests pass a clock that does not wait. */
export interface IdentityRetryOptions {
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

/**
 * Runs `create` until it succeeds or {@link identityRetryStep} gives up (then its error, with
 * the reason, is thrown).
 * @example
 * const created = await createIdentityWithRetries(() => api.createVolunteer());
 */
export async function createIdentityWithRetries<T>(create: () => Promise<T>, options: IdentityRetryOptions = {}): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = options.log ?? ((line: string) => console.error(line));
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (err) {
      const step = identityRetryStep(err, attempt);
      if (step.action === 'give_up') {
        if (step.why) log(step.why);
        throw err;
      }
      log(step.why);
      await sleep(step.waitMs);
    }
  }
}
