/**
 * @module Large job bodies off the event loop (issue 15, finding 3), on SQLite and
 * PostgreSQL. A test thread (test-thread.ts) holds each body until the test lets it go: while
 * a large quote is held on its thread, the edge answers other requests (were the body parsed
 * on the event loop, the held thread would never have it, and the quote would not be
 * pending); a customer's body past its bound is refused 429 with Retry-After and the overall
 * bound 503, changing nothing; once released, the quote is the one the split gives, and a
 * created job's units, stored parameters and the corpus handed to the edge's cache are the
 * same bytes as splitting on the event loop gives.
 */
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import type { Problem, Quote } from '../../../shared/api/schemas.ts';
import { Ibm1ParamsSchema, forgetPreparedCorpora, splitIbm1, takePreparedCorpus } from '../../../shared/jobs/ibm1.ts';
import { JSON_BODY_BYTES_MAX, PRICE_MINOR_PER_POINT, QUORUM_DEFAULT } from '../../../shared/limits.ts';
import { KeyIndex } from '../../../shared/translation/em.ts';
import { onError } from '../../http/problem.ts';
import { closeDialectApps, makeDialectApp, snapshot, testDialects } from '../../testing.ts';
import { jobRoutes } from '../jobs.routes.ts';
import { storedParams } from '../split.ts';
import { createJobPrepPoolWith, spawnPrepThreadOf, type JobPrepPool } from './pool.ts';

const dialects = await testDialects('large job bodies');
const pools: JobPrepPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  await closeDialectApps();
});

/** A training corpus of about three times the inline bound, so its body goes to a thread. */
const CORPUS = 'das Haus\tthe house\ndas Buch\tthe book\nein Buch\ta book\n'.repeat(Math.ceil((3 * JSON_BODY_BYTES_MAX) / 52));
const PARAMS = { srcLang: 'de', tgtLang: 'en', corpus: { tsv: CORPUS }, maxIterations: 3, shardPairs: 1000 };
const BODY = JSON.stringify({ kind: 'ibm1-train', params: PARAMS });
/** Bound of the test's polls (a thread starts with tsx's loader, which takes a second or two). */
const POLLS_MAX = 3_000;

/** A pool of one gated thread: bodies are counted in `gate[1]` and held until `open()`. */
function gatedPool(): { pool: JobPrepPool; arrived: () => number; open: () => void } {
  const shared = new SharedArrayBuffer(8);
  const gate = new Int32Array(shared);
  const pool = createJobPrepPoolWith({ threads: 1, perCustomerMax: 2, admittedMax: 3 }, spawnPrepThreadOf(new URL('./test-thread.ts', import.meta.url), shared));
  pools.push(pool);
  return {
    pool,
    arrived: () => Atomics.load(gate, 1),
    open: () => {
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
    },
  };
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < POLLS_MAX && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!done()) throw new Error(`never happened: ${what}`);
}

async function setup(dialect: (typeof dialects)[number]) {
  const t = await makeDialectApp(dialect);
  const gated = gatedPool();
  const app = new Hono().onError(onError).route('/', jobRoutes({ store: t.store, kernels: t.kernels, now: () => t.clock.now, jobPrep: gated.pool }));
  const customer = async (name: string) => (await t.client().createCustomer(name)).apiKey;
  const post = (path: string, key: string) =>
    app.request(path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(BODY)) }, body: BODY });
  return { ...t, ...gated, app, customer, post };
}

describe.each(dialects)('large job bodies on %s', (dialect) => {
  it('parses a large quote on a thread while the edge answers; bounds a customer (429) and the edge (503), changing nothing', async () => {
    const t = await setup(dialect);
    const [alice, bob, carol] = [await t.customer('Alice'), await t.customer('Bob'), await t.customer('Carol')];
    const before = await snapshot(t.store);

    let settled = false;
    const first = Promise.resolve(t.post('/api/jobs/quote', alice)).finally(() => (settled = true));
    await until('the body reaches its thread', () => t.arrived() === 1);
    // The body is held on its thread: the event loop runs, and the edge answers meanwhile.
    let ran = false;
    await new Promise<void>((r) => setImmediate(() => ((ran = true), r())));
    expect(ran).toBe(true);
    const listing = await t.app.request('/api/jobs', { headers: { authorization: `Bearer ${alice}` } });
    expect(listing.status).toBe(200);
    expect(settled).toBe(false);

    // Alice's second body waits for the thread; her third is refused before it is read.
    const second = t.post('/api/jobs', alice);
    await until('the second body is admitted', () => t.pool.stats().admitted === 2);
    for (const path of ['/api/jobs/quote', '/api/jobs']) {
      const refused = await t.post(path, alice);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await refused.json()) as Problem).toMatchObject({ type: '/problems/too-many-job-bodies', status: 429 });
    }
    // Bob takes the edge's last place; Carol finds the edge full.
    const third = t.post('/api/jobs/quote', bob);
    await until('the third body is admitted', () => t.pool.stats().admitted === 3);
    const busy = await t.post('/api/jobs/quote', carol);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await busy.json()) as Problem).toMatchObject({ type: '/problems/job-bodies-busy' });
    expect(await snapshot(t.store)).toEqual(before);

    t.open();
    const p = Ibm1ParamsSchema.parse(PARAMS);
    const points = p.maxIterations * splitIbm1(p).reduce((s, u) => s + u.costPoints, 0);
    for (const res of [await first, await third]) {
      expect(res.status).toBe(200);
      expect((await res.json()) as Quote).toMatchObject({ kind: 'ibm1-train', units: p.maxIterations * splitIbm1(p).length, points, priceMinor: points * QUORUM_DEFAULT * PRICE_MINOR_PER_POINT });
    }
    expect((await second).status).toBe(201);
    expect(t.pool.stats()).toMatchObject({ admitted: 0, queued: 0, running: 0 });
    // Places are given back: Alice may send again.
    expect((await t.post('/api/jobs/quote', alice)).status).toBe(200);
  });

  it('creates the same units and stored parameters from a thread as on the event loop, and hands the tokenised corpus to the edge', async () => {
    const t = await setup(dialect);
    t.open();
    const key = await t.customer('Alice');
    forgetPreparedCorpora();
    const res = await t.post('/api/jobs', key);
    expect(res.status).toBe(201);
    const job = (await res.json()) as { id: string };
    const p = Ibm1ParamsSchema.parse(PARAMS);
    // The corpus the thread prepared is in this thread's cache now, usable (its index revived).
    const handed = takePreparedCorpus(p);
    expect(handed?.index).toBeInstanceOf(KeyIndex);
    const expected = splitIbm1(p);
    expect(handed?.shards.length).toBe(expected.length);
    const units = await t.store.db.selectFrom('units').select(['seq', 'input', 'cost_points']).where('job_id', '=', job.id).orderBy('seq').execute();
    expect(units.map((u) => Buffer.from(u.input).toString('hex'))).toEqual(expected.map((u) => Buffer.from(u.input).toString('hex')));
    const stored = storedParams('ibm1-train', p);
    const row = await t.store.db.selectFrom('jobs').innerJoin('job_params', 'job_params.job_id', 'jobs.id').select(['jobs.params as shown', 'job_params.params as kept']).where('jobs.id', '=', job.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ shown: stored.publicParams, kept: stored.params });
  });
});
