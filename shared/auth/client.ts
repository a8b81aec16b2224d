/**
 * @module A typed client of the auth API. The session travels in an HttpOnly cookie the
 * browser keeps: same-origin `fetch` sends it by default, so this client never sees it.
 */
import { ApiError, readProblem, retryAfterOf } from '../api/client.ts';
import { AUTH_PATHS, SessionUserSchema, type ClaimRequest, type LoginRequest, type SessionUserBody, type SignupRequest } from './schemas.ts';

/** Options of {@link createAuthClient}. */
export interface AuthClientOptions {
  /** Server origin; empty for same-origin requests (the browser app). */
  baseUrl?: string;
  fetch?: typeof fetch;
}

/**
 * @example
 * const auth = createAuthClient();
 * const user = await auth.login({ email: 'ada@example.org', password: 'correct horse battery' });
 */
export function createAuthClient(options: AuthClientOptions = {}) {
  const base = options.baseUrl?.replace(/\/$/, '') ?? '';
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function send(path: string, init: RequestInit): Promise<Response> {
    const res = await doFetch(base + path, init);
    // Retry-After comes with a slowed sign-in (429): the page says how long to wait.
    if (!res.ok) throw new ApiError(await readProblem(res), retryAfterOf(res));
    return res;
  }
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    send(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }).then(
      async (res): Promise<SessionUserBody> => SessionUserSchema.parse(await res.json()),
    );

  return {
    signup: (req: SignupRequest) => post(AUTH_PATHS.signup, req),
    login: (req: LoginRequest) => post(AUTH_PATHS.login, req),
    /** Ends the session (the server deletes it) and clears the cookie. */
    logout: async (): Promise<void> => {
      await send(AUTH_PATHS.logout, { method: 'POST' });
    },
    /** The signed-in user, or `null` when there is no valid session. */
    me: async (): Promise<SessionUserBody | null> => {
      const res = await doFetch(base + AUTH_PATHS.me);
      if (res.status === 401) return null;
      if (!res.ok) throw new ApiError(await readProblem(res));
      return SessionUserSchema.parse(await res.json());
    },
    /** Claims the anonymous volunteer `token` names and signs in as its account. */
    claim: (token: string, req: ClaimRequest) => post(AUTH_PATHS.claim, req, { authorization: `Bearer ${token}` }),
  };
}

export type AuthClient = ReturnType<typeof createAuthClient>;
