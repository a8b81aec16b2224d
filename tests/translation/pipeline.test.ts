/**
 * @module Translation through the real job pipeline: an edge process and two Node volunteers
 * (worker processes running the kernels as in the browser). A synthetic corpus is trained as
 * an `ibm1-train` job; held-out synthetic sentences are then translated as a `translate` job
 * with the trained model and scored with BLEU (sacrebleu's conventions) against the grammar's
 * own translations. The bound is stated below and in the README; the measured value is printed.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../cli/main.ts';
import { createApiClient } from '../../shared/api/client.ts';
import type { TranslateResult } from '../../shared/jobs/translate-result.ts';
import { corpusBleu } from '../../shared/translation/bleu.ts';
import { spawnWorker, startServer, type RunningServer } from '../e2e/harness.ts';
import { documentOf } from './lexicon-model.ts';
import { syntheticCorpus, toTsv } from './synthetic.ts';

/** How long training and translation may take on two single-thread volunteers. */
const JOBS_DONE_MS_MAX = 150_000;
/** Training pairs and held-out sentences of the test. */
const TRAIN_PAIRS = 3000;
const HELD_OUT = 200;
/**
 * The BLEU the trained model must reach on the held-out sentences (measured 56.9: 98.8/63.1/
 * 44.5/37.8, BP 1.000). The decoder's weights were chosen on other held-out sentences (the
 * 200 after these); before the deletion option took the row's missing mass, the particle `wo`
 * came out as a word and the score was 31.
 */
export const TRAINED_BLEU_MIN = 50;

let server: RunningServer;
const workers: { child: ChildProcess; output: () => string }[] = [];
beforeAll(async () => {
  server = await startServer();
  const dir = mkdtempSync(join(tmpdir(), 'translate-workers-'));
  for (const name of ['a', 'b']) workers.push(spawnWorker(['--server', server.url, '--threads', '1', '--identity', join(dir, `${name}.json`)]));
});
afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
  await server?.stop();
});

describe('translation through the job pipeline', () => {
  it(`trains on ${TRAIN_PAIRS} synthetic pairs and translates ${HELD_OUT} held-out sentences to BLEU ≥ ${TRAINED_BLEU_MIN}`, async () => {
    const { apiKey } = await createApiClient({ baseUrl: server.url }).createCustomer('Pipeline');
    const customer = createApiClient({ baseUrl: server.url, token: apiKey });
    const corpus = syntheticCorpus({ seed: 21, pairs: TRAIN_PAIRS });
    const training = await customer.createJob({ kind: 'ibm1-train', params: { srcLang: 'en', tgtLang: 'de', corpus: { tsv: toTsv(corpus.pairs) }, maxIterations: 8, shardPairs: 1000 } } as never);
    const done = async (id: string) => {
      await expect
        .poll(async () => (await customer.job(id)).status, { timeout: JOBS_DONE_MS_MAX / 2, interval: 250 })
        .toBe('completed');
    };
    await done(training.id).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${workers.map((w) => w.output()).join('\n')}`);
    });

    const held = corpus.heldOut(HELD_OUT).pairs;
    const job = await customer.createJob({ kind: 'translate', params: { model: training.id, document: documentOf(held.map((p) => p.src), 10), format: 'text' } });
    await done(job.id);
    const result = (await customer.jobResult(job.id)) as TranslateResult;
    expect(result.segments).toHaveLength(HELD_OUT);
    const bleu = corpusBleu(result.segments.map((s) => s.tgt.join(' ')), [held.map((p) => p.tgt)]);
    console.log(`trained-model BLEU on ${HELD_OUT} held-out sentences: ${bleu.score.toFixed(2)} (${bleu.precisions.map((p) => p.toFixed(1)).join('/')}, BP ${bleu.bp.toFixed(3)})`);
    expect(bleu.score).toBeGreaterThanOrEqual(TRAINED_BLEU_MIN);
    // Paragraphs of ten sentences each survive: 20 paragraphs, blank lines between.
    expect(result.document.split('\n\n')).toHaveLength(HELD_OUT / 10);
    // The CLI downloads the translated document itself for a .txt file.
    const out = join(mkdtempSync(join(tmpdir(), 'translate-cli-')), 'translated.txt');
    const stderr: string[] = [];
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr.push(s), true) }, env: { SPARECYCLES_API_KEY: apiKey, SPARECYCLES_SERVER: server.url } };
    expect(await runCli(['download', job.id, '--out', out], io), stderr.join('')).toBe(EXIT.ok);
    expect(readFileSync(out, 'utf8')).toBe(result.document);
    expect(await runCli(['download', training.id, '--format', 'document'], io)).toBe(EXIT.usage);
  }, JOBS_DONE_MS_MAX + 30_000);
});
