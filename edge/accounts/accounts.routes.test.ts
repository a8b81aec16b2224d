/**
 * @module Tests of identity creation bounded per network origin, over a real socket (the
 * origin is read from it, or from X-Forwarded-For of a trusted proxy), on both dialects:
 * over the hourly bound a 429 problem with Retry-After and an unchanged database; another
 * origin and the next window are free; X-Forwarded-For of an untrusted peer is ignored;
 * customers have their own, smaller bound; two edge nodes on one PostgreSQL share the count
 * and a restart keeps it; in-process requests (no socket) are not counted.
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from '../../shared/api/client.ts';
import { API_PATHS } from '../../shared/api/schemas.ts';
import { createEdge } from '../app.ts';
import { openStore, type Store } from '../db/index.ts';
import { loadKernelRegistry } from '../kernels/registry.ts';
import { KERNELS_DIST, closeDialectApps, dropFreshPg, freshPgUrl, makeDialectApp, snapshot, testDialects, type TestDialect } from '../testing.ts';
import { CUSTOMERS_PER_ORIGIN_PER_HOUR_MAX, IDENTITIES_PER_ORIGIN_PER_HOUR_MAX } from '../auth/identity-limiter.ts';

const dialects = await testDialects('identity limits per origin');
const HOUR_MS = 3_600_000;
/** The test app's clock starts on a whole hour (edge/testing.ts). */
const T0 = 1_800_000_000_000;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await closeDialectApps();
});

