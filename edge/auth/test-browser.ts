/**
 * @module Test helpers of the auth suites: a stand-in for one browser (it keeps the session
 * cookie and sends `Origin` on unsafe requests, as a same-origin page does) driving the app
 * in-process, and the problem a failed call answered.
 */
import { expect } from 'vitest';
import { ApiError, createApiClient } from '../../shared/api/client.ts';
import { createAuthClient } from '../../shared/auth/client.ts';
import { SESSION_COOKIE } from './session.ts';

/** The origin test requests are addressed to. */
export const ORIGIN = 'http://edge.test';

interface RequestingApp {
  request(input: string, init?: RequestInit): Response | Promise<Response>;
}

/**
 * One browser profile: a cookie jar of the session cookie, and the auth and API clients
 * over it. `token` adds a Bearer credential to API calls, as the volunteer page does.
 */
export function browser(app: RequestingApp, origin = ORIGIN) {
  let cookie: string | undefined;
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
    const method = (init.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD' && !headers.has('origin')) headers.set('origin', origin);
    const res = await app.request(String(input), { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      if (!pair?.startsWith(`${SESSION_COOKIE}=`)) continue;
      const value = pair.slice(SESSION_COOKIE.length + 1);
      cookie = value === '' || /max-age=0\b/i.test(line) ? undefined : pair;
    }
    return res;
  };
  return {
    fetch,
    auth: createAuthClient({ baseUrl: ORIGIN, fetch }),
    api: (token?: string) => createApiClient({ baseUrl: ORIGIN, token, fetch }),
    /** The `sc_session=…` pair this browser would send, if any. */
    cookie: () => cookie,
    setCookie: (value: string | undefined) => {
      cookie = value;
    },
  };
}

export type Browser = ReturnType<typeof browser>;

/** The problem an API call failed with (it must fail). */
export async function problemOf(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return (err as ApiError).problem;
}

/** A password the schemas accept. */
export const PASSWORD = 'correct horse battery';
