import { describe, expect, it } from 'vitest';
import { makeTestApp, snapshot } from '../testing.ts';
import { ORIGIN, PASSWORD, browser } from './test-browser.ts';

const EVIL = 'http://evil.test';

async function signedInVolunteer() {
  const t = await makeTestApp();
  const b = browser(t.app);
  const { token } = await b.api().createVolunteer();
  await b.auth.signup({ email: 'csrf@example.org', password: PASSWORD, role: 'volunteer' });
  return { t, b, token };
}

async function expectRefused(res: Response) {
  expect(res.status).toBe(403);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(await res.json()).toMatchObject({ type: '/problems/cross-site-request', status: 403 });
}

describe('CSRF: cookie-authenticated state changes need this site’s Origin', () => {
  it('refuses cross-site POSTs that carry the session cookie, and changes nothing', async () => {
    const { t, b } = await signedInVolunteer();
    const before = await snapshot(t.store);
    // Another feature's route (leasing work, authenticated by the session cookie).
    await expectRefused(await b.fetch(`${ORIGIN}/api/work/lease`, { method: 'POST', headers: { origin: EVIL } }));
    // A form post, as a hostile page's <form> would send it.
    await expectRefused(
      await b.fetch(`${ORIGIN}/api/work/lease`, {
        method: 'POST',
        headers: { origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'max=16',
      }),
    );
    await expectRefused(await b.fetch(`${ORIGIN}/api/auth/logout`, { method: 'POST', headers: { origin: EVIL, 'content-type': 'text/plain' } }));
    // No Origin at all (and no Sec-Fetch-Site): not provably same-site, so refused.
    await expectRefused(await b.fetch(`${ORIGIN}/api/auth/logout`, { method: 'POST', headers: { origin: '' } }));
    expect(await snapshot(t.store)).toEqual(before);
    expect(await b.auth.me()).not.toBeNull();
  });

  it('lets same-origin requests through, by Origin or by Sec-Fetch-Site', async () => {
    const { b } = await signedInVolunteer();
    const lease = await b.fetch(`${ORIGIN}/api/work/lease`, { method: 'POST' });
    expect(lease.status).toBe(200);
    const bySecFetch = await b.fetch(`${ORIGIN}/api/work/lease`, { method: 'POST', headers: { origin: '', 'sec-fetch-site': 'same-origin' } });
    expect(bySecFetch.status).toBe(200);
    const logout = await b.fetch(`${ORIGIN}/api/auth/logout`, { method: 'POST' });
    expect(logout.status).toBe(204);
    expect(await b.auth.me()).toBeNull();
  });

  it('exempts Bearer-authenticated requests, which carry no ambient credential', async () => {
    const { b, token } = await signedInVolunteer();
    const res = await b.fetch(`${ORIGIN}/api/work/lease`, { method: 'POST', headers: { origin: EVIL, authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    // Such a request is judged by its header alone: the cookie it also carries is ignored.
    const me = await b.fetch(`${ORIGIN}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
    expect((await b.fetch(`${ORIGIN}/api/auth/me`)).status).toBe(200);
    // Without a cookie and outside the sign-in routes, there is nothing to forge.
    const anon = await b.fetch(`${ORIGIN}/api/volunteers`, { method: 'POST', headers: { origin: EVIL, cookie: '' } });
    expect(anon.status).toBe(201);
  });

  it('refuses a cross-site sign-in form (login CSRF) even without a cookie', async () => {
    const t = await makeTestApp();
    await browser(t.app).auth.signup({ email: 'victim@example.org', password: PASSWORD, role: 'customer' });
    const before = await snapshot(t.store);
    const b = browser(t.app, EVIL);
    await expectRefused(
      await b.fetch(`${ORIGIN}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ email: 'victim@example.org', password: PASSWORD }),
      }),
    );
    expect(await snapshot(t.store)).toEqual(before);
    expect(b.cookie()).toBeUndefined();
  });
});
