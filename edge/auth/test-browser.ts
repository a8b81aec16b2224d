/**
 * @module Test helpers of the auth suites: a stand-in for one browser (it keeps the session
 * cookie and sends `Origin` on unsafe requests, as a same-origin page does) driving the app
 * in-process, and the problem a failed call answered.
 */
import { expect } from 'vitest';
import { ApiError, createApiClient } from '../../shared/api/client.ts';
import { createAuthClient } from '../../shared/auth/client.ts';
import { KNOWN_DEVICE_COOKIE } from './known-device.ts';
import { SESSION_COOKIE } from './session.ts';

/** The origin test requests are addressed to. */
export const ORIGIN = 'http://edge.test';

interface RequestingApp {
  request(input: string, init?: RequestInit, env?: unknown): Response | Promise<Response>;
}

/** The cookie pair a Set-Cookie line sets for `name`: `undefined` when it deletes it, `null` when it is about another cookie. */
function cookieSet(line: string, name: string): string | undefined | null {
  const [pair] = line.split(';');
  if (!pair?.startsWith(`${name}=`)) return null;
  return pair.slice(name.length + 1) === '' || /max-age=0\b/i.test(line) ? undefined : pair;
}

/**
 * One browser profile: a cookie jar of the session cookie and the known-device cookie (sent
 * to the auth paths only, as its Path says), and the auth and API clients over it. `token`
 * adds a Bearer credential to API calls, as the volunteer page does. `address` is the socket
 * address its requests come from (the network origin the edge reads; none by default).
 */
export function browser(app: RequestingApp, origin = ORIGIN, address?: string) {
  let cookie: string | undefined;
  let device: string | undefined;
  const env = address === undefined ? undefined : { incoming: { socket: { remoteAddress: address }, readableEnded: true } };
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    const toAuth = new URL(String(input), ORIGIN).pathname.startsWith('/api/auth/');
    const jar = [cookie, toAuth ? device : undefined].filter((p) => p !== undefined).join('; ');
    if (jar && !headers.has('cookie')) headers.set('cookie', jar);
    const method = (init.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD' && !headers.has('origin')) headers.set('origin', origin);
    const res = await app.request(String(input), { ...init, headers }, env);
    for (const line of res.headers.getSetCookie()) {
      const session = cookieSet(line, SESSION_COOKIE);
      if (session !== null) cookie = session;
      const known = cookieSet(line, KNOWN_DEVICE_COOKIE);
      if (known !== null) device = known;
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
    /** The `sc_device=…` pair this browser would send to the auth paths, if any. */
    deviceCookie: () => device,
    setDeviceCookie: (value: string | undefined) => {
      device = value;
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
