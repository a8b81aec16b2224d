/**
 * @module The volunteer's anonymous identity: read from IndexedDB, or created once with
 * `POST /api/volunteers` and saved, so a reload keeps the same points account. Creating
 * an identity computes nothing.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { createApiClient } from '../../../shared/api/client.ts';
import { getVolunteerIdentity, saveVolunteerIdentity, type VolunteerIdentity } from '../../storage/db.ts';
import { describeError } from '../../lib/errors.ts';

export interface IdentityState {
  identity?: VolunteerIdentity;
  error?: string;
  /** Tries again after an error. */
  retry(): void;
  /** Drops the stored identity and creates a new one (the server no longer knows the old). */
  renew(): void;
}

async function createIdentity(): Promise<VolunteerIdentity> {
  const created = await createApiClient().createVolunteer();
  const identity = { volunteerId: created.volunteerId, token: created.token };
  await saveVolunteerIdentity(identity);
  return identity;
}

export function useVolunteerIdentity(): IdentityState {
  const [state, setState] = useState<{ identity?: VolunteerIdentity; error?: string }>({});
  const [attempt, setAttempt] = useState<{ n: number; fresh: boolean }>({ n: 0, fresh: false });

  useEffect(() => {
    let alive = true;
    const { fresh } = attempt;
    (async () => (!fresh && (await getVolunteerIdentity())) || createIdentity())().then(
      (identity) => alive && setState({ identity }),
      (err: unknown) => alive && setState({ error: `Could not set up your volunteer identity. ${describeError(err)}` }),
    );
    return () => {
      alive = false;
    };
  }, [attempt]);

  const retry = useCallback(() => {
    setState({});
    setAttempt((a) => ({ n: a.n + 1, fresh: false }));
  }, []);
  const renew = useCallback(() => {
    setState({});
    setAttempt((a) => ({ n: a.n + 1, fresh: true }));
  }, []);
  return { ...state, retry, renew };
}
