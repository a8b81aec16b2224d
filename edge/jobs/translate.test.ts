/**
 * @module Translation jobs (`translate`) through the API, in process, on SQLite and
 * PostgreSQL: a document for the customer's own completed model is quoted and held like any
 * job and stores its plan; a model that does not exist, belongs to another customer or is not
 * a training job is `not-found` (others' jobs are never revealed), one still training is
 * `model-not-trained`; empty, oversize and non-UTF-8 documents are refused. Every refusal
 * creates and charges nothing (whole-database snapshot).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/client.ts';
import type { Problem } from '../../shared/api/schemas.ts';
import { TRANSLATE_DOCUMENT_BYTES_MAX } from '../../shared/limits.ts';
import { documentOf, lexiconModel } from '../../tests/translation/lexicon-model.ts';
import { syntheticCorpus } from '../../tests/translation/synthetic.ts';
import { closeDialectApps, makeDialectApp, snapshot, testDialects, type TestDialect } from '../testing.ts';

const dialects = await testDialects('translation jobs');
afterEach(closeDialectApps);

const corpus = syntheticCorpus({ seed: 3, pairs: 400 });
const model = lexiconModel(corpus);
const TRAIN = { kind: 'ibm1-train', params: { srcLang: 'en', tgtLang: 'de', corpus: { tsv: 'a b\tc d\n' }, maxIterations: 2 } } as const;

async function setup(dialect: TestDialect) {
  const t = await makeDialectApp(dialect);
  const { apiKey } = await t.client().createCustomer('Translators');
  const customer = t.client(apiKey);
  /** A training job of this customer, marked completed with the lexicon model (training itself is tested elsewhere). */
  const trainedModel = async (c = customer) => {
    const job = await c.createJob(TRAIN as never);
    await t.store.db.updateTable('jobs').set({ status: 'completed', completed_at: t.clock.now, result: JSON.stringify({ kind: 'ibm1-train', model }) }).where('id', '=', job.id).execute();
    return job.id;
  };
  return { ...t, apiKey, customer, trainedModel };
}

async function problemOf(p: Promise<unknown>): Promise<Problem> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return (err as ApiError).problem;
}

const doc = (held: number) => documentOf(corpus.heldOut(held).pairs.map((p) => p.src), held);

