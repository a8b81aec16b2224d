/**
 * The app's edges (issue 15, finding 6): problem pages are own keys only, unknown /api paths
 * are 404 problem+json for every method (with the web app served too), long unknown ids are
 * not echoed in full, ids above 2^53 are refused rather than rounded, and X-Frame-Options
 * agrees with CSP frame-ancestors 'none'.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_PATHS, type Problem } from '../../shared/api/schemas.ts';
import { createApp } from '../app.ts';
import { openStore } from '../db/index.ts';
import { loadKernelRegistry } from '../kernels/registry.ts';
import { KERNELS_DIST, makeTestApp } from '../testing.ts';
import { positiveIdParam } from './path-ids.ts';
import { ECHOED_TOKEN_CHARS_MAX, ProblemError, clipEchoed } from './problem.ts';

async function problem(res: Response): Promise<Problem> {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as Problem;
}

describe('problem pages', () => {
  it('answer own problem types only: __proto__, constructor, toString and hasOwnProperty are 404 problem+json', async () => {
    const t = await makeTestApp();
    for (const slug of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'nope']) {
      const res = await t.app.request(`/problems/${slug}`);
      expect(res.status, slug).toBe(404);
      expect((await problem(res)).type).toBe('/problems/not-found');
    }
    const res = await t.app.request('/problems/validation');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ type: '/problems/validation', status: 422, title: 'The request is not valid' });
  });
});

describe('unknown /api paths', () => {
  const webDir = mkdtempSync(join(tmpdir(), 'sc-web-'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>SpareCycles</title>');
  const paths = ['/api', '/api/', '/api/nope', '/api/x/y/z', '/api//double', '/api/auth', '/api/licenses/nope/deeper'];
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

  it.each([
    ['without the web app', undefined],
    ['with the web app served', webDir],
  ])('are 404 problem+json for every method, %s; other paths get the app page', async (_name, dir) => {
    const app = createApp({ store: await openStore(':memory:'), kernels: await loadKernelRegistry(KERNELS_DIST), webDir: dir });
    for (const path of paths) {
      for (const method of methods) {
        const res = await app.request(`http://edge.test${path}`, { method });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.headers.get('content-type'), `${method} ${path}`).toBe('application/problem+json');
        if (method !== 'HEAD') expect((await res.json()) as Problem).toMatchObject({ type: '/problems/not-found' });
      }
    }
    if (dir) {
      // `..` (and `%2e%2e`) is resolved when the URL is parsed: `/api/../volunteer` is the page /volunteer.
      for (const path of ['/api/../volunteer', '/api/%2e%2e/volunteer', '/apix', '/volunteer']) {
        const res = await app.request(`http://edge.test${path}`);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      }
    }
  });

  it('do not echo a long unknown path in full', async () => {
    const t = await makeTestApp();
    const long = 'x'.repeat(5000);
    const p = await problem(await t.app.request(`/api/${long}`));
    expect(p.detail).toBe(`no route GET /api/${'x'.repeat(ECHOED_TOKEN_CHARS_MAX - 5)}…`);
    const page = await problem(await t.app.request(`/problems/${long}`));
    expect(page.detail!.length).toBeLessThan(100);
  });
});

describe('echoed ids', () => {
  it('are cut to ECHOED_TOKEN_CHARS_MAX characters with an ellipsis, in every problem detail; sentences are untouched', () => {
    const id = 'j_'.padEnd(300, 'z');
    expect(clipEchoed(`no job ${id}`)).toBe(`no job ${id.slice(0, ECHOED_TOKEN_CHARS_MAX)}…`);
    expect(clipEchoed('a sentence of short words')).toBe('a sentence of short words');
    expect(clipEchoed('k'.repeat(ECHOED_TOKEN_CHARS_MAX))).toBe('k'.repeat(ECHOED_TOKEN_CHARS_MAX));
    // Cut by code point, so an emoji is never split into a lone surrogate.
    expect(clipEchoed('😀'.repeat(100))).toBe(`${'😀'.repeat(ECHOED_TOKEN_CHARS_MAX)}…`);
    expect(new ProblemError('not-found', `no cart ${id}`).toProblem().detail).toBe(`no cart ${id.slice(0, ECHOED_TOKEN_CHARS_MAX)}…`);
  });
});

describe('numeric ids above 2^53', () => {
  it('are refused, not rounded, by the path-id parser', () => {
    expect(positiveIdParam('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    for (const raw of ['9007199254740992', '9007199254740993', '99999999999999999', '0', '01', '-1', '1e3', ' 1', '1.0', '0x10', '']) {
      expect(positiveIdParam(raw), raw).toBeUndefined();
    }
  });

  it('are refused on the lease, unit and credits routes', async () => {
    const t = await makeTestApp();
    const { token } = await t.client().createVolunteer();
    const auth = { authorization: `Bearer ${token}` };
    const heartbeat = await t.app.request('/api/work/leases/9007199254740993/heartbeat', { method: 'POST', headers: auth });
    expect(heartbeat.status).toBe(404);
    // Not read as lease 9007199254740992 (what Number() rounds it to).
    expect((await problem(heartbeat)).detail).toBe("'9007199254740993' is not a lease id");
    const unit = await t.app.request('/api/volunteers/me/units/9007199254740993', { headers: auth });
    expect(unit.status).toBe(404);
    expect((await problem(unit)).detail).toContain("'9007199254740993' is not a unit id");
    const credits = await t.app.request(`${API_PATHS.volunteerCredits}?since=9007199254740993`, { headers: auth });
    expect(credits.status).toBe(422);
    const results = await t.app.request(API_PATHS.results, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"results":[{"leaseId":9007199254740993,"output":""}]}',
    });
    expect(results.status).toBe(422);
  });
});

describe('X-Frame-Options', () => {
  it('is DENY, as CSP frame-ancestors is none', async () => {
    const t = await makeTestApp();
    const res = await t.app.request('/api/health');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
