/**
 * @module Test helpers for edge suites: an app on a fresh in-memory store with the real
 * kernels and a settable clock, plus a whole-database snapshot to prove "nothing changed".
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { join } from 'node:path';
import { createApiClient, type ApiClient } from '../shared/api/client.ts';
import { CUSTOMER_TOPUP_MINOR_MAX } from '../shared/limits.ts';
import { createEdge, type AppOptions } from './app.ts';
import type { VerifyPool } from './coordinator/verify/index.ts';
import { openStore, type Store } from './db/index.ts';
import type { Database } from './db/schema.ts';
import { loadKernelRegistry, type KernelRegistry } from './kernels/registry.ts';

export const KERNELS_DIST = join(import.meta.dirname, '..', 'kernels', 'dist');

let registry: Promise<KernelRegistry> | undefined;

/** What a test may put in place of the real thing. */
export interface TestAppOptions {
  random?: () => number;
  /** The server's verification pool (default: the real worker-thread pool). */
  verifyPool?: VerifyPool;
  /** `peers`: server verification off (benches' comparison runs only). */
  trustRule?: 'trust' | 'peers';
  /** Trial credit of new customers, minor units. @default CUSTOMER_TRIAL_CREDIT_MINOR */
  trialCreditMinor?: number;
  /** STUN/TURN servers named to groups (GROUP_ICE_SERVERS). @default none */
  groupIceServers?: AppOptions['groupIceServers'];
}

/**
 * A verification pool whose every run fails as a kernel that refuses its input would: for
 * tests of units that fail on the server too (no valid input of the built-in kinds does).
 */
export function failingVerifyPool(message: string): VerifyPool {
  return {
    verify: async () => ({ status: 'kernel_error', origin: 'kernel', message }),
    stats: () => ({ queued: 0, running: 0, busyMs: 0, elapsedMs: 0, done: 0, refused: 0, threadCpuMs: 0 }),
    close: async () => undefined,
  };
}

/**
 * How long a test's request waits for the server's run of a unit it made wait (the edge's
 * VERIFY_INLINE_WAIT_MS is 2 s): on a loaded 2-core machine a run can take longer, and a test
 * would then see a unit still pending that it expects decided. Runs end in well under this.
 */
export const TEST_VERIFY_INLINE_WAIT_MS = 60_000;

/** A fresh app on its own store; `clock.now` moves only when a test moves it. */
export async function makeTestApp(url = ':memory:', options: TestAppOptions = {}) {
  const store = await openStore(url);
  const kernels = await (registry ??= loadKernelRegistry(KERNELS_DIST));
  const clock = { now: 1_800_000_000_000 };
  const { app, coordinator } = createEdge({ store, kernels, now: () => clock.now, random: options.random, verifyPool: options.verifyPool, trustRule: options.trustRule, trialCreditMinor: options.trialCreditMinor, groupIceServers: options.groupIceServers, verifyInlineWaitMs: TEST_VERIFY_INLINE_WAIT_MS });
  /** A typed client whose requests go to the app in-process. */
  const client = (token?: string) =>
    createApiClient({ baseUrl: 'http://edge.test', token, fetch: (input, init) => Promise.resolve(app.request(input as string, init)) });
  /**
   * A client whose requests come from `address`, as a socket would show it to the edge (the
   * network origin that independence and per-origin bounds read; see edge/http/origin.ts).
   */
  const clientFrom = (address: string, token?: string) =>
    createApiClient({
      baseUrl: 'http://edge.test',
      token,
      // `readableEnded`: the body is read from the request itself, not from this stand-in socket.
      fetch: (input, init) => Promise.resolve(app.request(input as string, init, { incoming: { socket: { remoteAddress: address }, readableEnded: true } })),
    });
  return { app, store, kernels, clock, client, clientFrom, coordinator };
}

/**
 * The store's own tables. On PostgreSQL only the connection's schema: Kysely's introspector
 * reads every schema of the database, and fails when another suite drops its schema meanwhile.
 */
async function ownTables(store: Store): Promise<string[]> {
  if (store.dialect === 'sqlite') return (await store.db.introspection.getTables()).map((t) => t.name);
  const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(store.db);
  return rows.map((r) => r.name);
}

/** Every row of every table (found by introspection, so new features are covered), as one comparable value. */
export async function snapshot(store: Store): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  const tables = (await ownTables(store)).filter((n) => !n.startsWith('kysely_')).sort();
  for (const t of tables) {
    const rows = await store.db.selectFrom(t as keyof Database).selectAll().execute();
    out[t] = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v])));
  }
  return out;
}

/** The local PostgreSQL server tests use (DESIGN: several edge nodes can share one). */
export const PG_TEST_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A PostgreSQL URL whose connections use a fresh schema of their own, so suites never see
 * each other's rows; `undefined` when no server answers (then the caller decides: CI fails).
 */
export async function freshPgUrl(): Promise<string | undefined> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
  } catch {
    return undefined;
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  const url = new URL(PG_TEST_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Drops the schema a {@link freshPgUrl} made (suites call it when done). */
export async function dropFreshPg(url: string | undefined): Promise<void> {
  const schema = url && /search_path=(t_[0-9a-f]+)/.exec(decodeURIComponent(url))?.[1];
  if (!schema) return;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_TEST_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

export type TestDialect = 'sqlite' | 'postgres';

/**
 * The dialects a suite runs on: SQLite always, PostgreSQL when a server answers (required
 * under CI, where `what` names the suite in the error).
 */
export async function testDialects(what: string): Promise<readonly TestDialect[]> {
  const url = await freshPgUrl();
  await dropFreshPg(url);
  if (!url && process.env.CI) throw new Error(`PostgreSQL is not reachable: CI must run ${what} on PostgreSQL too`);
  return url ? ['sqlite', 'postgres'] : ['sqlite'];
}

const dialectApps: { close(): Promise<void>; url: string | undefined }[] = [];

/** A fresh test app on `dialect` (PostgreSQL: a schema of its own); {@link closeDialectApps} ends them. */
export async function makeDialectApp(dialect: TestDialect, options: TestAppOptions = {}) {
  const url = dialect === 'postgres' ? await freshPgUrl() : ':memory:';
  const t = await makeTestApp(url, options);
  dialectApps.push({ close: () => t.store.close(), url: dialect === 'postgres' ? url : undefined });
  return t;
}

/** Closes the apps {@link makeDialectApp} opened and drops their PostgreSQL schemas (call in afterEach). */
export async function closeDialectApps(): Promise<void> {
  for (const o of dialectApps.splice(0)) {
    await o.close();
    await dropFreshPg(o.url);
  }
}

/**
 * Tops a test's or bench's customer up with the payment simulator's paying card, the most
 * one top-up may be: its jobs created after this are paid with money, so they pay every
 * volunteer (a trial-only job pays nothing to volunteers on the customer's own network,
 * edge/coordinator/funding.ts, and tests run everything on one machine), and any test job fits.
 * @example
 * await topUpForTests(t.client((await t.client().createCustomer('Lab')).apiKey));
 */
export async function topUpForTests(customer: ApiClient): Promise<void> {
  await customer.topUp({ amountMinor: CUSTOMER_TOPUP_MINOR_MAX, card: 'tok_ok', idempotencyKey: `tests-${randomBytes(8).toString('hex')}` });
}
