/**
 * Training in real Chromium. The word model: the training form refuses a TSV line without its
 * tab and a two-file corpus whose line counts differ, in the browser, with the server's
 * wording and before any job exists; a good synthetic corpus is quoted and submitted; two
 * volunteer pages run its EM iterations; the job page shows the log-likelihood per iteration
 * (rising), the vocabulary and the top translations of frequent words, which are the
 * synthetic lexicon's. The phrase-based system: submitting a form with several invalid
 * inputs marks them all at once and focuses the first, nothing is sent; fixed, it is quoted
 * and submitted; the job page lists the stages with the first marked, two volunteer pages run
 * them, and the page shows the sizes, the log-likelihood per EM iteration and direction and
 * the dev BLEU per tuning round; the translate form then offers it as a phrase-based model.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser, startVolunteerPage, UI_STATE_MS_MAX, topUpCustomerPage } from './harness.ts';
import { syntheticCorpus, toTsv } from '../translation/synthetic.ts';

const JOB_DONE_MS_MAX = 90_000;
/** A phrase-based job runs alignment, Viterbi and tuning iterations: more of them than the word model's. */
const PHRASE_JOB_DONE_MS_MAX = 150_000;
const ui = { timeout: UI_STATE_MS_MAX, interval: 100 };
const ctx = useServerAndBrowser();

