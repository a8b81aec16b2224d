/**
 * @module Phrase-based training jobs (`phrase-train`) through the API, in process, on SQLite
 * and PostgreSQL: the quote covers every stage (alignment EM, Viterbi, each tuning round's
 * dev-set decoding) and equals the hold; the API shows the corpus and the dev set by their
 * sizes; a bad corpus or dev set, or settings past their bounds, are refused with their own
 * problem, creating and charging nothing; a model still training cannot translate.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/client.ts';
import type { Problem } from '../../shared/api/schemas.ts';
import { PHRASE_ALIGN_ITERATIONS_MAX, PHRASE_DEV_PAIRS_MAX, PHRASE_TUNING_ROUNDS_MAX, PhraseTrainParamsSchema, phraseTrainQuote, splitPhraseTrain } from '../../shared/jobs/phrase-train.ts';
import { CUSTOMER_TRIAL_CREDIT_MINOR, PRICE_MINOR_PER_POINT, QUORUM_DEFAULT } from '../../shared/limits.ts';
import { captions } from '../../tests/translation/captions.ts';
import { closeDialectApps, makeDialectApp, snapshot, testDialects, type TestDialect } from '../testing.ts';

const dialects = await testDialects('phrase-based training jobs');
afterEach(closeDialectApps);

const PAIRS = captions(60, 3);
const corpus = { source: PAIRS.map((p) => p.fr).join('\n'), target: PAIRS.map((p) => p.en).join('\n') };
const params = (extra: Record<string, unknown> = {}) => ({ srcLang: 'fr', tgtLang: 'en', corpus, devPairs: 10, alignIterations: 3, tuningRounds: 2, ...extra });

async function setup(dialect: TestDialect) {
  const t = await makeDialectApp(dialect);
  const { apiKey } = await t.client().createCustomer('Translators');
  return { ...t, customer: t.client(apiKey) };
}

async function problemOf(p: Promise<unknown>): Promise<Problem> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return (err as ApiError).problem;
}

describe.each(dialects)('phrase-train jobs on %s', (dialect) => {
  it('quotes every stage and holds that price; shows the corpus and dev set by their sizes', async () => {
    const t = await setup(dialect);
    const p = params({ dev: { tsv: PAIRS.slice(0, 5).map((x) => `${x.fr}\t${x.en}`).join('\n') } });
    const parsed = PhraseTrainParamsSchema.parse(p);
    const first = splitPhraseTrain(parsed);
    // Both directions: one shard each for 60 pairs.
    expect(first).toHaveLength(2);
    expect(first.every((u) => u.kernel?.id === 'align')).toBe(true);
    const all = phraseTrainQuote(parsed, first);
    // 3 E-steps and the Viterbi pass of 2 units, then 2 rounds of the 5 dev sentences (one unit each).
    expect(all).toHaveLength(4 * 2 + 2 * 1);
    const points = all.reduce((s, u) => s + u.costPoints, 0);
    const quote = await t.customer.quoteJob({ kind: 'phrase-train', params: p });
    expect(quote).toMatchObject({ kind: 'phrase-train', units: all.length, points, priceMinor: points * QUORUM_DEFAULT * PRICE_MINOR_PER_POINT });
    const job = await t.customer.createJob({ kind: 'phrase-train', params: p });
    expect(job).toMatchObject({ kind: 'phrase-train', status: 'running', unitsTotal: 2, priceMinor: quote.priceMinor });
    expect(job.params.corpus).toEqual({ format: 'two-texts', characters: corpus.source.length + corpus.target.length, lines: 60 });
    expect(job.params.dev).toMatchObject({ format: 'tsv', lines: 5 });
    expect(await t.customer.balance()).toMatchObject({ heldMinor: quote.priceMinor, availableMinor: CUSTOMER_TRIAL_CREDIT_MINOR - quote.priceMinor });
    // A model still training is not a model yet.
    const refused = await problemOf(t.customer.createJob({ kind: 'translate', params: { model: job.id, document: 'Un homme marche.', format: 'text' } }));
    expect(refused).toMatchObject({ status: 409 });
    expect(refused.detail).toMatch(/running/);
  });

  const BAD: [string, unknown, number, string][] = [
    ['a dev set with mismatched lines', params({ dev: { source: 'a\nb', target: 'x' } }), 422, 'corpus-line-mismatch'],
    ['an empty dev set', params({ dev: { tsv: '\n' } }), 422, 'corpus-empty'],
    ['a corpus of one pair and no dev set', params({ corpus: { tsv: 'un\ta' } }), 422, 'corpus-empty'],
    ['an unsupported language', params({ srcLang: 'qq' }), 422, 'unsupported-language'],
    ['a dev set over its bound', params({ dev: { tsv: 'un\ta\n'.repeat(PHRASE_DEV_PAIRS_MAX + 1) } }), 413, 'corpus-too-large'],
    ['too many alignment iterations', params({ alignIterations: PHRASE_ALIGN_ITERATIONS_MAX + 1 }), 422, 'validation'],
    ['too many tuning rounds', params({ tuningRounds: PHRASE_TUNING_ROUNDS_MAX + 1 }), 422, 'validation'],
    ['phrases longer than the bound', params({ maxPhraseLength: 8 }), 422, 'validation'],
    ['an LM order past 5', params({ lmOrder: 6 }), 422, 'validation'],
  ];

  it.each(BAD)('refuses %s with its own problem, creating and charging nothing', async (_name, p, status, type) => {
    const t = await setup(dialect);
    const before = await snapshot(t.store);
    const req = { kind: 'phrase-train', params: p } as never;
    for (const call of [() => t.customer.createJob(req), () => t.customer.quoteJob(req)]) {
      const problem = await problemOf(call());
      expect(problem).toMatchObject({ status, type: `/problems/${type}` });
    }
    expect(await snapshot(t.store)).toEqual(before);
  });
});
