/**
 * @module Word-alignment training jobs (`ibm1-train`) through the API, in process, on SQLite
 * and PostgreSQL: the quote covers every iteration the job may run and equals the hold; bad
 * corpora (mismatched line counts, empty, oversize, invalid UTF-8, a TSV line without its
 * tab, an unsupported language tag) are each refused with their own problem type, creating
 * and charging nothing; a corpus-sized body is accepted only for this kind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/client.ts';
import type { Problem } from '../../shared/api/schemas.ts';
import { Ibm1ParamsSchema, splitIbm1, type Ibm1Params } from '../../shared/jobs/ibm1.ts';
import type { CorpusText } from '../../shared/translation/corpus.ts';
import { CUSTOMER_TRIAL_CREDIT_MINOR, IBM1_CORPUS_BYTES_MAX, JSON_BODY_BYTES_MAX, PRICE_MINOR_PER_POINT, QUORUM_DEFAULT } from '../../shared/limits.ts';
import { closeDialectApps, makeDialectApp, snapshot, testDialects, type TestDialect } from '../testing.ts';

const dialects = await testDialects('word-alignment training jobs');
afterEach(closeDialectApps);

const TOY = 'das Haus\tthe house\ndas Buch\tthe book\nein Buch\ta book\n';
const params = (corpus: CorpusText, extra: Partial<Record<'srcLang' | 'tgtLang' | 'maxIterations' | 'shardPairs', string | number>> = {}) =>
  ({ srcLang: 'de', tgtLang: 'en', corpus, maxIterations: 5, ...extra }) as Ibm1Params;

async function setup(dialect: TestDialect) {
  const t = await makeDialectApp(dialect);
  const { apiKey } = await t.client().createCustomer('Lexicographers');
  return { ...t, apiKey, customer: t.client(apiKey) };
}

async function problemOf(p: Promise<unknown>): Promise<Problem> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return (err as ApiError).problem;
}

/** POSTs raw bytes as a JSON job body (to send what no JSON encoder would write). */
async function postRaw(t: Awaited<ReturnType<typeof setup>>, path: string, body: Uint8Array<ArrayBuffer>): Promise<{ status: number; problem: Problem }> {
  const res = await t.app.request(path, { method: 'POST', headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' }, body });
  return { status: res.status, problem: (await res.json()) as Problem };
}

describe.each(dialects)('ibm1-train jobs on %s', (dialect) => {
  it('quotes every iteration the job may run and holds that price', async () => {
    const t = await setup(dialect);
    const p = params({ tsv: TOY }, { maxIterations: 7, shardPairs: 2 });
    const first = splitIbm1(Ibm1ParamsSchema.parse(p));
    expect(first).toHaveLength(2);
    const points = 7 * first.reduce((s, u) => s + u.costPoints, 0);
    const quote = await t.customer.quoteJob({ kind: 'ibm1-train', params: p });
    expect(quote).toMatchObject({ kind: 'ibm1-train', units: 14, points, priceMinor: points * QUORUM_DEFAULT * PRICE_MINOR_PER_POINT });
    const job = await t.customer.createJob({ kind: 'ibm1-train', params: p });
    expect(job).toMatchObject({ kind: 'ibm1-train', status: 'running', unitsTotal: 2, priceMinor: quote.priceMinor });
    // The API shows the corpus by its size only; the job keeps it.
    const shown = { format: 'tsv', characters: TOY.length, lines: 3 };
    expect(job.params.corpus).toEqual(shown);
    expect((await t.customer.job(job.id)).params).toMatchObject({ srcLang: 'de', corpus: shown, maxIterations: 7 });
    expect((await t.customer.jobs()).jobs[0]!.params.corpus).toEqual(shown);
    expect(await t.customer.balance()).toMatchObject({ heldMinor: quote.priceMinor, availableMinor: CUSTOMER_TRIAL_CREDIT_MINOR - quote.priceMinor });
  });

  const BAD: [string, unknown, number, string, RegExp][] = [
    ['mismatched line counts', params({ source: 'a\nb\nc\n', target: 'x\ny\n' }), 422, 'corpus-line-mismatch', /3 lines and the target text 2/],
    ['an empty corpus', params({ tsv: '\n \t \n' }), 422, 'corpus-empty', /no sentence pair/],
    ['an empty pair of texts', params({ source: '', target: '' }), 422, 'corpus-empty', /no sentence pair/],
    ['a TSV line without a tab', params({ tsv: 'das Haus\tthe house\ndas Buch the book\n' }), 422, 'corpus-malformed', /line 2/],
    ['a replacement character (invalid UTF-8 decoded)', params({ tsv: 'das Haus\tthe house\nein \ufffd\ta book\n' }), 422, 'corpus-invalid-utf8', /line 2/],
    ['a lone surrogate', params({ source: 'das\n\ud800 Buch\n', target: 'the\nthe book\n' }), 422, 'corpus-invalid-utf8', /source text .* line 2/],
    ['a NUL character', params({ tsv: 'das Haus\tthe house\nein\u0000 Buch\ta book\n' }), 422, 'corpus-malformed', /U\+0000\) at line 2/],
    ['an unsupported source language', params({ tsv: TOY }, { srcLang: 'qq' }), 422, 'unsupported-language', /'qq'/],
    ['a malformed target language tag', params({ tsv: TOY }, { tgtLang: 'en_US' }), 422, 'unsupported-language', /'en_US'/],
    ['a corpus over its byte bound', params({ tsv: `${'ab\tcd\n'.repeat(Math.floor(IBM1_CORPUS_BYTES_MAX / 6) + 1)}` }), 413, 'corpus-too-large', /bytes of UTF-8/],
  ];

  it.each(BAD)('refuses %s with its own problem type, creating and charging nothing', async (_name, p, status, type, detail) => {
    const t = await setup(dialect);
    const before = await snapshot(t.store);
    const req = { kind: 'ibm1-train', params: p } as never;
    for (const call of [() => t.customer.createJob(req), () => t.customer.quoteJob(req)]) {
      const problem = await problemOf(call());
      expect(problem).toMatchObject({ status, type: `/problems/${type}` });
      expect(problem.detail).toMatch(detail);
    }
    expect(await snapshot(t.store)).toEqual(before);
  });

  it('refuses invalid UTF-8 bytes in the body itself, creating nothing', async () => {
    const t = await setup(dialect);
    const before = await snapshot(t.store);
    const json = new TextEncoder().encode(JSON.stringify({ kind: 'ibm1-train', params: params({ tsv: 'das Haus\tthe house\nein XX\ta book\n' }) }));
    const at = new TextDecoder().decode(json).indexOf('XX');
    json.set([0xc3, 0x28], at); // a lead byte followed by a non-continuation byte
    const { status, problem } = await postRaw(t, '/api/jobs', json);
    expect(status).toBe(422);
    expect(problem).toMatchObject({ type: '/problems/corpus-invalid-utf8' });
    expect(problem.detail).toMatch(/line 2/);
    expect(await snapshot(t.store)).toEqual(before);
  });

  it('accepts a corpus-sized body for training only; other kinds keep the 64 KiB bound', async () => {
    const t = await setup(dialect);
    const big = 'das Haus\tthe house\n'.repeat(Math.ceil((2 * JSON_BODY_BYTES_MAX) / 19));
    const quote = await t.customer.quoteJob({ kind: 'ibm1-train', params: params({ tsv: big }, { maxIterations: 1 }) });
    expect(quote.units).toBe(4);
    const before = await snapshot(t.store);
    const body = new TextEncoder().encode(JSON.stringify({ kind: 'ebm', params: { note: 'x'.repeat(JSON_BODY_BYTES_MAX) } }));
    const { status, problem } = await postRaw(t, '/api/jobs', body);
    expect(status).toBe(413);
    expect(problem).toMatchObject({ type: '/problems/body-too-large' });
    expect(await snapshot(t.store)).toEqual(before);
  });
});
