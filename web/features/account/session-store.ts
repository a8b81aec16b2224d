/**
 * @module Who is signed in, shared by the header, the account page and the volunteer page:
 * one module-level state with subscribers, read from `GET /api/auth/me` on first use and
 * set by every sign-in, sign-up, claim and sign-out. The session itself is an HttpOnly
 * cookie this code never sees; the auth client (and zod) load only when first needed.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ClaimRequest, LoginRequest, SessionUserBody, SignupRequest } from '../../../shared/auth/schemas.ts';
import { describeError } from '../../lib/errors.ts';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out' }
  | { status: 'signed-in'; user: SessionUserBody }
  /** The server could not be asked; treated as signed out, with the reason. */
  | { status: 'unknown'; error: string };

let state: SessionState = { status: 'loading' };
const listeners = new Set<(s: SessionState) => void>();
let checking: Promise<void> | undefined;

const client = () => import('../../../shared/auth/client.ts').then((m) => m.createAuthClient());

function publish(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener(state);
}

function signedIn(user: SessionUserBody): SessionUserBody {
  publish({ status: 'signed-in', user });
  return user;
}

/** Asks the server who is signed in (one request at a time). */
export function refreshSession(): Promise<void> {
  checking ??= client()
    .then((auth) => auth.me())
    .then(
      (user) => publish(user ? { status: 'signed-in', user } : { status: 'signed-out' }),
      (err: unknown) => publish({ status: 'unknown', error: describeError(err) }),
    )
    .finally(() => {
      checking = undefined;
    });
  return checking;
}

/** The current session state, re-rendering on every change; asks the server on first use. */
export function useSession(): SessionState {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    listeners.add(setCurrent);
    setCurrent(state);
    if (state.status === 'loading') void refreshSession();
    return () => {
      listeners.delete(setCurrent);
    };
  }, []);
  return current;
}

export async function signIn(req: LoginRequest): Promise<SessionUserBody> {
  return signedIn(await (await client()).login(req));
}

export async function signUp(req: SignupRequest): Promise<SessionUserBody> {
  return signedIn(await (await client()).signup(req));
}

/** Claims the anonymous volunteer identity `token` names, and signs in as its account. */
export async function claimIdentity(token: string, req: ClaimRequest): Promise<SessionUserBody> {
  return signedIn(await (await client()).claim(token, req));
}

export async function signOut(): Promise<void> {
  await (await client()).logout();
  publish({ status: 'signed-out' });
}
