/**
 * @module Tests of what the volunteer page makes of a refused identity: the server (played
 * by msw) answers 429 `too-many-identities` with Retry-After; the page's sentence names the
 * wait in both languages and the page tries again by itself only a bounded number of times,
 * never sooner than a floor; any other failure is described as before.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../../shared/api/client.ts';
import { API_PATHS } from '../../../shared/api/schemas.ts';
import { en } from '../../i18n/en.ts';
import { ja } from '../../i18n/ja.ts';
import { IDENTITY_AUTO_RETRIES_MAX, IDENTITY_RETRY_WAIT_MS_MIN, identityFailure, identityFailureText } from './use-identity.ts';

const EDGE = 'http://edge.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** The error `createVolunteer` throws when the server answers `status` with `retryAfter`. */
async function refusal(status: number, type: string, retryAfter?: string): Promise<unknown> {
  server.use(
    http.post(`${EDGE}${API_PATHS.volunteers}`, () =>
      HttpResponse.json(
        { type, title: 'Too many new identities from this network', status, detail: 'at most 20 new volunteer identities per hour from one network (203.0.113.0/24)' },
        { status, headers: { 'content-type': 'application/problem+json', ...(retryAfter === undefined ? {} : { 'retry-after': retryAfter }) } },
      ),
    ),
  );
  return createApiClient({ baseUrl: EDGE }).createVolunteer().then(
    () => expect.fail('the identity was created'),
    (err: unknown) => err,
  );
}

describe('a refused volunteer identity', () => {
  it('says how many minutes to wait, in English and Japanese, and tries again after Retry-After', async () => {
    const err = await refusal(429, '/problems/too-many-identities', '3000');
    const failure = identityFailure(err, 0);
    expect(failure).toEqual({ kind: 'limited', minutes: 50, autoRetryMs: 3_000_000 });
    expect(identityFailureText(failure, en.volunteer)).toBe('Too many new volunteers from your network right now; this page tries again on its own in 50 minutes.');
    expect(identityFailureText(failure, ja.volunteer)).toBe('いまお使いのネットワークから新しいボランティアが多すぎます。50 分後にこのページが自動で再試行します。');
  });

  it('stops trying by itself after a bounded number of attempts, and then asks the visitor', async () => {
    const err = await refusal(429, '/problems/too-many-identities', '60');
    expect(identityFailure(err, IDENTITY_AUTO_RETRIES_MAX - 1)).toMatchObject({ autoRetryMs: 60_000 });
    const last = identityFailure(err, IDENTITY_AUTO_RETRIES_MAX);
    expect(last).toEqual({ kind: 'limited', minutes: 1 });
    expect(identityFailureText(last, en.volunteer)).toBe('Too many new volunteers from your network right now; try again in 1 minute.');
  });

  it('never retries sooner than a floor, and leaves a day’s wait to the visitor', async () => {
    expect(identityFailure(await refusal(429, '/problems/too-many-identities', '0'), 0)).toMatchObject({ autoRetryMs: IDENTITY_RETRY_WAIT_MS_MIN });
    expect(identityFailure(await refusal(429, '/problems/too-many-identities', String(20 * 3600)), 0)).toEqual({ kind: 'limited', minutes: 1200 });
  });

  it('describes any other failure as before', async () => {
    const failure = identityFailure(await refusal(503, '/problems/node-full', '5'), 0);
    expect(failure).toEqual({ kind: 'other', text: expect.stringContaining('The server answered 503.') });
    expect(identityFailureText(failure, en.volunteer)).toBe((failure as { text: string }).text);
  });
});