describe.each(dialects)('translate jobs on %s', (dialect) => {
  it('quotes and creates a job for the customer’s own model, holding the quote and storing the plan', async () => {
    const t = await setup(dialect);
    const id = await t.trainedModel();
    const req = { kind: 'translate', params: { model: id, document: `# Title\n\n${doc(40)}`, format: 'markdown' } } as const;
    const quote = await t.customer.quoteJob(req);
    expect(quote).toMatchObject({ kind: 'translate', units: 3, affordable: true });
    const job = await t.customer.createJob(req);
    expect(job).toMatchObject({ kind: 'translate', status: 'running', unitsTotal: 3, priceMinor: quote.priceMinor });
    // The API shows the document by its size; the plan is kept beside the job, for the edge.
    expect(job.params).toEqual({ model: id, format: 'markdown', document: { characters: req.params.document.length, lines: req.params.document.split('\n').length } });
    const stored = await t.store.db.selectFrom('job_params').select('params').where('job_id', '=', job.id).executeTakeFirstOrThrow();
    const plan = (JSON.parse(stored.params) as { plan: { segments: string[][]; tgtWords: string[] } }).plan;
    expect(plan.segments).toHaveLength(41);
    expect(plan.tgtWords.slice(0, 3)).toEqual(['<s>', '</s>', '<unk>']);
  });

  it('refuses a model that is missing, another customer’s or not a training job as not-found, and an untrained one as model-not-trained', async () => {
    const t = await setup(dialect);
    const other = t.client((await t.client().createCustomer('Others')).apiKey);
    const theirs = await t.trainedModel(other);
    const ebm = await t.customer.createJob({ kind: 'ebm', params: { sampling: { method: 'lhs', members: 2, seed: 1 }, membersPerUnit: 1, maxSteps: 10 } } as never);
    const training = await t.customer.createJob(TRAIN as never);
    const before = await snapshot(t.store);
    const cases: [string, number, string, RegExp][] = [
      ['j_doesnotexist', 404, 'not-found', /no trained model j_doesnotexist/],
      [theirs, 404, 'not-found', new RegExp(`no trained model ${theirs}`)],
      [ebm.id, 404, 'not-found', /no trained model/],
      [training.id, 409, 'model-not-trained', /is running/],
    ];
    for (const [model, status, type, detail] of cases) {
      const req = { kind: 'translate', params: { model, document: 'Some text.', format: 'text' } } as const;
      for (const call of [() => t.customer.createJob(req), () => t.customer.quoteJob(req)]) {
        const problem = await problemOf(call());
        expect(problem).toMatchObject({ status, type: `/problems/${type}` });
        expect(problem.detail).toMatch(detail);
        // Another customer's job is not described in any way.
        if (model === theirs) expect(JSON.stringify(problem)).not.toMatch(/completed|ibm1|Others/);
      }
    }
    expect(await snapshot(t.store)).toEqual(before);
  });

  const BAD: [string, string, RegExp][] = [
    ['an empty document', ' \n\n ', /empty/],
    ['an oversize document', 'ab '.repeat(Math.ceil(TRANSLATE_DOCUMENT_BYTES_MAX / 3) + 1), /over 32768 bytes/],
    ['a replacement character (bytes that were not UTF-8)', 'ein \ufffd Buch.', /not valid UTF-8/],
    ['a lone surrogate', 'ein \ud800 Buch.', /not valid UTF-8/],
    ['a NUL character', 'ein \u0000 Buch.', /control character/],
  ];

  it.each(BAD)('refuses %s, creating and charging nothing', async (_name, document, detail) => {
    const t = await setup(dialect);
    const id = await t.trainedModel();
    const before = await snapshot(t.store);
    const req = { kind: 'translate', params: { model: id, document, format: 'text' } } as const;
    for (const call of [() => t.customer.createJob(req), () => t.customer.quoteJob(req)]) {
      const problem = await problemOf(call());
      expect(problem).toMatchObject({ status: 422, type: '/problems/validation' });
      expect(JSON.stringify(problem)).toMatch(detail);
    }
    expect(await snapshot(t.store)).toEqual(before);
  });

  it('refuses a Markdown document with nothing to translate (a job of no units would never end), creating nothing', async () => {
    const t = await setup(dialect);
    const id = await t.trainedModel();
    const before = await snapshot(t.store);
    const req = { kind: 'translate', params: { model: id, document: '```\ncode only.\n```\n\n---\n', format: 'markdown' } } as const;
    for (const call of [() => t.customer.createJob(req), () => t.customer.quoteJob(req)]) {
      const problem = await problemOf(call());
      expect(problem).toMatchObject({ status: 422, type: '/problems/validation' });
      expect(JSON.stringify(problem)).toMatch(/nothing to translate/);
    }
    expect(await snapshot(t.store)).toEqual(before);
  });

  it('refuses invalid UTF-8 bytes in the body itself, creating nothing', async () => {
    const t = await setup(dialect);
    const id = await t.trainedModel();
    const before = await snapshot(t.store);
    const json = new TextEncoder().encode(JSON.stringify({ kind: 'translate', params: { model: id, document: 'ein XX Buch.', format: 'text' } }));
    json.set([0xc3, 0x28], new TextDecoder().decode(json).indexOf('XX'));
    const res = await t.app.request('/api/jobs', { method: 'POST', headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' }, body: json });
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toMatch(/not valid UTF-8/);
    expect(await snapshot(t.store)).toEqual(before);
  });
});
