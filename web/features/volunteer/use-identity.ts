/**
 * @module The volunteer's identity. A signed-in account that owns a volunteer identity uses
 * it through the session cookie (same-origin requests send it, and requests to reception's
 * nodes include it), so a second device joins the same points account instead of making a
 * new one, and the browser that claimed its anonymous identity switches to the session (the
 * claim retires the anonymous token). Otherwise the anonymous identity:
 * read from IndexedDB, or created once with `POST /api/volunteers` and saved, so a reload
 * keeps the same points account. Creating an identity computes nothing.
 *
 * The server bounds new identities per network (a classroom behind one address, say): it
 * answers 429 `too-many-identities` with Retry-After. The page says so in the visitor's
 * language and tries again on its own once the wait is over, a bounded number of times.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { createApiClient } from '../../../shared/api/client.ts';
import { getVolunteerIdentity, saveVolunteerIdentity, type VolunteerIdentity } from '../../storage/db.ts';
import { useText, type Messages } from '../../i18n/index.ts';
import { describeError, problemOf } from '../../lib/errors.ts';
import { refreshSession, useSession } from '../account/session-store.ts';

/** Automatic attempts after the server refused a new identity for this network; then the visitor's Try again. */
export const IDENTITY_AUTO_RETRIES_MAX = 3;
/** Shortest wait before an automatic attempt, whatever Retry-After says, so there is never a tight loop. */
export const IDENTITY_RETRY_WAIT_MS_MIN = 10_000;
/** Wait when the refusal came without Retry-After. */
const IDENTITY_RETRY_WAIT_MS_DEFAULT = 5 * 60_000;
/**
 * Longest wait the page keeps a timer for: the hourly bound frees within an hour; a day's
 * bound is left to the visitor's Try again (and setTimeout cannot wait over 2^31 − 1 ms).
 */
export const IDENTITY_RETRY_WAIT_MS_MAX = 61 * 60_000;

/** Why the identity could not be set up, and whether the page tries again by itself (after `autoRetryMs`). */
export type IdentityFailure = { kind: 'limited'; minutes: number; autoRetryMs?: number } | { kind: 'other'; text: string };

/**
 * What a failed attempt means: the server's refusal of a new identity for this network (how
 * long to wait, and whether to try again automatically, `autoRetriesUsed` having been used),
 * or anything else, described.
 */
export function identityFailure(err: unknown, autoRetriesUsed: number): IdentityFailure {
  if (problemOf(err)?.type !== '/problems/too-many-identities') return { kind: 'other', text: describeError(err) };
  const retryAfterS = (err as { retryAfterS?: unknown }).retryAfterS;
  const waitMs = Math.max(IDENTITY_RETRY_WAIT_MS_MIN, typeof retryAfterS === 'number' ? retryAfterS * 1000 : IDENTITY_RETRY_WAIT_MS_DEFAULT);
  const minutes = Math.max(1, Math.ceil(waitMs / 60_000));
  const automatic = autoRetriesUsed < IDENTITY_AUTO_RETRIES_MAX && waitMs <= IDENTITY_RETRY_WAIT_MS_MAX;
  return { kind: 'limited', minutes, ...(automatic ? { autoRetryMs: waitMs } : {}) };
}

/** The sentence the page shows for a failure, in the visitor's language. */
export function identityFailureText(failure: IdentityFailure, t: Messages['volunteer']): string {
  return failure.kind === 'limited' ? t.identityRateLimited(failure.minutes, failure.autoRetryMs !== undefined) : failure.text;
}

/** The identity the page computes for. */
export interface ActiveIdentity {
  volunteerId: string;
  /** Bearer token of the anonymous identity; absent when the session cookie authenticates. */
  token?: string;
}

export interface IdentityState {
  identity?: ActiveIdentity;
  error?: string;
  /** Tries again after an error. */
  retry(): void;
  /**
   * The server refused the identity: an anonymous one is dropped and a new one created (the
   * server no longer knows the old); a session's is re-checked (it may have expired).
   */
  renew(): void;
}

async function createIdentity(): Promise<VolunteerIdentity> {
  const created = await createApiClient().createVolunteer();
  const identity = { volunteerId: created.volunteerId, token: created.token };
  await saveVolunteerIdentity(identity);
  return identity;
}

async function resolveIdentity(sessionVolunteer: string | null, fresh: boolean): Promise<ActiveIdentity> {
  // The account's session acts for its identity, also in the browser that claimed it: the
  // server retired the anonymous token at the claim (a copy of it is worthless), so the page
  // never uses a stored token for an identity an account owns.
  if (sessionVolunteer) return { volunteerId: sessionVolunteer };
  return (!fresh && (await getVolunteerIdentity())) || createIdentity();
}

export function useVolunteerIdentity(): IdentityState {
  const session = useSession();
  const t = useText().volunteer;
  const settled = session.status !== 'loading';
  const sessionVolunteer = session.status === 'signed-in' ? session.user.volunteerId : null;
  const [state, setState] = useState<{ identity?: ActiveIdentity; failure?: IdentityFailure }>({});
  const [attempt, setAttempt] = useState<{ n: number; fresh: boolean }>({ n: 0, fresh: false });
  const current = useRef<ActiveIdentity>();
  current.current = state.identity;
  // Automatic attempts since the last identity; bounded by IDENTITY_AUTO_RETRIES_MAX.
  const autoRetries = useRef(0);
  const autoRetry = useRef<ReturnType<typeof setTimeout>>();

  useEffect(() => {
    if (!settled) return;
    let alive = true;
    resolveIdentity(sessionVolunteer, attempt.fresh).then(
      (identity) => {
        if (!alive) return;
        autoRetries.current = 0;
        // The same identity again keeps its object, so the page's API client stays.
        const before = current.current;
        setState({ identity: before?.volunteerId === identity.volunteerId && before.token === identity.token ? before : identity });
      },
      (err: unknown) => {
        if (!alive) return;
        const failure = identityFailure(err, autoRetries.current);
        setState({ failure });
        if (failure.kind !== 'limited' || failure.autoRetryMs === undefined) return;
        autoRetries.current++;
        autoRetry.current = setTimeout(() => {
          setState({});
          setAttempt((a) => ({ n: a.n + 1, fresh: a.fresh }));
        }, failure.autoRetryMs);
      },
    );
    return () => {
      alive = false;
      clearTimeout(autoRetry.current);
    };
  }, [attempt, settled, sessionVolunteer]);

  const sessionUnknown = session.status === 'unknown';
  const retry = useCallback(() => {
    // The visitor asked: the automatic attempts after this one are counted afresh.
    clearTimeout(autoRetry.current);
    autoRetries.current = 0;
    setState({});
    const again = () => setAttempt((a) => ({ n: a.n + 1, fresh: false }));
    // The server could not say who is signed in: ask again before choosing an identity.
    if (sessionUnknown) void refreshSession().finally(again);
    else again();
  }, [sessionUnknown]);
  const renew = useCallback(() => {
    if (current.current && !current.current.token) {
      void refreshSession();
      return;
    }
    clearTimeout(autoRetry.current);
    setState({});
    setAttempt((a) => ({ n: a.n + 1, fresh: true }));
  }, []);
  const error = state.failure && identityFailureText(state.failure, t);
  return { identity: state.identity, error, retry, renew };
}