describe('training a word-alignment model from the customer page, in Chromium', () => {
  it('refuses bad corpora in the browser, then trains a good one with two volunteer pages and shows the likelihood and translations', async () => {
    const customer = await (await ctx.browser.newContext()).newPage();
    const pageErrors: string[] = [];
    customer.on('pageerror', (err) => pageErrors.push(String(err)));
    await customer.goto(`${ctx.server.url}/customer`);
    await customer.getByTestId('customer-name').fill('Aligners');
    await customer.getByTestId('create-customer').click();
    await expect.poll(() => customer.getByTestId('api-key').textContent(), ui).toMatch(/^c_/);
    await topUpCustomerPage(customer, ctx.server.url);
    await customer.getByTestId('kind-train').click();
    await customer.getByTestId('train-model-ibm1-train').check();

    await customer.getByTestId('train-tsv').fill('das Haus\tthe house\ndas Buch the book\n');
    await expect.poll(() => customer.getByTestId('train-corpus-error').textContent(), ui).toMatch(/line 2 of the TSV/);
    expect(await customer.getByTestId('submit-training').isDisabled()).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
    writeFileSync(join(dir, 'src.txt'), 'das Haus\ndas Buch\nein Buch\n');
    writeFileSync(join(dir, 'tgt.txt'), 'the house\nthe book\n');
    await customer.getByTestId('train-source-two').check();
    await customer.getByTestId('train-source-file').setInputFiles(join(dir, 'src.txt'));
    await customer.getByTestId('train-target-file').setInputFiles(join(dir, 'tgt.txt'));
    await expect.poll(() => customer.getByTestId('train-corpus-error').textContent(), ui).toMatch(/3 lines and the target text 2/);

    const corpus = syntheticCorpus({ seed: 77, pairs: 400 });
    await customer.getByTestId('train-source-tsv').check();
    await customer.getByTestId('train-src').fill('en');
    await customer.getByTestId('train-tgt').fill('fr');
    await customer.getByTestId('train-iterations').fill('8');
    await customer.getByTestId('train-tsv').fill(toTsv(corpus.pairs));
    await expect.poll(() => customer.getByTestId('train-corpus-summary').textContent(), ui).toMatch(/^400 sentence pairs/);
    await expect.poll(() => customer.getByTestId('quote').isVisible(), ui).toBe(true);
    await customer.getByTestId('submit-training').click();
    await customer.getByTestId('job-link').click();

    const volunteers = [await startVolunteerPage(ctx), await startVolunteerPage(ctx)];
    await expect.poll(() => customer.getByTestId('training-stats').isVisible(), { timeout: JOB_DONE_MS_MAX, interval: 250 }).toBe(true);
    const lls = ((await customer.getByTestId('ll-values').textContent()) ?? '').split(' → ').map(Number);
    expect(lls.length).toBeGreaterThanOrEqual(3);
    for (let k = 1; k < lls.length; k++) expect(lls[k]!).toBeGreaterThanOrEqual(lls[k - 1]!);
    expect(await customer.getByTestId('chart-loglikelihood').isVisible()).toBe(true);
    // The frequent source words translate first to their lexicon words (but for a few, like
    // the particle with no translation).
    const rows = await customer.getByTestId('frequent-words').locator('tbody tr').all();
    let right = 0;
    for (const row of rows) {
      const word = (await row.locator('th').textContent())!;
      const best = (await row.locator('td').nth(1).textContent())!.split(' ')[0]!;
      if (corpus.lexicon[word]?.includes(best)) right++;
    }
    expect(rows.length).toBeGreaterThan(10);
    expect(right).toBeGreaterThanOrEqual(rows.length - 3);
    expect(pageErrors).toEqual([]);
    for (const v of volunteers) await v.close();
  }, JOB_DONE_MS_MAX + 30_000);

  it('marks every invalid input of the phrase-based form at once, then trains a phrase-based system and shows its stages, likelihoods and dev BLEU', async () => {
    const customer = await (await ctx.browser.newContext()).newPage();
    const pageErrors: string[] = [];
    customer.on('pageerror', (err) => pageErrors.push(String(err)));
    const created: string[] = [];
    customer.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/api/jobs') && created.push(r.url()));
    await customer.goto(`${ctx.server.url}/customer`);
    await customer.getByTestId('customer-name').fill('Phrase Makers');
    await customer.getByTestId('create-customer').click();
    await expect.poll(() => customer.getByTestId('api-key').textContent(), ui).toMatch(/^c_/);
    await topUpCustomerPage(customer, ctx.server.url);
    await customer.getByTestId('kind-train').click();
    // Phrase-based is the recommended type, chosen first.
    expect(await customer.getByTestId('train-model-phrase-train').isChecked()).toBe(true);
    expect(await customer.getByTestId('dev-corpus-help').textContent()).toMatch(/last 500 sentence pairs/);

    // Several inputs wrong at once: all are marked on submit, the first is focused, nothing is sent.
    await customer.getByTestId('train-src').fill('qq');
    await customer.getByTestId('phrase-alignIterations').fill('0');
    await customer.getByTestId('phrase-lmOrder').fill('9');
    await customer.getByTestId('submit-training').click();
    await expect.poll(() => customer.getByTestId('field-error-srcLang').textContent(), ui).toMatch(/'qq' is not a language tag/);
    expect(await customer.getByTestId('train-corpus-error').textContent()).toBe('Paste or upload the corpus.');
    expect(await customer.getByTestId('field-error-alignIterations').textContent()).toBe('Must be at least 1.');
    expect(await customer.getByTestId('field-error-lmOrder').textContent()).toBe('Must be at most 5.');
    expect(await customer.getByTestId('form-invalid').textContent()).toMatch(/^4 fields need fixing/);
    expect(await customer.evaluate(() => document.activeElement?.id)).toBe('train-src');
    expect(await customer.getByTestId('phrase-lmOrder').getAttribute('aria-describedby')).toBe('phrase-lmOrder-error phrase-lmOrder-help');
    expect(await customer.getByTestId('phrase-lmOrder').getAttribute('aria-invalid')).toBe('true');
    expect(await customer.getByTestId('train-tsv').getAttribute('aria-describedby')).toBe('train-corpus-error');
    // The help states the schema's bounds.
    expect(await customer.locator('#phrase-lmOrder-help').textContent()).toMatch(/2–5, default 4\.$/);
    expect(created).toEqual([]);

    // Once the languages are ones the server tokenises, a corpus line without its tab gets the server's wording.
    await customer.getByTestId('train-src').fill('en');
    await customer.getByTestId('train-tgt').fill('fr');
    await customer.getByTestId('train-tsv').fill('das Haus\tthe house\ndas Buch the book\n');
    await expect.poll(() => customer.getByTestId('train-corpus-error').textContent(), ui).toMatch(/line 2 of the TSV/i);

    const corpus = syntheticCorpus({ seed: 91, pairs: 400 });
    await customer.getByTestId('phrase-devPairs').fill('40');
    await customer.getByTestId('phrase-alignIterations').fill('3');
    await customer.getByTestId('phrase-tuningRounds').fill('2');
    await customer.getByTestId('phrase-maxPhraseLength').fill('3');
    await customer.getByTestId('phrase-lmOrder').fill('3');
    await customer.getByTestId('train-tsv').fill(toTsv(corpus.pairs));
    // 400 pairs, the last min(40, 400 / 2) = 40 held out: 360 train.
    await expect.poll(() => customer.getByTestId('train-corpus-summary').textContent(), ui).toMatch(/^400 sentence pairs.*The last 40 are held out for tuning; 360 train the model\.$/);
    await expect.poll(() => customer.locator('.field-error').count(), ui).toBe(0);
    await expect.poll(() => customer.getByTestId('quote').isVisible(), ui).toBe(true);
    await customer.getByTestId('submit-training').click();
    await customer.getByTestId('job-link').click();
    const jobId = decodeURIComponent(customer.url().split('/').pop()!);

    // Before any unit is valid: the first EM iteration is the current stage.
    await expect.poll(() => customer.locator('[data-testid="phrase-stages"] [aria-current="step"]').getAttribute('data-stage'), ui).toBe('align');
    expect(await customer.locator('[data-stage="align"] .stage-label').textContent()).toBe('Alignment EM 1/3');
    expect(await customer.locator('[data-stage="tuning"]').getAttribute('data-state')).toBe('pending');

    const volunteers = [await startVolunteerPage(ctx), await startVolunteerPage(ctx)];
    await expect.poll(() => customer.getByTestId('phrase-stats').isVisible(), { timeout: PHRASE_JOB_DONE_MS_MAX, interval: 250 }).toBe(true);
    expect(await customer.locator('[data-testid="phrase-stages"] li').evaluateAll((li) => li.map((l) => l.getAttribute('data-state')))).toEqual(['done', 'done', 'done']);
    expect(await customer.getByTestId('phrase-pairs-trained').textContent()).toMatch(/^360\b/);
    expect(await customer.getByTestId('phrase-dev-pairs').textContent()).toMatch(/^40 \(held out/);
    expect(Number((await customer.getByTestId('phrase-phrase-pairs').textContent())!.split(' ')[0])).toBeGreaterThan(0);
    expect(Number((await customer.getByTestId('phrase-lm-entries').textContent())!.split(' ')[0])).toBeGreaterThan(0);
    // One row per EM iteration, both directions' log-likelihoods (negative, in nats).
    const ll = await customer.locator('[data-testid="ll-table"] tbody tr').evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => Number(td.textContent))));
    expect(ll).toHaveLength(3);
    for (const row of ll) for (const v of row) expect(v).toBeLessThan(0);
    expect(await customer.getByTestId('chart-alignment-ll').isVisible()).toBe(true);
    const bleu = (await customer.getByTestId('bleu-value').allTextContents()).map(Number);
    expect(bleu).toHaveLength(2);
    for (const b of bleu) {
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThanOrEqual(100);
    }
    expect(await customer.getByTestId('chart-dev-bleu').isVisible()).toBe(true);
    expect(await customer.getByTestId('phrase-model-note').textContent()).toContain(jobId);
    expect(await customer.getByTestId('download-result').isVisible()).toBe(true);

    // The trained system is a model to translate with, named as phrase-based.
    await customer.getByRole('link', { name: '← Your jobs' }).click();
    await customer.getByTestId('kind-translate').click();
    await expect.poll(() => customer.getByTestId('translate-model').inputValue(), ui).toBe(jobId);
    expect(await customer.locator(`[data-testid="translate-model"] option[value="${jobId}"]`).textContent()).toMatch(/^Phrase-based · en → fr · /);
    expect(pageErrors).toEqual([]);
    for (const v of volunteers) await v.close();
  }, PHRASE_JOB_DONE_MS_MAX + 30_000);
});