/** `app` served on 127.0.0.1; `post` sends from there, optionally through a proxy's X-Forwarded-For. */
async function listen(store: Store, now: () => number, trustedProxies: ReadonlySet<string>) {
  const kernels = await loadKernelRegistry(KERNELS_DIST);
  const { app } = createEdge({ store, kernels, now, trustedProxies });
  const { server, base } = await new Promise<{ server: ServerType; base: string }>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ server: s, base: `http://127.0.0.1:${info.port}` }));
  });
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= new Promise<void>((r) => server.close(() => r())));
  closers.push(close);
  const fetchFrom = (forwardedFor?: string): typeof fetch => (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (forwardedFor) headers.set('x-forwarded-for', forwardedFor);
    return fetch(input, { ...init, headers });
  };
  const post = (path: string, forwardedFor?: string, body?: unknown) =>
    fetchFrom(forwardedFor)(`${base}${path}`, body === undefined ? { method: 'POST' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { base, post, close, client: (forwardedFor?: string) => createApiClient({ baseUrl: base, fetch: fetchFrom(forwardedFor) }) };
}

async function served(dialect: TestDialect, trustedProxies: ReadonlySet<string>) {
  const t = await makeDialectApp(dialect);
  t.clock.now = T0 + 10 * 60_000;
  return { t, ...(await listen(t.store, () => t.clock.now, trustedProxies)) };
}

const PROXY = new Set(['127.0.0.1']);

describe.each(dialects)('identity creation per network origin (%s)', (dialect) => {
  it('refuses the hour’s bound + 1st volunteer of one origin with 429 and Retry-After, changing nothing; other origins and the next hour are free', async () => {
    const { t, post, client } = await served(dialect, PROXY);
    for (let i = 0; i < IDENTITIES_PER_ORIGIN_PER_HOUR_MAX; i++) expect((await post(API_PATHS.volunteers, `203.0.113.${i + 1}`)).status).toBe(201);
    const before = await snapshot(t.store);

    const res = await post(API_PATHS.volunteers, '203.0.113.200');
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    // 10 minutes into the hour: the window frees a slot in 50 minutes.
    expect(res.headers.get('retry-after')).toBe('3000');
    const problem = (await res.json()) as { type: string; status: number; detail: string };
    expect(problem).toMatchObject({ type: '/problems/too-many-identities', status: 429 });
    expect(problem.detail).toContain('203.0.113.0/24');
    expect(problem.detail).toContain('in 50 min');
    // What a client was told to put before its own address does not make it another origin.
    expect((await post(API_PATHS.volunteers, '198.51.100.9, 203.0.113.201')).status).toBe(429);
    // The API client carries the wait.
    const err = await client('203.0.113.202').createVolunteer().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 429, retryAfterS: 3000 });
    expect(await snapshot(t.store)).toEqual(before);

    expect((await post(API_PATHS.volunteers, '198.51.100.7')).status).toBe(201);
    t.clock.now = T0 + HOUR_MS;
    expect((await post(API_PATHS.volunteers, '203.0.113.200')).status).toBe(201);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy: every request from 127.0.0.1 is one origin', async () => {
    const { t, post } = await served(dialect, new Set());
    for (let i = 0; i < IDENTITIES_PER_ORIGIN_PER_HOUR_MAX; i++) expect((await post(API_PATHS.volunteers, `198.51.${i}.7`)).status).toBe(201);
    const before = await snapshot(t.store);
    const res = await post(API_PATHS.volunteers, '192.0.2.1');
    expect(res.status).toBe(429);
    expect(((await res.json()) as { detail: string }).detail).toContain('127.0.0.0/24');
    expect(await snapshot(t.store)).toEqual(before);
  });

  it('bounds customer accounts per origin on their own, smaller bound', async () => {
    const { t, post } = await served(dialect, PROXY);
    for (let i = 0; i < CUSTOMERS_PER_ORIGIN_PER_HOUR_MAX; i++) expect((await post(API_PATHS.customers, '203.0.113.7', { name: `Lab ${i}` })).status).toBe(201);
    const before = await snapshot(t.store);
    const res = await post(API_PATHS.customers, '203.0.113.8', { name: 'One too many' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3000');
    expect(await res.json()).toMatchObject({ type: '/problems/too-many-identities', detail: expect.stringContaining('customer accounts') });
    expect(await snapshot(t.store)).toEqual(before);
    // Volunteers of that origin are counted apart; customers of another origin are free.
    expect((await post(API_PATHS.volunteers, '203.0.113.7')).status).toBe(201);
    expect((await post(API_PATHS.customers, '198.51.100.7', { name: 'Elsewhere' })).status).toBe(201);
  });

  it('admits exactly the bound when one origin creates many at once', async () => {
    const { post } = await served(dialect, PROXY);
    const statuses = await Promise.all(Array.from({ length: IDENTITIES_PER_ORIGIN_PER_HOUR_MAX + 10 }, () => post(API_PATHS.volunteers, '203.0.113.7').then((r) => r.status)));
    expect(statuses.filter((s) => s === 201)).toHaveLength(IDENTITIES_PER_ORIGIN_PER_HOUR_MAX);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
  });

  it('does not count requests without a socket (in-process)', async () => {
    const t = await makeDialectApp(dialect);
    for (let i = 0; i < IDENTITIES_PER_ORIGIN_PER_HOUR_MAX + 5; i++) await t.client().createVolunteer();
    expect(await t.store.db.selectFrom('identity_limits').selectAll().execute()).toEqual([]);
  });

  it('keeps the count across a restart and shares it between two edge nodes on one database', async () => {
    const url = dialect === 'postgres' ? await freshPgUrl() : join(mkdtempSync(join(tmpdir(), 'sparecycles-limits-')), 'edge.db');
    if (!url) throw new Error('PostgreSQL went away');
    if (dialect === 'postgres') closers.push(() => dropFreshPg(url));
    const now = () => T0;
    const node = async () => {
      const store = await openStore(url);
      closers.push(() => store.close());
      return listen(store, now, PROXY);
    };
    const quarter = IDENTITIES_PER_ORIGIN_PER_HOUR_MAX / 4;
    const a = await node();
    for (let i = 0; i < 2 * quarter; i++) expect((await a.post(API_PATHS.volunteers, '203.0.113.7')).status).toBe(201);
    await a.close();

    const restarted = await node();
    const other = await node();
    for (let i = 0; i < quarter; i++) expect((await restarted.post(API_PATHS.volunteers, '203.0.113.8')).status).toBe(201);
    for (let i = 0; i < quarter; i++) expect((await other.post(API_PATHS.volunteers, '203.0.113.9')).status).toBe(201);
    expect((await restarted.post(API_PATHS.volunteers, '203.0.113.10')).status).toBe(429);
    expect((await other.post(API_PATHS.volunteers, '203.0.113.10')).status).toBe(429);
  });
});
