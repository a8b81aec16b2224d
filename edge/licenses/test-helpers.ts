/**
 * @module Helpers for the license suites: JSON requests in-process, operator requests, the
 * problem of an answer, and one license table's rows.
 */
import type { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { Problem } from '../../shared/api/schemas.ts';
import type { Store } from '../db/index.ts';
import type { Dialect } from '../db/index.ts';
import { dropFreshPg, freshPgUrl, makeTestApp } from '../testing.ts';

type TestApp = Awaited<ReturnType<typeof makeTestApp>>;

/** The operator token the suites configure (OPERATOR_TOKEN). */
export const OPERATOR = 'operator-token-for-tests-0123456789';

/** Sets OPERATOR_TOKEN to {@link OPERATOR} for the calling suite, and restores it after. */
export function withOperatorToken(): void {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.OPERATOR_TOKEN;
    process.env.OPERATOR_TOKEN = OPERATOR;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.OPERATOR_TOKEN;
    else process.env.OPERATOR_TOKEN = saved;
  });
}

type App = Pick<Hono, 'request'>;

/** POSTs JSON in-process; `auth` is the whole Authorization header value. */
export function post(app: App, path: string, body: unknown, auth?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth) headers.authorization = auth;
  return Promise.resolve(app.request(path, { method: 'POST', headers, body: JSON.stringify(body) }));
}

/** POSTs JSON as the operator. */
export function operator(app: App, path: string, body: unknown): Promise<Response> {
  return post(app, path, body, `Bearer ${OPERATOR}`);
}

/** The problem+json body of a refused answer (fails the test for any other answer). */
export async function problemOf(res: Response): Promise<Problem> {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.clone().json()) as Problem;
  expect(body.status).toBe(res.status);
  return body;
}

const LICENSE_TABLES = ['license_signing_keys', 'licenses', 'license_activations', 'license_grants'] as const;

/** Every row of one license table, blobs as hex. */
export async function allRows(store: Store, table: (typeof LICENSE_TABLES)[number]): Promise<unknown[]> {
  const rows = await store.db.selectFrom(table).selectAll().execute();
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v])));
}


/**
 * The dialects the license suites run on: SQLite always, PostgreSQL when a server answers
 * (CI must have one, as for the ledger).
 */
export async function testDialects(): Promise<Dialect[]> {
  const probe = await freshPgUrl();
  if (!probe && process.env.CI) throw new Error('PostgreSQL is not reachable: CI must run the PostgreSQL license tests');
  await dropFreshPg(probe);
  return probe ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** A store URL no other test uses (in-memory SQLite, or a fresh PostgreSQL schema) and its removal. */
export async function freshStoreUrl(dialect: Dialect, sqliteUrl = ':memory:'): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') return { url: sqliteUrl, drop: async () => {} };
  const url = await freshPgUrl();
  if (!url) throw new Error('PostgreSQL went away');
  return { url, drop: () => dropFreshPg(url) };
}

/** Gives every test of the calling suite a fresh app on `dialect`, closed and dropped after it. */
export function freshAppEach(dialect: Dialect, set: (app: TestApp) => void): void {
  let app: TestApp | undefined;
  let drop = async () => {};
  beforeEach(async () => {
    const fresh = await freshStoreUrl(dialect);
    drop = fresh.drop;
    app = await makeTestApp(fresh.url);
    set(app);
  });
  afterEach(async () => {
    await app?.store.close();
    await drop();
  });
}
