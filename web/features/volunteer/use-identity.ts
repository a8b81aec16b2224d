/**
 * @module The volunteer's identity. A signed-in account that owns a volunteer identity uses
 * it through the session cookie (same-origin requests send it), so a second device joins
 * the same points account instead of making a new one. Otherwise the anonymous identity:
 * read from IndexedDB, or created once with `POST /api/volunteers` and saved, so a reload
 * keeps the same points account. Creating an identity computes nothing.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { createApiClient } from '../../../shared/api/client.ts';
import { getVolunteerIdentity, saveVolunteerIdentity, type VolunteerIdentity } from '../../storage/db.ts';
import { describeError } from '../../lib/errors.ts';
import { refreshSession, useSession } from '../account/session-store.ts';

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
  if (sessionVolunteer) {
    // This browser may hold the same identity anonymously (it claimed it): keep its token,
    // so work in flight is not re-authenticated. Storage trouble must not block a session.
    const stored = await getVolunteerIdentity().catch(() => undefined);
    return stored?.volunteerId === sessionVolunteer ? stored : { volunteerId: sessionVolunteer };
  }
  return (!fresh && (await getVolunteerIdentity())) || createIdentity();
}

export function useVolunteerIdentity(): IdentityState {
  const session = useSession();
  const settled = session.status !== 'loading';
  const sessionVolunteer = session.status === 'signed-in' ? session.user.volunteerId : null;
  const [state, setState] = useState<{ identity?: ActiveIdentity; error?: string }>({});
  const [attempt, setAttempt] = useState<{ n: number; fresh: boolean }>({ n: 0, fresh: false });
  const current = useRef<ActiveIdentity>();
  current.current = state.identity;

  useEffect(() => {
    if (!settled) return;
    let alive = true;
    resolveIdentity(sessionVolunteer, attempt.fresh).then(
      (identity) => {
        if (!alive) return;
        // The same identity again keeps its object, so the page's API client stays.
        const before = current.current;
        setState({ identity: before?.volunteerId === identity.volunteerId && before.token === identity.token ? before : identity });
      },
      (err: unknown) => alive && setState({ error: describeError(err) }),
    );
    return () => {
      alive = false;
    };
  }, [attempt, settled, sessionVolunteer]);

  const sessionUnknown = session.status === 'unknown';
  const retry = useCallback(() => {
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
    setState({});
    setAttempt((a) => ({ n: a.n + 1, fresh: true }));
  }, []);
  return { ...state, retry, renew };
}
