/**
 * @module Word-alignment training through the real job pipeline (edge in process, on SQLite
 * and PostgreSQL, quorum 2, two volunteers computing every unit with the ibm1 kernel through
 * the same runtime as the workers): a synthetic corpus of two made-up languages with known
 * alignments is trained until the log-likelihood gain falls below the threshold, before the
 * iteration bound; the likelihood never decreases, and the Viterbi alignments of the trained
 * (pruned) table reach an alignment error rate (Och & Ney 2003) below the bound.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Lease } from '../../shared/api/schemas.ts';
import { base64ToBytes } from '../../shared/base64.ts';
import type { Ibm1Result } from '../../shared/jobs/ibm1.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { alignmentErrorRate, viterbiLinks } from '../../shared/translation/align.ts';
import { tokenize } from '../../shared/translation/tokenize.ts';
import { closeDialectApps, makeDialectApp, testDialects } from '../../edge/testing.ts';
import { syntheticCorpus, toTsv } from './synthetic.ts';

const dialects = await testDialects('word-alignment training');
afterEach(closeDialectApps);

/** The bound the trained alignments must beat (Model 1 has no position model: the frequent determiners and the particle cost it most). */
const AER_MAX = 0.15;
/** Lease rounds the job may take (a loop bound). */
const ROUNDS_MAX = 500;
const PAIRS = 3000;

describe.each(dialects)('ibm1-train through the job pipeline on %s', (dialect) => {
  it('trains a synthetic corpus to a low alignment error, stopping on the gain threshold', async () => {
    const t = await makeDialectApp(dialect);
    const customer = t.client((await t.client().createCustomer('Aligners')).apiKey);
    const volunteers = [t.client((await t.client().createVolunteer()).token), t.client((await t.client().createVolunteer()).token)];
    const compute = (l: Lease) => runKernel(t.kernels.entries.get(`${l.kernel.id}@${l.kernel.version}`)!.module, base64ToBytes(l.input));

    const corpus = syntheticCorpus({ seed: 20261201, pairs: PAIRS });
    const params = { srcLang: 'en', tgtLang: 'fr', corpus: { tsv: toTsv(corpus.pairs) }, maxIterations: 30, minGain: 1e-3, shardPairs: 500 };
    const job = await customer.createJob({ kind: 'ibm1-train', params });
    expect(job.unitsTotal).toBe(6);

    let rounds = 0;
    for (; rounds < ROUNDS_MAX && (await customer.job(job.id)).status === 'running'; rounds++) {
      t.clock.now += 1_000;
      for (const v of volunteers) {
        const { leases } = await v.lease({ max: 16 });
        for (const l of leases) await v.submitResult(l.leaseId, await compute(l));
      }
    }
    expect(await customer.job(job.id)).toMatchObject({ status: 'completed' });
    const result = (await customer.jobResult(job.id)) as Ibm1Result;

    // Stopped by the gain threshold, well before the bound, and the likelihood only rose.
    expect(result.stopped).toBe('converged');
    expect(result.iterations).toBeLessThan(params.maxIterations);
    expect(result.iterations).toBeGreaterThanOrEqual(3);
    expect(result.logLikelihood).toHaveLength(result.iterations);
    const ll = result.logLikelihood;
    for (let k = 1; k < ll.length; k++) expect(ll[k]!).toBeGreaterThanOrEqual(ll[k - 1]!);
    const gain = (k: number) => (ll[k]! - ll[k - 1]!) / Math.abs(ll[k - 1]!);
    expect(gain(ll.length - 1)).toBeLessThan(params.minGain);
    expect(gain(ll.length - 2)).toBeGreaterThanOrEqual(params.minGain);
    expect((await customer.job(job.id)).unitsTotal).toBe(6 * result.iterations);

    // Every pruned row sums to at most 1; the NULL row and the table are there.
    for (const row of result.model.table) expect(row.p.reduce((s, p) => s + p, 0)).toBeLessThanOrEqual(1 + 1e-12);
    expect(result.pairs).toBe(PAIRS);
    expect(result.model.lm.order).toBe(3);

    const found = corpus.pairs.map((p) => viterbiLinks(result.model, tokenize(p.src, 'en'), tokenize(p.tgt, 'fr')));
    const aer = alignmentErrorRate(found, corpus.alignments);
    console.log(`AER ${aer.toFixed(4)} after ${result.iterations} iterations (LL ${ll.map((x) => x.toFixed(0)).join(' → ')})`);
    expect(aer).toBeLessThan(AER_MAX);
    // The lexicon is learnt: most frequent source words translate to their known word first.
    const right = result.frequent.filter((w) => corpus.lexicon[w.word]?.includes(w.translations[0]?.word ?? ''));
    expect(right.length).toBeGreaterThanOrEqual(result.frequent.length - 3);
  }, 120_000);
});
